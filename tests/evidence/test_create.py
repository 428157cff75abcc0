"""``evidence create --file``: the bag, its evidence, its provenance and its letter."""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import bagit
from pypdf import PdfReader

from preservation.provenance.chain import event_hash
from tests.conftest import validate
from tests.evidence.conftest import Family

NS = {"p": "http://www.loc.gov/premis/v3", "pres": "urn:x-preservation:1"}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pdf_text(path: Path) -> str:
    """The PDF's words (some embedded fonts extract with NULs between the letters)."""
    return " ".join(" ".join((p.extract_text() or "").replace("\x00", "").split()) for p in PdfReader(path).pages)


def test_a_bagit_1_0_bag_of_verified_copies_that_both_validators_accept(family: Family, appeal: dict[str, Any]) -> None:
    validate("evidence-create", appeal)
    bag = Path(appeal["path"])
    assert bag == family.base / "appeal-2026-11" and bag.is_dir()
    assert (bag / "bagit.txt").read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    info = bagit.Bag(str(bag)).info
    for field in ("Source-Organization", "Contact-Name", "Contact-Email", "External-Description",
                  "External-Identifier", "Bagging-Date", "Bag-Software-Agent", "Payload-Oxum"):
        assert info[field], field
    assert info["Contact-Name"] == "Ann Smith" and info["Contact-Email"] == "ann@example.org"
    assert info["External-Identifier"] == appeal["external_identifier"].strip()
    assert info["External-Identifier"].startswith("urn:uuid:")
    assert info["Bag-Software-Agent"].startswith("preservation ")
    payload = {p["bag_path"]: p for p in appeal["files"]}
    assert info["Payload-Oxum"] == f"{sum(p['size'] for p in payload.values())}.{len(payload)}"
    # the name IMG_4410.jpg is on the laptop and (same bytes) on the backup: the copy recorded
    # first (the backup, scanned first) is packaged
    assert sorted(payload) == ["data/files/Backup/IMG_4410.jpg", "data/files/Laptop/2022/IMG_4411.jpg"]
    for rel, p in payload.items():
        copy = bag / rel
        source = family.files["copy" if rel.endswith("4410.jpg") else "second"]
        assert copy.read_bytes() == source.read_bytes()  # copied, not moved
        assert source.exists()
        assert p["sha256"] == sha256(copy) and p["sha512"] == hashlib.sha512(copy.read_bytes()).hexdigest()
        assert copy.stat().st_mtime_ns == source.stat().st_mtime_ns
    for alg in ("sha256", "sha512"):
        lines = (bag / f"manifest-{alg}.txt").read_text().splitlines()
        assert sorted(line.split(maxsplit=1)[1] for line in lines) == sorted(payload)
        assert (bag / f"tagmanifest-{alg}.txt").exists()
    bagit.Bag(str(bag)).validate(processes=1)  # raises if not valid
    assert appeal["validation"]["valid"] is True and appeal["validation"]["problems"] == []
    result = family.run.json("evidence", "validate", str(bag))
    validate("evidence-validate", result)
    assert result["valid"] and result["version"] == "1.0" and result["algorithms"] == ["sha256", "sha512"]
    assert result["payload"] == {"files": 2, "bytes": sum(p["size"] for p in payload.values())}
    assert "Valid:" in family.run("evidence", "validate", str(bag)).stdout
    # the bag is an ordinary folder, with no hidden half left beside it
    assert bag.stat().st_mode & 0o055
    assert not [p for p in family.base.iterdir() if ".partial-" in p.name]


def test_the_scanned_locations_are_never_changed(family: Family, appeal: dict[str, Any]) -> None:
    assert appeal["files"]
    assert family.snapshot() == family.before


def test_tag_files_report_provenance_premis_letter(appeal: dict[str, Any]) -> None:
    assert set(appeal["tag_files"]) >= {
        "bagit.txt", "bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "README.txt",
        "evidence/report.pdf", "evidence/provenance.json", "evidence/premis.xml",
        "evidence/differences/0001.png", "letter/letter.txt", "letter/letter.pdf"}
    bag = Path(appeal["path"])
    listed = {line.split(maxsplit=1)[1] for line in (bag / "tagmanifest-sha256.txt").read_text().splitlines()}
    assert listed >= {"evidence/report.pdf", "evidence/provenance.json", "letter/letter.txt", "README.txt"}
    assert [c["verdict"] for c in appeal["comparisons"]] == ["burst"]
    assert appeal["comparisons"][0]["difference_picture"] == "evidence/differences/0001.png"


def test_provenance_json_follows_its_schema_and_every_chain_hash_recomputes(family: Family,
                                                                           appeal: dict[str, Any]) -> None:
    record = json.loads((Path(appeal["path"]) / "evidence" / "provenance.json").read_text())
    validate("evidence-provenance", record)
    assert record["package"]["external_identifier"] == appeal["external_identifier"]
    objs = {o["bag_path"]: o for o in record["objects"]}
    first = objs["data/files/Backup/IMG_4410.jpg"]
    assert first["also_at"] == ["Laptop: 2022/IMG_4410.jpg"]
    assert first["capture_time"].startswith("2022-08-03T09:41:07.120")
    assert first["copying"]["source_sha256"] == first["copying"]["copy_sha256"] == first["sha256"]
    assert record["events"], "the scan that recorded the files is in the chain"
    assert any(e["type"] == "ingestion" for e in record["events"])
    for e in record["events"]:
        assert e["hash_ok"] is True
        rec = {k: e[k] for k in ("seq", "time", "type", "agent", "operator", "outcome", "detail",
                                 "objects", "prev_hash")}
        assert event_hash(rec) == e["hash"]  # anyone can recompute it from the package alone
    seqs = {e["seq"] for e in record["events"]}
    assert all(ref["seq"] in seqs for o in record["objects"] for ref in o["events"])
    comparison = record["comparisons"][0]
    assert comparison["verdict"] == "burst" and comparison["seconds_apart"] == 0.35
    assert record["chain"]["intact"] is True and record["chain"]["newest"]["seq"] >= max(seqs)


