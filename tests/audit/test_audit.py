"""``preservation audit``: the walk-in command, run as staff would run it on a patron's drive.

Every test hashes the drive before and after: an audit only ever reads it.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from preservation.report.sections import SECTIONS
from tests.conftest import PHOTOS, Run, snapshot, validate


def audit(run: Run, *args: str, expect: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = run.json("audit", "--jobs", "1", *args, expect=expect)
    validate("audit", data)
    return data


def only(data: dict[str, Any]) -> dict[str, Any]:
    assert len(data["locations"]) == 1
    loc: dict[str, Any] = data["locations"][0]
    return loc


@pytest.fixture
def drive(make_tree) -> Path:
    """A patron's drive: the standard small tree, plus a half-size copy of the first photo."""
    root: Path = make_tree("patron-drive")
    with Image.open(root / "2024" / "summer" / "IMG_0000.jpg") as im:
        small = im.resize((im.width // 2, im.height // 2))
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=85)
    (root / "2024" / "small.jpg").write_bytes(buf.getvalue())
    return root


def test_first_visit_registers_the_drive_and_reports_it(run: Run, drive: Path) -> None:
    before = snapshot(drive)
    data = audit(run, str(drive))
    assert data["ok"] is True and data["problems"] == 0
    assert data["registered"] == ["patron-drive"]
    loc = only(data)
    assert loc["first_visit"] is True and loc["last_visit"] is None
    assert loc["since_last_visit"] is None and loc["verify"] is None  # nothing verified before
    assert loc["files"] == 6 and loc["scan"]["new"] == 6
    # the half-size copy looks like IMG_0000 but is another file: keep both
    lk = data["lookalikes"]
    assert lk["pairs_that_differ"] == 1 and lk["verdicts"] == {"derivative": 1}
    assert {os.path.basename(lk["pairs"][0]["a"]), os.path.basename(lk["pairs"][0]["b"])} == {
        "IMG_0000.jpg", "small.jpg"}
    assert lk["exact_copy_pairs"] == 1  # copy-of-first.jpg: the same bytes as IMG_0000.jpg
    # 5 distinct contents (the copy counts once), all on one drive: fewer than 3 copies
    assert data["copies"] == {"contents": 5, "fewer_than_three": 5, "only_one": 5, "meets_3_2_1": 0}
    assert any("first visit" in s for s in data["summary"])
    assert any("1 pair of pictures looks like duplicates" in s and "keep both" in s for s in data["summary"])
    assert snapshot(drive) == before


def test_second_visit_shows_what_changed_since_the_first(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    # between the visits: a photo added, one changed (edited in place), one removed
    (drive / "2024" / "new.jpg").write_bytes((PHOTOS / "rocket.jpg").read_bytes())
    with open(drive / "notes.txt", "a") as fh:
        fh.write("a line added later\n")
    (drive / "2024" / "summer" / "IMG_0002.jpg").unlink()
    before = snapshot(drive)
    data = audit(run, "patron-drive", expect=1)  # the location's name works too
    loc = only(data)
    assert loc["first_visit"] is False and loc["last_visit_kind"] == "audit"
    assert loc["since_last_visit"] == {
        "new": {"count": 1, "paths": ["2024/new.jpg"]},
        "changed": {"count": 1, "paths": ["notes.txt"]},
        "missing": {"count": 1, "paths": ["2024/summer/IMG_0002.jpg"]},
    }
    assert data["counts"]["changed"] == 1 and data["counts"]["missing"] == 1 and data["problems"] == 2
    assert data["registered"] == []
    text = run("audit", "--jobs", "1", str(drive), expect=1).stdout  # a third visit...
    assert "nothing changed since the last visit" in text  # ...compares with the second
    # ...and the change nobody accepted is still a problem (issue 16)
    assert "1 file changed and not accepted: patron-drive/notes.txt" in text
    run("accept", str(drive / "notes.txt"), "--note", "the patron added a line")
    assert only(audit(run, str(drive)))["unaccepted_changes"] == []
    assert snapshot(drive) == before


def test_changes_since_the_last_audit_survive_a_scan_in_between(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    (drive / "late.txt").write_text("written after the audit\n")
    run("scan", str(drive))  # the scan records the new file; the audit still reports it
    loc = only(audit(run, str(drive)))
    assert loc["since_last_visit"]["new"] == {"count": 1, "paths": ["late.txt"]}


def test_human_summary_on_a_second_visit(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    (drive / "2024" / "summer" / "IMG_0001.jpg").unlink()
    out = run("audit", "--jobs", "1", str(drive), expect=1)
    text = out.stdout
    assert "Looked at 5 files" in text
    assert "patron-drive: since the last visit" in text and "0 new, 0 changed, 1 missing" in text
    assert "1 file went missing since the last visit: patron-drive/2024/summer/IMG_0001.jpg" in text
    assert "Nothing was changed, moved or deleted" in text
    # not a terminal: one plain line as each step starts, on standard error
    assert "Scanning patron-drive..." in out.stderr and "Checking copies (3-2-1)..." in out.stderr
    quiet = run("audit", "--jobs", "1", "--quiet", str(drive))
    assert quiet.stdout == "" and quiet.stderr == ""


def test_a_file_changed_after_a_verify_is_a_fixity_problem(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    run("verify", "patron-drive")
    # silent corruption: same size, same modification time, one bit flipped
    victim = drive / "2024" / "summer" / "IMG_0001.jpg"
    st = victim.stat()
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x10
    victim.write_bytes(bytes(data))
    os.utime(victim, ns=(st.st_atime_ns, st.st_mtime_ns))
    before = snapshot(drive)
    result = audit(run, str(drive), expect=1)
    loc = only(result)
    assert loc["scan"]["changed"] == 0  # the scan cannot see it (size and time are the same)...
    assert loc["verify"]["changed"] == 1 and loc["verify"]["checked"] == 6  # ...the check does
    assert loc["since_last_visit"]["changed"] == {"count": 1, "paths": ["2024/summer/IMG_0001.jpg"]}
    assert result["ok"] is False and result["counts"]["changed"] == 1
    assert any(s.startswith("Fixity problem: 1 file changed") for s in result["summary"])
    # still reported on the next visit: the recorded checksum has not been replaced
    assert only(audit(run, str(drive), expect=1))["verify"]["changed"] == 1
    assert snapshot(drive) == before


def test_only_files_verified_before_are_read_again(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    run("verify", "patron-drive")
    (drive / "added.txt").write_text("new since the verify\n")
    loc = only(audit(run, str(drive)))
    assert loc["scan"]["new"] == 1
    assert loc["verify"]["checked"] == 6  # not the file the scan has just hashed


def test_recheck_older_than_skips_files_checked_recently(run: Run, drive: Path) -> None:
    audit(run, str(drive))
    run("verify", "patron-drive")
    assert only(audit(run, str(drive), "--recheck-older-than", "1"))["verify"]["checked"] == 0
    assert only(audit(run, str(drive)))["verify"]["checked"] == 6  # the default: all of them


def test_report_is_written_with_every_section(run: Run, drive: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    before = snapshot(drive)
    out = tmp_path / "audit.pdf"
    data = audit(run, str(drive), "--report", str(out), "--collection", "The Lee family")
    assert data["report"]["path"] == str(out) and data["report"]["kind"] == "pdf"
    assert data["report"]["pages"] == len(PdfReader(out).pages) >= 2
    text = " ".join((p.extract_text() or "") for p in PdfReader(out).pages)
    text = " ".join(text.split())
    for n, sec in enumerate(SECTIONS, 1):
        assert f"{n}. {sec.title}" in text, sec.title
    assert "The Lee family" in text and "patron-drive" in text
    assert f"The report is in {out}" in " ".join(data["summary"])
    # the report's creation is in the provenance log, with the audit's command line
    from preservation.catalog.engine import open_catalog
    from preservation.catalog.events import events_for

    catalog = open_catalog(run.catalog_path)
    try:
        with catalog.session() as s:
            made = events_for(s, ["report:audit.pdf"])
            assert len(made) == 1 and made[0].type == "creation"
            assert made[0].detail["outputs"][0]["sha256"] == data["report"]["sha256"]
            assert " audit " in made[0].detail["command_line"]
    finally:
        catalog.dispose()
    assert snapshot(drive) == before


def test_report_inside_the_drive_is_refused_before_any_scan(run: Run, drive: Path) -> None:
    before = snapshot(drive)
    out = run("audit", str(drive), "--report", str(drive / "audit.pdf"), expect=2)
    assert "never writes into a scanned location" in out.stderr
    assert snapshot(drive) == before
    assert run.json("files")["files"] == []  # refused before reading the drive


def test_report_kind_follows_the_extension(run: Run, drive: Path, tmp_path: Path) -> None:
    import json

    data = audit(run, str(drive), "--report", str(tmp_path / "audit.json"))
    assert data["report"]["kind"] == "json" and data["report"]["pages"] is None
    report = json.loads((tmp_path / "audit.json").read_text())
    validate("report", report)
    assert report["meta"]["location"] == "patron-drive"
    assert report["meta"]["command_line"].startswith("preservation --catalog")
    assert "audit" in report["meta"]["command_line"] and str(drive) in report["meta"]["command_line"]
    run("audit", str(drive), "--report", str(tmp_path / "audit.docx"), expect=2)


def test_damaged_picture_is_a_problem(run: Run, drive: Path) -> None:
    whole = (PHOTOS / "coffee.jpg").read_bytes()
    (drive / "broken.jpg").write_bytes(whole[: len(whole) // 3])  # an interrupted copy
    data = audit(run, str(drive), expect=1)
    loc = only(data)
    assert [d["path"] for d in loc["damaged"]] == ["broken.jpg"]
    assert loc["damaged"][0]["problem"] == "corrupt-image"
    assert data["counts"]["damaged"] == 1 and data["problems"] == 1
    assert any("1 file is damaged and cannot be opened: patron-drive/broken.jpg" in s
               for s in data["summary"])


def test_unplugged_drive_is_reported_not_marked_missing(run: Run, drive: Path, tmp_path: Path) -> None:
    audit(run, str(drive))
    gone = tmp_path / "unplugged"
    drive.rename(gone)
    data = audit(run, "patron-drive", expect=1)
    loc = only(data)
    assert loc["status"] == "unreachable" and "Nothing was marked missing" in loc["message"]
    assert data["counts"]["unreachable"] == 1 and data["counts"]["missing"] == 0
    assert loc["files"] == 6  # still recorded as present
    gone.rename(drive)
    # an interrupted visit is not a visit: the next compares with the first audit
    assert only(audit(run, str(drive)))["last_visit_kind"] == "audit"


def test_several_drives_in_one_run(run: Run, make_tree, tmp_path: Path) -> None:
    a, b = make_tree("drive-a", photos=2), make_tree("drive-b", photos=2)
    data = audit(run, str(a), str(b), "drive-a")  # named twice: audited once
    assert data["registered"] == ["drive-a", "drive-b"]
    assert [loc["location"] for loc in data["locations"]] == ["drive-a", "drive-b"]
    assert [loc["files"] for loc in data["locations"]] == [4, 4]
    # the same 3 contents on both drives: 2 copies each, still fewer than 3
    assert data["copies"] == {"contents": 3, "fewer_than_three": 3, "only_one": 0, "meets_3_2_1": 0}


def test_nothing_to_audit_is_an_error(run: Run, tmp_path: Path) -> None:
    out = run("audit", expect=2)
    assert "No locations are registered yet" in out.stderr
    out = run("audit", str(tmp_path / "no-such-folder"), expect=2)
    assert "no-such-folder" in out.stderr


def test_an_interrupted_audit_is_not_a_visit(catalog, drive: Path, monkeypatch) -> None:
    import preservation.audit as core

    core.audit(catalog, [str(drive)], core.AuditOptions(jobs=1))
    (drive / "later.txt").write_text("added between visits\n")

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(core, "find_lookalikes", interrupted)
        with pytest.raises(KeyboardInterrupt):
            core.audit(catalog, [str(drive)], core.AuditOptions(jobs=1))
    # the interrupted run saw the new file, but the next audit still compares with the first
    result = core.audit(catalog, [str(drive)], core.AuditOptions(jobs=1))
    (la,) = result.locations
    assert la.changes is not None and la.changes.new.paths == ["later.txt"]
    assert result.ok


def test_one_progress_bar_for_the_whole_run() -> None:
    from rich.console import Console

    from preservation.cli.audit import _OneBar

    bar = _OneBar(Console(file=io.StringIO(), force_terminal=True, width=100))
    bar.begin("Scanning drive", 3, 300)
    first = bar._bar
    bar.advance(2, 200)
    bar.end()  # a step ends; the bar stays for the next one
    bar.begin("Checking drive", 1, 100)
    assert bar._bar is first and first is not None and len(first.tasks) == 1
    task = first.tasks[0]
    assert task.description == "Checking drive" and task.total == 100
    assert task.completed == 0 and task.fields["files"] == 0 and task.fields["total_files"] == 1
    bar.close()
    assert bar._bar is None


def test_steps_that_do_not_read_files_do_not_show_file_counts(capsys: pytest.CaptureFixture[str]) -> None:
    from rich.console import Console

    from preservation.cli.audit import _Lines, _OneBar
    from preservation.cli.progress import FilesColumn

    bar = _OneBar(Console(file=io.StringIO(), force_terminal=True, width=100))
    bar.begin("Comparing pictures that look alike", 12, None, unit="pairs")
    bar.advance(5, 0)
    assert bar._bar is not None
    task = bar._bar.tasks[0]
    assert task.total == 12 and task.completed == 5  # the bar fills by pairs, not bytes
    assert str(FilesColumn().render(task)).startswith("5/12 pairs")
    bar.begin("Checking copies (3-2-1)", None, None, unit="")
    assert str(FilesColumn().render(bar._bar.tasks[0])) == ""
    bar.close()

    lines = _Lines(every=0.0)
    lines.begin("Comparing pictures that look alike", 12, None, unit="pairs")
    lines.advance(3, 0)
    lines.begin("Writing the report", None, None, unit="")
    lines.advance(1, 0)
    err = capsys.readouterr().err.splitlines()
    assert err == ["Comparing pictures that look alike...", "Comparing pictures that look alike: 3 of 12 pairs",
                   "Writing the report..."]
