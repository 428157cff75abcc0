"""The examples in the internals pages run and give what the pages say.

* docs/internals/data-model.md: every ```sql block followed by a ```text block is run against a
  freshly scanned workshop sample, and its rows (as ``sqlite3`` prints them: ``|`` between
  columns, empty for NULL) must be the text block.
* docs/concepts/verdicts.md: the explanations it quotes for the sample are the tool's.
* docs/internals/event-chain.md: the worked hashlib example prints the hash the page states,
  which is the tool's own hash of that canonical JSON; the two chain checkers (from the JSON
  export and from the SQLite file) pass on a real catalog, agree with ``preservation log
  verify``, and fail on a tampered copy at the event the page says.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import re
import shlex
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from preservation.provenance.chain import canonical, event_hash
from preservation.workshop import DEFAULT_SEED, write_sample
from tests.conftest import Run

ROOT = Path(__file__).resolve().parent.parent
DATA_MODEL = ROOT / "docs" / "internals" / "data-model.md"
VERDICTS = ROOT / "docs" / "concepts" / "verdicts.md"
EVENT_CHAIN = ROOT / "docs" / "internals" / "event-chain.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.M | re.S)
CATALOG = "preservation.sqlite"  # the name the page's sqlite example opens

pytestmark = pytest.mark.slow  # the sample is scanned, compared and verified first


def fenced(page: Path) -> list[tuple[str, str]]:
    """(language, body) of every top-level fenced block, in order."""
    return [(m[1], m[2]) for m in FENCE.finditer(page.read_text(encoding="utf-8"))]


def with_results(page: Path, lang: str) -> list[tuple[str, str]]:
    """Each ``lang`` block that is directly followed by a ``text`` block, with that text."""
    bs = fenced(page)
    return [(body, bs[i + 1][1]) for i, (lg, body) in enumerate(bs[:-1])
            if lg == lang and bs[i + 1][0] == "text"]


def run_script(code: str, cwd: Path, monkeypatch: pytest.MonkeyPatch,
               namespace: dict[str, object] | None = None) -> str:
    """Run a page's Python example in ``cwd``; its standard output."""
    monkeypatch.chdir(cwd)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<docs example>", "exec"), {"__name__": "__main__"} if namespace is None else namespace)
    return out.getvalue()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The workshop sample, as the pages describe it: the three drives registered, then scan,
    lookalikes and verify. Returns the folder holding the catalog."""
    base = tmp_path_factory.mktemp("docs-examples")
    manifest = write_sample(base / "ws", DEFAULT_SEED)
    run = Run(base / CATALOG)
    for line in manifest.location_commands(base / "ws"):
        run(*shlex.split(line)[1:])
    run("scan", "-j", "1", expect=1)  # the truncated backup copy is a problem: exit 1
    run("lookalikes", "-j", "1")
    run("verify", "-j", "1")
    return base


def copy_catalog(src: Path, dst_dir: Path) -> Path:
    """A consistent copy of a (WAL-mode) catalog."""
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / CATALOG
    with contextlib.closing(sqlite3.connect(src)) as a, contextlib.closing(sqlite3.connect(dst)) as b:
        a.backup(b)
    return dst


# --- data model ----------------------------------------------------------------------------------


def test_every_data_model_query_gives_the_result_shown(sample: Path) -> None:
    examples = with_results(DATA_MODEL, "sql")
    assert len(examples) >= 12, "the page's query examples were not found"
    with contextlib.closing(sqlite3.connect(f"file:{sample / CATALOG}?mode=ro", uri=True)) as db:
        for sql, shown in examples:
            got = [["" if v is None else str(v) for v in row] for row in db.execute(sql)]
            want = [line.split("|") for line in shown.splitlines()]
            if "ph.value" in sql:
                # hash values may move with Pillow/ImageHash versions (the page says so):
                # algorithms and sizes exactly, values as hex of the stated length
                assert [r[:-1] for r in got] == [r[:-1] for r in want], sql
                for g, w in zip(got, want, strict=True):
                    assert re.fullmatch(r"[0-9a-f]+", g[-1]) and len(g[-1]) == len(w[-1]), sql
                continue
            assert got == want, f"{sql}\n-> {got}"


def test_every_migration_is_in_the_data_model_page() -> None:
    from preservation.catalog.migrate import known_revisions

    page = DATA_MODEL.read_text(encoding="utf-8")
    revisions, head = known_revisions()
    for rev in revisions:
        assert f"| `{rev}` |" in page, f"migration {rev} is missing from the table in {DATA_MODEL.name}"
    assert f"```text\n{head}\n```" in page  # the alembic_version example shows the newest


# --- verdicts -----------------------------------------------------------------------------------


def test_verdicts_page_quotes_the_tools_own_explanations(sample: Path) -> None:
    page = VERDICTS.read_text(encoding="utf-8")
    table = page.split("### Real explanations", 1)[1].split("\n\n| verdict |", 1)[1].split("\n\n", 1)[0]
    quoted = [(m[1], m[2]) for m in re.finditer(r"^\| `([a-z-]+)` \| [^|]+ \| (.+) \|$", table, re.M)]
    assert len(quoted) >= 6
    run = Run(sample / CATALOG)
    result = run.json("lookalikes", "-j", "1")
    # measured sizes may move a little as the evidence is refined; the words may not
    def shape(text: str) -> str:
        return re.sub(r"\d+", "N", text)

    said = {(p["verdict"], shape(p["explanation"])) for g in result["groups"] for p in g["pairs"]}
    for verdict, explanation in quoted:
        assert (verdict, shape(explanation)) in said, (verdict, explanation)
    lines = run("lookalikes", "-j", "1").stdout.strip().splitlines()
    summary = next(line for line in lines if re.match(r"\d+ groups \(", line))  # lines may follow it
    assert f"```\n{summary}\n{lines[lines.index(summary) + 1]}\n" in page


# --- event chain ---------------------------------------------------------------------------------


def python_examples() -> list[str]:
    return [body for lang, body in fenced(EVENT_CHAIN) if lang == "python"]


def test_worked_example_is_the_tools_own_hash(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, shown = with_results(EVENT_CHAIN, "python")[0]
    namespace: dict[str, object] = {"__name__": "__main__"}
    printed = run_script(code, tmp_path, monkeypatch, namespace)
    assert printed == shown
    text = str(namespace["canonical"])
    record = json.loads(text)
    assert canonical(record) == text.encode("utf-8")  # the page's rules are the tool's
    assert event_hash(record) == shown.strip() == hashlib.sha256(text.encode()).hexdigest()


def test_both_checkers_pass_on_a_real_catalog(sample: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    _worked, from_export, from_sqlite = python_examples()
    run = Run(sample / CATALOG)
    check = run.json("log", "verify")
    assert check["intact"]
    run("export", "--format", "json", "-o", str(tmp_path / "catalog.json"))
    expected = f"chain intact: {check['events']} events, newest hash {check['newest']['hash']}\n"
    assert run_script(from_export, tmp_path, monkeypatch) == expected
    assert run_script(from_sqlite, sample, monkeypatch) == expected
    # what the page shows has the same form and count (the hash differs from run to run)
    shown = with_results(EVENT_CHAIN, "python")[1][1]
    m = re.fullmatch(r"chain intact: (\d+) events, newest hash [0-9a-f]{64}\n", shown)
    assert m and int(m[1]) == check["events"]


def _edit(db: sqlite3.Connection) -> None:
    db.execute("DROP TRIGGER events_no_update")
    db.execute("""UPDATE events SET detail = replace(detail, '"files": 13', '"files": 12') WHERE seq = 9""")
    assert db.execute("SELECT changes()").fetchone()[0] == 1


def _edit_and_rehash(db: sqlite3.Connection) -> None:
    _edit(db)
    cols = ("seq", "time", "type", "agent", "operator", "outcome", "detail", "objects", "prev_hash")
    row = dict(zip(cols, db.execute(f"SELECT {', '.join(cols)} FROM events WHERE seq = 9").fetchone(),
                   strict=True))
    rec = {**row, "time": row["time"].replace(" ", "T") + "Z", "detail": json.loads(row["detail"]),
           "objects": json.loads(row["objects"])}
    db.execute("UPDATE events SET hash = ? WHERE seq = 9", (event_hash(rec),))


def _delete(db: sqlite3.Connection) -> None:
    db.execute("DROP TRIGGER events_no_delete")
    db.execute("DELETE FROM events WHERE seq = 5")


@pytest.mark.parametrize(("tamper", "seq", "checker_says"), [
    (_edit, 9, "event #9: contents do not match its hash"),
    (_edit_and_rehash, 10, "event #10: link to the previous event broken"),
    (_delete, 6, "expected event #5, found #6"),
])
def test_tampering_is_caught_where_the_page_says(sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 tamper: Callable[[sqlite3.Connection], None], seq: int,
                                                 checker_says: str) -> None:
    path = copy_catalog(sample / CATALOG, tmp_path)
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        tamper(db)
    out = Run(path)("log", "verify", expect=1).stdout
    assert f"Event log BROKEN at event #{seq}: " in out
    page = EVENT_CHAIN.read_text(encoding="utf-8")
    line = next(x for x in out.splitlines() if "BROKEN" in x)
    assert line.split(". Events before")[0] in page  # the page quotes this very message
    _worked, from_export, from_sqlite = python_examples()
    with pytest.raises(AssertionError, match=re.escape(checker_says)):
        run_script(from_sqlite, tmp_path, monkeypatch)
    Run(path)("export", "--format", "json", "-o", str(tmp_path / "catalog.json"))
    with pytest.raises(AssertionError, match=re.escape(checker_says)):
        run_script(from_export, tmp_path, monkeypatch)


def test_the_database_refuses_edits_of_events(sample: Path, tmp_path: Path) -> None:
    path = copy_catalog(sample / CATALOG, tmp_path)
    shown = "events are append-only: UPDATE refused"
    assert shown in EVENT_CHAIN.read_text(encoding="utf-8")
    with contextlib.closing(sqlite3.connect(path)) as db, pytest.raises(sqlite3.IntegrityError, match=shown):
        db.execute("UPDATE events SET outcome = 'success' WHERE seq = 5")