def test_premis_xml_names_the_packaged_files_and_their_chained_events(appeal: dict[str, Any]) -> None:
    bag = Path(appeal["path"])
    root = ET.parse(bag / "evidence" / "premis.xml").getroot()
    record = json.loads((bag / "evidence" / "provenance.json").read_text())
    objects = root.findall("p:object", NS)
    assert len(objects) == 2
    for obj in objects:
        ids = {i.findtext("p:objectIdentifierType", namespaces=NS): i.findtext("p:objectIdentifierValue", namespaces=NS)
               for i in obj.findall("p:objectIdentifier", NS)}
        assert ids["bag-path"] in {f["bag_path"] for f in appeal["files"]}
        assert ids["file"] in ("Backup/IMG_4410.jpg", "Laptop/2022/IMG_4411.jpg")
        digests = {f.findtext("p:messageDigestAlgorithm", namespaces=NS): f.findtext("p:messageDigest", namespaces=NS)
                   for f in obj.iter(f"{{{NS['p']}}}fixity")}
        want = next(f for f in appeal["files"] if f["bag_path"] == ids["bag-path"])
        assert digests == {"SHA-256": want["sha256"], "SHA-512": want["sha512"]}
    events = root.findall("p:event", NS)
    assert [int(e.find(".//pres:seq", NS).text) for e in events] == [e["seq"] for e in record["events"]]
    assert [e.find(".//pres:hash", NS).text for e in events] == [e["hash"] for e in record["events"]]


def test_pdf_report_shows_the_evidence(appeal: dict[str, Any]) -> None:
    bag = Path(appeal["path"])
    report = bag / "evidence" / "report.pdf"
    text = pdf_text(report)
    for words in ("Evidence package", "IMG_4410.jpg", "IMG_4411.jpg", "Another shot moments apart",
                  "Taken 0.35 s apart with the same camera", "How the look-alikes differ",
                  "What the files say about themselves (EXIF)", "Fixity history", "The chain of events",
                  appeal["files"][0]["sha256"], "GPS latitude recorded (not shown)", "iPhone 12",
                  appeal["external_identifier"], "bagit.py --validate"):
        assert words in text, words
    assert "48.85" not in text  # GPS coordinates are not printed unless asked
    reader = PdfReader(report)
    images = sum(len(page.images) for page in reader.pages)
    assert images >= 3  # two pictures side by side, and the difference picture
    with open(bag / "evidence" / "differences" / "0001.png", "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_letter_states_facts_says_draft_and_not_legal_advice(appeal: dict[str, Any]) -> None:
    bag = Path(appeal["path"])
    text = (bag / "letter" / "letter.txt").read_text()
    assert text.startswith("DRAFT - EDIT BEFORE SENDING. THIS IS NOT LEGAL ADVICE.")
    first, second = sorted(appeal["files"], key=lambda f: f["bag_path"])
    for fact in (first["sha256"], second["sha256"], "Taken: 2022-08-03T09:41:07.120+02:00",
                 "Taken: 2022-08-03T09:41:07.470+02:00", "First recorded:", "Ann Smith", "ann@example.org",
                 "IMG_4410.jpg and IMG_4411.jpg: Another shot moments apart. Taken 0.35 s apart",
                 appeal["external_identifier"], "[Say what you are asking for"):
        assert fact in text, fact
    pdf = pdf_text(bag / "letter" / "letter.pdf")
    assert "DRAFT - EDIT BEFORE SENDING" in pdf and "NOT LEGAL ADVICE" in pdf and first["sha256"] in pdf


def test_making_the_package_is_recorded_as_events(family: Family, appeal: dict[str, Any]) -> None:
    out = family.run.json("history", str(family.files["first"]))
    mine = [e for e in out["events"] if e["detail"].get("external_identifier") == appeal["external_identifier"]]
    assert [e["type"] for e in mine] == ["replication"]
    assert mine[0]["detail"]["bag_path"] == "data/files/Backup/IMG_4410.jpg"  # the same bytes
    import sqlite3

    con = sqlite3.connect(family.catalog)
    rows = con.execute("select seq, type, detail from events where seq between ? and ? order by seq",
                       (appeal["events"][0], appeal["events"][-1])).fetchall()
    con.close()
    assert [r[1] for r in rows] == ["replication", "replication", "message digest calculation", "validation",
                                    "creation"]
    assert [r[0] for r in rows] == appeal["events"]
    creation = json.loads(rows[-1][2])
    assert creation["tagmanifest_sha256"] == sha256(Path(appeal["path"]) / "tagmanifest-sha256.txt")
    digest = json.loads(rows[2][2])
    assert digest["manifests_sha256"]["manifest-sha512.txt"] == sha256(Path(appeal["path"]) / "manifest-sha512.txt")
    assert family.run("log", "verify").exit_code == 0
