"""File names with markup, newlines, control characters and invalid UTF-8 in an evidence package."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import bagit

from tests.conftest import Run
from tests.evidence.conftest import encode, scene
from tests.evidence.test_create import NS, pdf_text

MARKUP = "IMG <img src=x onerror=alert(1)> <b>bold\nline2 100%: \x07.jpg"
LATIN1 = b"caf\xe9 \x1b[31m.jpg"  # not UTF-8, with a terminal escape


def test_hostile_names_are_escaped_everywhere_and_the_bag_stays_valid(tmp_path: Path, run: Run) -> None:
    root = tmp_path / "photos"
    root.mkdir()
    (root / MARKUP).write_bytes(encode(scene("coffee.jpg", seed=5), quality=90))
    odd = os.path.join(os.fsencode(root), LATIN1)
    with open(odd, "wb") as fh:
        fh.write(encode(scene("rocket.jpg", seed=6), quality=90))
    run("scan", str(root), "-j", "1", "-q")
    made = run.json("evidence", "create", "--out", str(tmp_path / "case"), "--file", str(root / MARKUP),
                    "--file", os.fsdecode(odd), "--letter", "appeal")
    bag = Path(made["path"])
    bagit.Bag(str(bag)).validate(processes=1)
    assert run.json("evidence", "validate", str(bag))["valid"]
    # payload names: no control characters, no %, nothing a manifest or another system chokes on
    names = sorted(f["bag_path"] for f in made["files"])
    for name in names:
        assert name.isprintable() and "%" not in name and ":" not in name.split("/", 3)[3], name
    assert any("onerror=alert(1)" in n for n in names)
    # the record keeps the exact catalogued paths (JSON escapes them)
    record = json.loads((bag / "evidence" / "provenance.json").read_text())
    assert {o["path"] for o in record["objects"]} == {MARKUP, LATIN1.decode("utf-8", "backslashreplace")}
    # PREMIS: markup is text, not elements
    premis = ET.parse(bag / "evidence" / "premis.xml").getroot()
    original_names = {o.findtext("p:originalName", namespaces=NS) for o in premis.findall("p:object", NS)}
    assert any("<img src=x onerror=alert(1)> <b>bold" in (n or "") for n in original_names)
    assert not premis.findall(".//img") and not premis.findall(".//b")
    # the PDF shows the markup as text: escaped, it is printed; unescaped, it would vanish
    text = pdf_text(bag / "evidence" / "report.pdf")
    assert "<img src=x onerror=alert(1)> <b>bold" in text
    # the letter: one line per fact; a name cannot add lines or send terminal escapes
    letter = (bag / "letter" / "letter.txt").read_text()
    assert "\x07" not in letter and "\x1b" not in letter
    assert "Kept at: photos: IMG <img src=x onerror=alert(1)> <b>bold\\x0aline2 100%: \\x07.jpg" in letter
    assert "caf\\xe9 \\x1b[31m.jpg" in letter
