"""Exports other tools check: sha256sum manifests (checked by GNU sha256sum itself), PREMIS 3.0
XML and the JSON catalog."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from preservation.provenance.chain import verify_records
from preservation.provenance.premis import xml_text
from preservation.vocabulary import EventType
from tests.conftest import PHOTOS, validate
from tests.postgres.database import drop_append_only, scalar, sql

SHA256SUM = shutil.which("sha256sum")
needs_sha256sum = pytest.mark.skipif(SHA256SUM is None, reason="GNU sha256sum is not installed")

# Names GNU sha256sum must escape (newline, backslash, carriage return), and others it must not
# mangle: spaces, a leading space, a star, Unicode, bytes that are not UTF-8.
ODD_NAMES = [b"new\nline.jpg", b"back\\slash.jpg", b"carriage\rreturn.txt", b"two  spaces.txt",
             b" leading space.txt", b"*star.txt", "caf\u00e9 \u2603.txt".encode(),
             b"latin1-\xe9t\xe9.txt", b"sub dir/inner\\both\n.txt"]


def write(root: bytes, rel: bytes, data: bytes) -> None:
    os.makedirs(os.path.dirname(os.path.join(root, rel)) or root, exist_ok=True)
    fd = os.open(os.path.join(root, rel), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


@pytest.fixture
def odd(run, tmp_path: Path) -> bytes:
    root = os.fsencode(tmp_path / "odd")
    os.mkdir(root)
    for i, name in enumerate(ODD_NAMES):
        write(root, name, f"content {i}\n".encode() * (i + 1))
    write(root, b"photo.jpg", sorted(PHOTOS.glob("*.jpg"))[0].read_bytes())
    run("location", "add", "Odd", os.fsdecode(root))
    run("scan", "Odd", "-q", "-j", "1", expect=1)  # the two .jpg names hold text: extension-mismatch
    return root


@needs_sha256sum
def test_sha256sum_manifest_is_what_gnu_writes_and_checks(run, odd: bytes, tmp_path: Path) -> None:
    manifest = run("export", "--format", "sha256sum", "--location", "Odd").stdout_bytes
    names = sorted([*ODD_NAMES, b"photo.jpg"])
    # byte for byte what GNU sha256sum itself writes for the same files, in the same order
    gnu = subprocess.run([SHA256SUM, "--", *names], cwd=odd, capture_output=True, check=True).stdout
    assert manifest == gnu
    assert manifest.count(b"\n\\") + manifest.startswith(b"\\") == 4  # the four escaped names
    path = tmp_path / "Odd.sha256"
    path.write_bytes(manifest)
    ok = subprocess.run([SHA256SUM, "-c", "--strict", str(path)], cwd=odd, capture_output=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert ok.stdout.count(b": OK\n") == len(names)
    # and it catches a change
    write(odd, b"back\\slash.jpg", b"tampered")
    bad = subprocess.run([SHA256SUM, "-c", str(path)], cwd=odd, capture_output=True)
    assert bad.returncode == 1 and b"FAILED" in bad.stdout


@needs_sha256sum
def test_sha256sum_manifest_to_a_file_lists_present_files_only(run, make_tree, tmp_path) -> None:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree))
    run("scan", "-q", "-j", "1")
    (tree / "notes.txt").unlink()
    run("scan", "-q", "-j", "1")  # records notes.txt as missing
    out = tmp_path / "Laptop.sha256"
    run("export", "--format", "sha256sum", "-o", str(out))  # the only location: no --location needed
    lines = out.read_bytes().decode().splitlines()
    assert len(lines) == 4 and not any("notes.txt" in ln for ln in lines)
    assert subprocess.run([SHA256SUM, "-c", str(out)], cwd=tree, capture_output=True).returncode == 0


def test_sha256sum_needs_a_location_when_there_are_several(run, make_tree) -> None:
    run("location", "add", "A", str(make_tree("a")))
    run("location", "add", "B", str(make_tree("b")))
    res = run("export", "--format", "sha256sum", expect=2)
    assert "--location" in res.stderr and "A, B" in res.stderr
    assert run("export", "--format", "sha256sum", "--location", "Nope", expect=2).stdout == ""


# --- PREMIS --------------------------------------------------------------------------------

NS = "{http://www.loc.gov/premis/v3}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
TOOL = "{urn:x-preservation:1}"

# The element sequences of the PREMIS 3.0 schema (premis.xsd) for what we write.
ORDER = {
    "object": ["objectIdentifier", "preservationLevel", "significantProperties",
               "objectCharacteristics", "originalName", "storage", "signatureInformation",
               "environmentFunction", "environmentDesignation", "relationship",
               "linkingEventIdentifier", "linkingRightsStatementIdentifier"],
    "objectCharacteristics": ["compositionLevel", "fixity", "size", "format",
                              "creatingApplication", "inhibitors", "objectCharacteristicsExtension"],
    "fixity": ["messageDigestAlgorithm", "messageDigest", "messageDigestOriginator"],
    "storage": ["contentLocation", "storageMedium"],
    "event": ["eventIdentifier", "eventType", "eventDateTime", "eventDetailInformation",
              "eventOutcomeInformation", "linkingAgentIdentifier", "linkingObjectIdentifier"],
    "eventDetailInformation": ["eventDetail", "eventDetailExtension"],
    "eventOutcomeInformation": ["eventOutcome", "eventOutcomeDetail"],
    "linkingAgentIdentifier": ["linkingAgentIdentifierType", "linkingAgentIdentifierValue",
                               "linkingAgentRole"],
    "agent": ["agentIdentifier", "agentName", "agentType", "agentVersion", "agentNote"],
    "premis": ["object", "event", "agent", "rights"],
}
REQUIRED = {"object": {"objectIdentifier", "objectCharacteristics"},
            "objectCharacteristics": {"format"}, "event": {"eventIdentifier", "eventType",
                                                           "eventDateTime"},
            "agent": {"agentIdentifier"}}


def local(el: ET.Element) -> str:
    assert el.tag.startswith(NS), el.tag
    return el.tag[len(NS):]


def check_structure(el: ET.Element) -> None:
    """Children in the schema's order, required ones present, all in the PREMIS namespace."""
    name = local(el)
    children = [local(c) for c in el if not c.tag.startswith(TOOL)]
    if name in ORDER:
        positions = [ORDER[name].index(c) for c in children]
        assert positions == sorted(positions), (name, children)
    assert REQUIRED.get(name, set()) <= set(children), (name, children)
    for c in el:
        if not c.tag.startswith(TOOL) and local(c) not in ("eventDetailExtension",
                                                           "objectCharacteristicsExtension"):
            check_structure(c)


