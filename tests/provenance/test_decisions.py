"""People's decisions: appraisal events in the chain, read back, exported as JSON, CSV and PREMIS."""

from __future__ import annotations

import csv
import io
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from preservation.catalog.engine import open_catalog
from preservation.errors import UsageError
from preservation.provenance.decisions import FileRef, current_decisions, record_decision
from preservation.vocabulary import Decision
from tests.conftest import PHOTOS, validate

P = "{http://www.loc.gov/premis/v3}"


@pytest.fixture
def scanned(run, tmp_path: Path) -> dict[str, str]:
    """Two photos, one of them twice; returns name -> sha256."""
    root = tmp_path / "Drive"
    root.mkdir()
    a, b = sorted(PHOTOS.glob("*.jpg"))[:2]
    shutil.copy(a, root / "a.jpg")
    shutil.copy(a, root / "=HYPERLINK(x).jpg")  # a hostile name, for the CSV
    shutil.copy(b, root / "b.jpg")
    run("location", "add", "Drive", str(root))
    run("scan", "Drive", "-q", "-j", "1")
    files = {f["path"]: f["sha256"] for f in run.json("files")["files"]}
    return files


def test_a_decision_is_an_appraisal_event_in_an_intact_chain(run, catalog_path, scanned) -> None:
    sa, sb = scanned["a.jpg"], scanned["b.jpg"]
    cat = open_catalog(catalog_path)
    try:
        rec = record_decision(cat, Decision.KEEP_BOTH, [sb, sa], operator="Ana Records",
                              files=[FileRef("Drive", "a.jpg", sa), FileRef("Drive", "b.jpg", sb)],
                              note="two different shots", context={"verdict": "burst"})
        later = record_decision(cat, "authoritative-copy", [sa, sb], operator="Ben",
                                authoritative=FileRef("Drive", "b.jpg", sb))
        assert rec.contents == tuple(sorted([sa, sb]))
        now = current_decisions(cat)
    finally:
        cat.dispose()
    assert now[frozenset({sa, sb})].seq == later.seq  # the later one replaces the earlier one
    assert now[frozenset({sa, sb})].authoritative == FileRef("Drive", "b.jpg", sb)
    assert later.reviewed.startswith("reviewed by Ben on ")
    assert run("log", "verify").exit_code == 0
    history = run.json("history", str(Path(run.json("files")["files"][0]["absolute_path"])))
    assert any(e["type"] == "appraisal" for e in history["events"])

    data = run.json("decisions", "--all")
    validate("decisions", data)
    assert data["count"] == 2 and data["replaced"] == 1
    first, second = data["decisions"]
    assert (first["decision"], first["operator"], first["note"], first["current"]) == (
        "different-photos-keep-both", "Ana Records", "two different shots", False)
    assert first["label"] == "different photos: keep both"
    assert first["context"] == {"verdict": "burst"}
    assert {f["path"] for f in first["files"]} == {"a.jpg", "b.jpg"}
    assert second["authoritative"] == {"location": "Drive", "path": "b.jpg", "sha256": sb}
    assert second["current"] is True
    only_current = run.json("decisions")
    validate("decisions", only_current)
    assert [d["seq"] for d in only_current["decisions"]] == [second["seq"]]

    # PREMIS: the appraisal events, with the operator as a person agent and the contents linked
    xml = run("export", "--format", "premis").stdout_bytes
    root = ET.fromstring(xml)
    appraisals = [e for e in root.iter(f"{P}event") if e.findtext(f"{P}eventType") == "appraisal"]
    assert len(appraisals) == 2
    links = {el.findtext(f"{P}linkingObjectIdentifierValue")
             for el in appraisals[0].iter(f"{P}linkingObjectIdentifier")}
    assert {sa, sb, "Drive/a.jpg", "Drive/b.jpg"} <= links
    persons = {el.findtext(f"{P}linkingAgentIdentifierValue")
               for el in appraisals[0].iter(f"{P}linkingAgentIdentifier")
               if el.findtext(f"{P}linkingAgentIdentifierType") == "person"}
    assert persons == {"Ana Records"}
    assert "two different shots" in appraisals[0].findtext(f"{P}eventDetailInformation/{P}eventDetail")


def test_csv_export_defuses_formulas_and_lists_the_copies(run, catalog_path, scanned) -> None:
    sa = scanned["a.jpg"]
    cat = open_catalog(catalog_path)
    try:
        record_decision(cat, Decision.AUTHORITATIVE, [sa], operator="=cmd|' /C calc'!A0",
                        files=[FileRef("Drive", "a.jpg", sa), FileRef("Drive", "=HYPERLINK(x).jpg", sa)],
                        authoritative=FileRef("Drive", "=HYPERLINK(x).jpg", sa), note="-2+3")
    finally:
        cat.dispose()
    rows = list(csv.DictReader(io.StringIO(run("decisions", "--csv").stdout)))
    assert len(rows) == 1
    row = rows[0]
    assert row["operator"] == "'=cmd|' /C calc'!A0"
    assert row["authoritative_path"] == "'=HYPERLINK(x).jpg"
    assert row["note"] == "'-2+3"
    assert row["decision"] == "authoritative-copy" and row["current"] == "yes"
    assert "Drive/a.jpg" in row["files"]
    text = run("decisions").stdout
    assert "this copy is the authoritative version" in text and "<- authoritative" in text


def test_decisions_that_cannot_be_recorded_are_refused(catalog_path, scanned) -> None:
    sa, sb = scanned["a.jpg"], scanned["b.jpg"]
    cat = open_catalog(catalog_path)
    try:
        with pytest.raises(UsageError, match="Unknown decision"):
            record_decision(cat, "delete-it", [sa])
        with pytest.raises(UsageError, match="SHA-256"):
            record_decision(cat, Decision.NOT_SURE, ["../../etc/passwd"])
        with pytest.raises(UsageError, match="chosen copy"):
            record_decision(cat, Decision.AUTHORITATIVE, [sa, sb])
        with pytest.raises(UsageError, match="chosen copy"):  # a copy of neither content
            record_decision(cat, Decision.AUTHORITATIVE, [sa],
                            authoritative=FileRef("Drive", "b.jpg", sb))
        assert current_decisions(cat) == {}
    finally:
        cat.dispose()


def test_no_decisions_yet(run, scanned) -> None:
    assert "No decisions recorded yet" in run("decisions").stdout
    data = run.json("decisions")
    validate("decisions", data)
    assert data == {"decisions": [], "count": 0, "replaced": 0}
