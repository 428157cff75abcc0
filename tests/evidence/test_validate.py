"""``evidence validate``: every problem listed, unsafe manifest entries refused, both validators agree."""

from __future__ import annotations

import hashlib
from pathlib import Path

import bagit
import pytest

from preservation.evidence.validate import decode_path, unsafe, validate_bag
from tests.conftest import Run, validate
from tests.evidence.conftest import flip_bit


def payload_files(bag: Path) -> list[Path]:
    return sorted(p for p in (bag / "data").rglob("*") if p.is_file())


def test_one_flipped_bit_in_a_payload_file_fails_both_validators(bag_copy: Path, run: Run) -> None:
    victim = payload_files(bag_copy)[0]
    flip_bit(victim)
    rel = victim.relative_to(bag_copy).as_posix()
    v = validate_bag(bag_copy)
    assert not v.valid
    mismatches = [p for p in v.problems if p.type == "checksum-mismatch"]
    assert {(p.path, p.algorithm) for p in mismatches} == {(rel, "sha256"), (rel, "sha512")}
    assert mismatches[0].found == hashlib.new(mismatches[0].algorithm or "", victim.read_bytes()).hexdigest()
    assert [p.type for p in v.problems] == ["checksum-mismatch", "checksum-mismatch"]  # nothing else
    with pytest.raises(bagit.BagValidationError) as caught:
        bagit.Bag(str(bag_copy)).validate(processes=1)
    assert any(isinstance(d, bagit.ChecksumMismatch) and d.path == rel for d in caught.value.details)
    out = run("evidence", "validate", str(bag_copy), expect=1)
    assert "NOT VALID" in out.stdout and "[checksum-mismatch]" in out.stdout and rel in out.stdout


def test_every_problem_is_listed_past_a_payload_oxum_mismatch(bag_copy: Path, run: Run) -> None:
    files = payload_files(bag_copy)
    gone, damaged = files[0], files[1]
    gone.unlink()
    flip_bit(damaged)
    (bag_copy / "data" / "extra.txt").write_text("slipped in\n")
    (bag_copy / "letter" / "letter.txt").write_text("a different letter\n")
    # bagit-python stops at the first kind of failure: here the Payload-Oxum
    with pytest.raises(bagit.BagValidationError, match="Payload-Oxum") as caught:
        bagit.Bag(str(bag_copy)).validate(processes=1)
    assert not caught.value.details
    (bag_copy / "bag-info.txt").write_text((bag_copy / "bag-info.txt").read_text() + "not a tag line\n")
    data = run.json("evidence", "validate", str(bag_copy), expect=1)
    validate("evidence-validate", data)
    assert data["valid"] is False
    kinds = {(p["type"], p["path"]) for p in data["problems"]}
    assert ("oxum-mismatch", "bag-info.txt") in kinds
    assert ("bad-tag-line", "bag-info.txt") in kinds
    rel = lambda p: p.relative_to(bag_copy).as_posix()  # noqa: E731
    assert ("file-missing", rel(gone)) in kinds
    assert ("checksum-mismatch", rel(damaged)) in kinds
    assert ("unexpected-file", "data/extra.txt") in kinds
    assert ("checksum-mismatch", "letter/letter.txt") in kinds  # a tag file, via the tag manifests
    assert ("checksum-mismatch", "bag-info.txt") in kinds
    # each listed once per manifest that names it
    assert sum(1 for p in data["problems"] if p["type"] == "file-missing") == 2


def test_manifest_entries_that_escape_the_bag_are_refused_and_never_read(bag_copy: Path, run: Run) -> None:
    secret = bag_copy.parent / "secret.txt"
    secret.write_text("not part of the bag\n")
    wrong = "0" * 64
    manifest = bag_copy / "manifest-sha256.txt"
    manifest.write_text(manifest.read_text() + f"{wrong}  ../secret.txt\n{wrong}  {secret}\n"
                        f"{wrong}  data/../../secret.txt\n{wrong}  ~/secret.txt\n")
    (bag_copy / "data" / "link.txt").symlink_to(secret)
    data = run.json("evidence", "validate", str(bag_copy), expect=1)
    unsafe_paths = [p["path"] for p in data["problems"] if p["type"] == "unsafe-path"]
    assert unsafe_paths == ["../secret.txt", str(secret), "data/../../secret.txt", "~/secret.txt"]
    assert all(p["path"] != str(secret) for p in data["problems"] if p["type"] == "checksum-mismatch")
    assert ("not-a-regular-file", "data/link.txt") in {(p["type"], p["path"]) for p in data["problems"]}
    assert secret.read_text() == "not part of the bag\n"
    with pytest.raises(bagit.BagError, match="unsafe"):
        bagit.Bag(str(bag_copy))


def test_not_a_bag_and_no_such_folder(tmp_path: Path, run: Run) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "a.txt").write_text("x")
    data = run.json("evidence", "validate", str(tmp_path / "plain"), expect=1)
    assert {p["type"] for p in data["problems"]} == {"missing-declaration", "missing-payload-folder", "no-manifest"}
    out = run("evidence", "validate", str(tmp_path / "nothing-here"), expect=2)
    assert "is not a folder" in out.stderr


def test_manifest_paths_are_decoded_as_rfc_8493_says() -> None:
    assert decode_path("data/a%0Ab%0Dc%25d") == "data/a\nb\rc%d"
    assert decode_path("data/100%") == "data/100%"
    assert unsafe("data/x.jpg") is None
    for bad in ("../x", "/etc/passwd", "C:\\x", "data/../../x", "~root/x", "", "data\\..\\..\\x"):
        assert unsafe(bad), bad