def test_premis_is_well_formed_and_structured(run, odd: bytes, catalog_path: str) -> None:
    write(odd, b"amp & <angle> \x01ctl.txt", b"xml-hostile name")
    run("scan", "Odd", "-q", "-j", "1")
    write(odd, b"photo.jpg", b"changed")  # a fixity failure event to link
    run("verify", "-j", "1", "--operator", "Grace", expect=1)
    xml = run("export", "--format", "premis").stdout_bytes
    root = ET.fromstring(xml)  # well-formed, or this raises
    assert root.tag == f"{NS}premis" and root.get("version") == "3.0"
    check_structure(root)
    # control characters (and carriage returns) are written as \xNN: XML cannot carry them
    files = {xml_text(f"{f['location']}/{f['path']}"): f for f in run.json("files")["files"]}
    objects = root.findall(f"{NS}object")
    assert len(objects) == len(files)
    for obj in objects:
        assert obj.get(XSI_TYPE) == "premis:file"
        ident = obj.find(f"{NS}objectIdentifier")
        assert ident.findtext(f"{NS}objectIdentifierType") == "file"
        f = files[ident.findtext(f"{NS}objectIdentifierValue")]
        chars = obj.find(f"{NS}objectCharacteristics")
        if f["sha256"]:
            assert chars.findtext(f"{NS}fixity/{NS}messageDigestAlgorithm") == "SHA-256"
            assert chars.findtext(f"{NS}fixity/{NS}messageDigest") == f["sha256"]
        assert chars.findtext(f"{NS}size") == str(f["size"])
        assert chars.findtext(f"{NS}format/{NS}formatDesignation/{NS}formatName") == (
            f["format"] or "unknown")
        assert obj.findtext(f"{NS}storage/{NS}contentLocation/{NS}contentLocationValue") == xml_text(
            f["absolute_path"])
    names = {o.findtext(f"{NS}objectIdentifier/{NS}objectIdentifierValue") for o in objects}
    assert "Odd/amp & <angle> \\x01ctl.txt" in names  # escaped by the tool, not lost
    assert "Odd/new\nline.jpg" in names and "Odd/carriage\\x0dreturn.txt" in names
    # events: every one, with PREMIS event types from the vocabulary, linked to agents listed
    n_events = scalar(catalog_path, "select count(*) from events")
    events = root.findall(f"{NS}event")
    assert len(events) == n_events
    assert {e.findtext(f"{NS}eventType") for e in events} <= {t.value for t in EventType}
    agents = {(a.findtext(f"{NS}agentIdentifier/{NS}agentIdentifierType"),
               a.findtext(f"{NS}agentIdentifier/{NS}agentIdentifierValue"),
               a.findtext(f"{NS}agentType")) for a in root.findall(f"{NS}agent")}
    assert ("person", "Grace", "person") in agents
    assert any(t == "software" and v.startswith("preservation ") for t, v, _ in agents)
    known = {(t, v) for t, v, _ in agents}
    for e in events:
        for link in e.findall(f"{NS}linkingAgentIdentifier"):
            assert (link.findtext(f"{NS}linkingAgentIdentifierType"),
                    link.findtext(f"{NS}linkingAgentIdentifierValue")) in known
    failed = [e for e in events if e.findtext(f"{NS}eventType") == "fixity check"
              and e.findtext(f"{NS}eventOutcomeInformation/{NS}eventOutcome") == "failure"
              and any(lk.findtext(f"{NS}linkingObjectIdentifierValue") == "Odd/photo.jpg"
                      for lk in e.findall(f"{NS}linkingObjectIdentifier"))]
    assert len(failed) == 1


