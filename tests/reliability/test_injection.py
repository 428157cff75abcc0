"""File and location names as an attacker (or a very old drive) writes them, through every
output the tool makes: JSON, the sha256sum manifest, PREMIS XML, the report's CSV lists and
HTML page, and the terminal. Each output must carry every name exactly (or in its documented
escaped form, which decodes back to the bytes), never two names alike, and never let a name
act: no markup, no formula, no terminal escape sequence, no reordered text."""

from __future__ import annotations

import csv
import hashlib
import html.parser
import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from preservation import paths
from preservation.provenance.premis import xml_text
from preservation.report.csvout import DANGEROUS_START
from tests.conftest import PHOTOS, Run, validate

NAMES = [
    b"new\nline.jpg", b"carriage\rreturn.jpg", b"tab\there.jpg", b"\x01ctl\x7f.jpg",
    b"esc\x1b]0;pwned\x07title.jpg", b"clear\x1b[2J.jpg",  # terminal escape sequences
    b"\xff\xfeinvalid-utf8.jpg", b"latin1-\xe9t\xe9.jpg",  # not UTF-8
    "rtl\u202egpj.exe".encode(), "isolate\u2067.jpg".encode(),  # display as "rtlexe.jpg"...
    b"<script>alert(1)</script>.jpg", b"a&b <c> \"q\" 'x'.jpg", b"cdata]]>end.jpg",  # markup
    b"x[/]y.jpg", b"[red]r[/red].jpg", b"{{ 7*7 }}.jpg",  # terminal markup, templates
    # Formulas. A name cannot hold "/" (so no "http://"), but a path can: the folder
    # '=HYPERLINK("http:' holding 'x")-1.jpg' is the path '=HYPERLINK("http:/x")-1.jpg'.
    b'=HYPERLINK("http:/x")-1.jpg', b"=cmd|' /C calc'!A0.jpg", b"+cmd.jpg", b"-2+3.jpg",
    b"@SUM(A1).jpg", b"\t=tab-first.jpg", b"\r=cr-first.jpg",
    b"a\\xff.jpg", b"a\xff.jpg",  # a backslash and "xff", and the byte 0xff: never shown alike
]
COPY_DRIVE = "=1+1 <b>[red]"  # a location whose own name is a formula and markup
FORMULA_LIKE = [n for n in NAMES if n.startswith((b"=", b"+", b"-", b"@", b"\t", b"\r"))]
ACTIVE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass
class Hostile:
    run: Run
    root: Path  # the "Laptop" location: every hostile name
    drive: Path  # the copy drive: copies of the formula-like names
    out: Path  # where reports go (outside both locations)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Hostile:
    base = tmp_path_factory.mktemp("hostile")
    root, drive, out = base / "laptop", base / "drive", base / "out"
    for d in (root, drive, out):
        d.mkdir()
    photos = sorted(PHOTOS.glob("*.jpg"))
    for i, name in enumerate(NAMES):
        data = photos[i % len(photos)].read_bytes() + bytes([i])  # distinct bytes, alike pixels
        for where in (root, drive) if name in FORMULA_LIKE else (root,):
            path = os.path.join(os.fsencode(where), name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as fh:
                fh.write(data)
    run = Run(base / "catalog.sqlite")
    run("location", "add", "Laptop", str(root), "--media", "ssd")
    run("location", "add", COPY_DRIVE, str(drive), "--media", "hdd")
    run("scan", "-q", "-j", "1", expect=1)  # a JPEG named "rtl\u202egpj.exe" is an extension mismatch
    return Hostile(run, root, drive, out)


def printable(name: bytes) -> str:
    return paths.printable(name)


def unescape(text: str) -> bytes:
    """The documented escaped form back to bytes: ``\\xNN`` is one byte, the rest UTF-8."""
    out, i = bytearray(), 0
    while i < len(text):
        if re.fullmatch(r"\\x[0-9a-fA-F]{2}", text[i : i + 4]):
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        else:
            out += text[i].encode()
            i += 1
    return bytes(out)


def test_printable_names_decode_back_and_are_never_alike() -> None:
    shown = [printable(n) for n in NAMES]
    assert len(set(shown)) == len(NAMES)
    assert printable(b"a\\xff.jpg") == "a\\x5cxff.jpg" and printable(b"a\xff.jpg") == "a\\xff.jpg"
    for name, text in zip(NAMES, shown, strict=True):
        assert unescape(text) == name
        assert unescape(xml_text(text)) == name  # PREMIS adds escapes for what XML cannot carry


@pytest.mark.slow
def test_json_outputs_carry_every_name_exactly(hostile: Hostile) -> None:
    run = hostile.run
    want = {printable(n) for n in NAMES}
    files = run.json("files")
    validate("files", files)
    laptop = [f for f in files["files"] if f["location"] == "Laptop"]
    assert {f["path"] for f in laptop} == want and len(laptop) == len(NAMES)
    for name in NAMES:
        path = os.fsdecode(os.path.join(os.fsencode(hostile.root), name))
        shown = run.json("show", path)
        validate("show", shown)
        assert shown["path"] == printable(name)
        assert unescape(shown["absolute_path"]) == os.fsencode(path)
        history = run.json("history", path)
        validate("history", history)
        assert history["path"] == printable(name)
    export = json.loads(run("export", "--format", "json").stdout_bytes.decode("utf-8"))  # strict
    validate("export", export)
    assert {f["path"] for f in export["files"] if f["location"] == "Laptop"} == want
    for command in (("copies",), ("lookalikes",), ("status",), ("compare", "Laptop", COPY_DRIVE)):
        data = run.json(*command, expect=None)
        validate(command[0], data)
        text = json.dumps(data, ensure_ascii=False)
        text.encode("utf-8")  # nothing a UTF-8 file cannot hold
    assert COPY_DRIVE in {loc["name"] for loc in run.json("location", "list")["locations"]}


def test_verify_findings_name_each_file_exactly(hostile: Hostile, tmp_path: Path) -> None:
    """Changed and missing files with hostile names, in a copy of the tree (so the others'
    fixture stays intact): the findings name them exactly."""
    copy = tmp_path / "laptop"
    shutil.copytree(hostile.root, copy, symlinks=True)
    run = Run(tmp_path / "c.sqlite")
    run("scan", str(copy), "-q", "-j", "1", expect=1)  # the JPEG named .exe
    changed, gone = b"esc\x1b]0;pwned\x07title.jpg", b"a\xff.jpg"
    with open(os.path.join(os.fsencode(copy), changed), "ab") as fh:
        fh.write(b"tampered")
    os.unlink(os.path.join(os.fsencode(copy), gone))
    report = run.json("verify", "-j", "1", expect=1)
    validate("verify", report)
    findings = {f["path"]: f["status"] for f in report["locations"][0]["findings"]}
    assert findings == {printable(changed): "changed", printable(gone): "missing"}
    terminal = run("verify", "-j", "1", expect=1).stdout
    assert "esc\\x1b]0;pwned\\x07title.jpg" in terminal and "a\\xff.jpg" in terminal
    assert "a\\x5cxff.jpg" not in terminal  # the other file, never confused with the missing one
    assert not ACTIVE.search(terminal)
    # the literal-backslash file's history does not show the other file's failure
    events = run.json("history", os.fsdecode(os.path.join(os.fsencode(copy), b"a\\xff.jpg")))
    assert all(e["outcome"] != "failure" for e in events["events"])


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="GNU sha256sum is not installed")
def test_sha256sum_manifest_is_checked_by_gnu_sha256sum(hostile: Hostile) -> None:
    manifest = hostile.run("export", "--format", "sha256sum", "--location", "Laptop").stdout_bytes
    path = hostile.out / "laptop.sha256"
    path.write_bytes(manifest)
    ok = subprocess.run(["sha256sum", "-c", "--strict", str(path)], cwd=hostile.root,
                        capture_output=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(b": OK\n") == len(NAMES)
    # each line names one file by its exact bytes (GNU's escapes for \\, \n and \r)
    gnu = subprocess.run(["sha256sum", "--", *sorted(NAMES)], cwd=hostile.root,
                         capture_output=True, check=True).stdout
    assert sorted(manifest.splitlines()) == sorted(gnu.splitlines())


def test_premis_parses_and_every_name_decodes_back(hostile: Hostile) -> None:
    xml = hostile.run("export", "--format", "premis").stdout_bytes
    root = ET.fromstring(xml)  # well-formed, or this raises
    ns = "{http://www.loc.gov/premis/v3}"
    laptop = [o for o in root.iter(f"{ns}object")
              if o.findtext(f"{ns}objectIdentifier/{ns}objectIdentifierValue").startswith("Laptop/")]
    names = [o.findtext(f"{ns}originalName") for o in laptop]
    assert sorted(unescape(n) for n in names) == sorted(NAMES)
    idents = [o.findtext(f"{ns}objectIdentifier/{ns}objectIdentifierValue") for o in root.iter(f"{ns}object")]
    assert len(idents) == len(set(idents))  # one identifier, one file
    for o in laptop:  # the stored location, escaped the same way, decodes to the real path
        where = o.findtext(f"{ns}storage/{ns}contentLocation/{ns}contentLocationValue")
        assert os.path.exists(unescape(where))
    assert b"<script>" not in xml and b"<c>" not in xml and b"]]>end" not in xml


def _csv_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


def test_report_csv_cells_never_start_a_formula(hostile: Hostile) -> None:
    out = hostile.out / "short.html"
    hostile.run("report", "--out", str(out), "--audience", "staff", "--rows", "1", "--pairs", "1",
                expect=1)
    lists = sorted(hostile.out.glob("short-*.csv"))
    assert {p.name for p in lists} >= {"short-at-risk.csv", "short-lookalikes.csv"}
    cells = [cell for p in lists for row in _csv_rows(p) for cell in row]
    dangerous = [c for c in cells if c.startswith(DANGEROUS_START)]
    assert not dangerous, dangerous
    for name in FORMULA_LIKE:  # shown, defused by one apostrophe, otherwise exact
        assert "'" + printable(name) in cells, printable(name)
    assert "'" + COPY_DRIVE in cells  # a location's name in a cell of its own


def test_every_csv_the_tool_writes_goes_through_the_defusing_writer() -> None:
    """The one CSV writer defuses every cell; a second writer elsewhere would not be checked."""
    package = Path(__file__).resolve().parents[2] / "preservation"
    writers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if re.search(r"csv\.(writer|DictWriter)\(", p.read_text(encoding="utf-8")))
    assert writers == ["report/csvout.py"]


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.handlers += [k for k, _ in attrs if k.startswith("on")]
        self.text += [v for _, v in attrs if v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_shows_every_name_as_inert_text(hostile: Hostile) -> None:
    out = hostile.out / "staff.html"
    hostile.run("report", "--out", str(out), "--audience", "staff", expect=1)
    page = out.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(page)
    assert not {"script", "c", "b", "iframe"} & parsed.tags
    assert parsed.handlers == []
    assert "49.jpg" not in page  # "{{ 7*7 }}" is a name, not a template expression
    assert not ACTIVE.search(page)  # no control or bidi-override character reaches the page
    text = "\n".join(parsed.text)
    for name in NAMES:  # each name visible, its active characters written as escapes
        assert paths.visible(printable(name)) in text, printable(name)
    assert "rtl\\u202egpj.exe" in text
    assert COPY_DRIVE in text


@pytest.mark.parametrize("command", [("files",), ("files", "--problems"), ("location", "list"),
                                     ("lookalikes",), ("copies",), ("status",), ("log", "verify"),
                                     ("compare", "Laptop", COPY_DRIVE)])
def test_terminal_output_never_acts_on_a_name(hostile: Hostile, command: tuple[str, ...],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "500")  # wide enough that no cell is cut or folded
    result = hostile.run(*command, expect=None)
    assert result.exit_code in (0, 1), result.output
    out = result.stdout
    assert not ACTIVE.search(out), ACTIVE.findall(out)
    if command == ("files",):
        for name in NAMES:  # every name whole, on one line, brackets and all
            assert paths.visible(printable(name), one_line=True) in out, name
        assert "x[/]y.jpg" in out and "[red]r[/red].jpg" in out and "new\\x0aline.jpg" in out
    if command[0] in ("location", "compare"):
        assert COPY_DRIVE in out
    if command[0] == "compare":  # the files only on the laptop, each whole on one line
        assert "esc\\x1b]0;pwned\\x07title.jpg" in out and "x[/]y.jpg" in out


def test_show_and_history_on_the_terminal(hostile: Hostile) -> None:
    for name in (b"esc\x1b]0;pwned\x07title.jpg", b"x[/]y.jpg", "rtl\u202egpj.exe".encode()):
        path = os.fsdecode(os.path.join(os.fsencode(hostile.root), name))
        for command in ("show", "history"):
            out = hostile.run(command, path).stdout
            assert not ACTIVE.search(out), (command, name)
            assert paths.visible(printable(name), one_line=True) in out


def test_text_typed_on_the_command_line_that_is_not_utf8(run: Run, tmp_path: Path) -> None:
    """A folder, a location name, a note and an operator in Latin-1 (bytes that are not UTF-8):
    stored as ``\\xNN``, never a crash; the event chain still verifies."""
    folder = os.path.join(os.fsencode(tmp_path), b"Fotos A\xf1o 1998")
    os.mkdir(folder)
    with open(os.path.join(folder, b"playa.jpg"), "wb") as fh:
        fh.write((PHOTOS / "coffee.jpg").read_bytes())
    report = run.json("scan", os.fsdecode(folder), "-j", "1", "--operator", os.fsdecode(b"Jos\xe9"))
    assert report["registered"] == ["Fotos A\\xf1o 1998"]
    assert report["locations"][0]["files"] == 1
    other = tmp_path / "other"
    other.mkdir()
    run("location", "add", os.fsdecode(b"Caj\xf3n"), str(other), "--note", os.fsdecode(b"\xe1tico"))
    shown = run.json("location", "show", os.fsdecode(b"Caj\xf3n"))  # found by the same bytes
    assert (shown["name"], shown["note"]) == ("Caj\\xf3n", "\\xe1tico")
    events = json.loads(run("export", "--format", "json").stdout)["events"]
    assert "Jos\\xe9" in {e["operator"] for e in events}
    assert run.json("log", "verify")["intact"] is True
    err = run("location", "add", "a/b", str(other), expect=2).stderr
    assert "cannot contain '/'" in err  # "a/b" + "c" would name the same file as "a" + "b/c"
    digest = hashlib.sha256((PHOTOS / "coffee.jpg").read_bytes()).hexdigest()
    assert run.json("files")["files"][0]["sha256"] == digest