def test_the_event_chain_can_be_reverified_from_the_premis_alone(run, make_tree) -> None:
    tree = make_tree()
    run("scan", str(tree), "-q", "-j", "1", "--operator", "Ada")
    (tree / "notes.txt").unlink()
    run("verify", "-j", "1", expect=1)
    root = ET.fromstring(run("export", "--format", "premis").stdout_bytes)

    def record(e: ET.Element) -> dict:
        links = {lk.findtext(f"{NS}linkingAgentIdentifierType"): lk.findtext(
            f"{NS}linkingAgentIdentifierValue") for lk in e.findall(f"{NS}linkingAgentIdentifier")}
        chain = e.find(f"{NS}eventDetailInformation/{NS}eventDetailExtension/{TOOL}chain")
        return {
            "seq": int(chain.findtext(f"{TOOL}seq")), "time": e.findtext(f"{NS}eventDateTime"),
            "type": e.findtext(f"{NS}eventType"), "agent": links["software"],
            "operator": links.get("person"),
            "outcome": e.findtext(f"{NS}eventOutcomeInformation/{NS}eventOutcome"),
            "detail": json.loads(e.findtext(f"{NS}eventDetailInformation/{NS}eventDetail")),
            "objects": [lk.findtext(f"{NS}linkingObjectIdentifierType") + ":"
                        + lk.findtext(f"{NS}linkingObjectIdentifierValue")
                        for lk in e.findall(f"{NS}linkingObjectIdentifier")],
            "prev_hash": chain.findtext(f"{TOOL}prev_hash"), "hash": chain.findtext(f"{TOOL}hash")}

    records = [record(e) for e in root.findall(f"{NS}event")]
    assert len(records) > 5
    assert verify_records(records) == (len(records), None)
    records[2]["detail"]["new"] = 999  # any change is caught
    assert verify_records(records)[1].seq == 3


# --- JSON ----------------------------------------------------------------------------------

def test_json_export_is_the_whole_catalog(run, make_tree, catalog_path) -> None:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    run("scan", "-q", "-j", "1")
    (tree / "notes.txt").write_text("edited")
    run("verify", "-j", "1", expect=1)
    data = json.loads(run("export", "--format", "json").stdout)
    validate("export", data)
    assert [loc["name"] for loc in data["locations"]] == ["Laptop"]
    assert data["locations"][0]["last_verify"] is not None
    assert len(data["files"]) == 5
    assert len(data["contents"]) == 4  # copy-of-first shares its content
    assert any(c["perceptual_hashes"] for c in data["contents"])
    n = scalar(catalog_path, "select count(*) from events")
    assert len(data["events"]) == n and data["chain"]["events"] == n
    assert data["chain"]["intact"] and data["chain"]["newest"]["hash"] == data["events"][-1]["hash"]
    assert verify_records(data["events"]) == (n, None)  # re-checkable by anyone from the export


def test_json_export_of_a_tampered_log_keeps_every_event_and_says_where(run, make_tree,
                                                                      catalog_path) -> None:
    run("scan", str(make_tree()), "-q", "-j", "1")
    sql(catalog_path, *drop_append_only(catalog_path),
        "update events set outcome = 'success', detail = '{}' where seq = 2")
    n = scalar(catalog_path, "select count(*) from events")
    data = json.loads(run("export", "--format", "json").stdout)
    validate("export", data)
    assert len(data["events"]) == n
    assert data["chain"]["intact"] is False and data["chain"]["first_break"]["seq"] == 2


def test_location_is_only_for_manifests(run, make_tree) -> None:
    run("scan", str(make_tree()), "-q", "-j", "1")
    assert "only the sha256sum manifest" in run("export", "--format", "json", "--location", "tree",
                                                 expect=2).stderr
