"""Bad input to ``evidence create``: a clear refusal, nothing half made, nothing overwritten."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import PHOTOS, Run


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".partial-" in p.name]


@pytest.fixture
def tree(make_tree: Callable[..., Path], run: Run) -> Path:
    root = make_tree("photos")
    run("scan", str(root), "-j", "1", "-q")
    return root


def test_files_not_in_the_catalog_are_refused_all_at_once(tree: Path, run: Run, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere.jpg"
    elsewhere.write_bytes(b"not catalogued")
    out = tmp_path / "case"
    res = run("evidence", "create", "--out", str(out), "--file", str(elsewhere), "--file", "no-such-name.jpg",
              "--file", str(tree / "2024" / "summer" / "IMG_0000.jpg"), expect=2)
    assert "No evidence package was made: 2 files cannot go into it" in res.stderr
    assert "elsewhere.jpg is not inside any registered location" in res.stderr
    assert "no-such-name.jpg is not in the catalog" in res.stderr
    assert "Traceback" not in res.stderr
    assert not out.exists() and not leftovers(tmp_path)


def test_a_file_changed_since_it_was_recorded_is_refused_and_the_finding_recorded(
        tree: Path, run: Run, tmp_path: Path) -> None:
    changed = tree / "2024" / "summer" / "IMG_0001.jpg"
    data = bytearray(changed.read_bytes())
    data[-10] ^= 0xFF  # the same size, one byte different: only hashing can tell
    changed.write_bytes(bytes(data))
    out = tmp_path / "case"
    res = run("evidence", "create", "--out", str(out), "--file", str(tree / "2024" / "summer" / "IMG_0000.jpg"),
              "--file", str(changed), expect=2)
    now = hashlib.sha256(bytes(data)).hexdigest()
    assert "2024/summer/IMG_0001.jpg has changed since it was recorded" in res.stderr
    assert now in res.stderr
    assert not out.exists() and not leftovers(tmp_path)  # the good file's copy went with it
    events = run.json("history", str(changed))["events"]
    found = [e for e in events if e["detail"].get("action") == "evidence package refused"]
    assert len(found) == 1 and found[0]["type"] == "fixity check" and found[0]["outcome"] == "failure"
    assert found[0]["detail"]["found_sha256"] == now and found[0]["detail"]["status"] == "changed"
    assert changed.read_bytes() == bytes(data)  # reported, never repaired


def test_a_file_whose_last_fixity_check_failed_is_refused_before_any_copy(tree: Path, run: Run,
                                                                          tmp_path: Path) -> None:
    victim = tree / "2024" / "summer" / "IMG_0002.jpg"
    original = victim.read_bytes()
    victim.write_bytes(original + b"tail")
    run("verify", "-j", "1", expect=1)
    victim.write_bytes(original)  # the bytes are back, but nobody has checked them since
    res = run("evidence", "create", "--out", str(tmp_path / "case"), "--file", str(victim), expect=2)
    assert "its last fixity check" in res.stderr and "had changed since they were recorded" in res.stderr
    assert "preservation verify" in res.stderr
    assert not (tmp_path / "case").exists() and not leftovers(tmp_path)
    # checked again and found intact, it can be packaged
    run("verify", "-j", "1")
    made = run.json("evidence", "create", "--out", str(tmp_path / "case"), "--file", str(victim))
    assert made["files"][0]["sha256"] == hashlib.sha256(original).hexdigest()


def test_a_file_gone_since_the_last_scan_is_refused(tree: Path, run: Run, tmp_path: Path) -> None:
    gone = tree / "notes.txt"
    gone.unlink()
    run("scan", str(tree), "-j", "1", "-q")
    res = run("evidence", "create", "--out", str(tmp_path / "case"), "--file", "photos/notes.txt", expect=2)
    assert "notes.txt was not found by the latest scan or check" in res.stderr


def test_an_existing_folder_or_file_is_never_overwritten(tree: Path, run: Run, tmp_path: Path) -> None:
    target = tmp_path / "case"
    target.mkdir()
    (target / "mine.txt").write_text("keep me")
    photo = str(tree / "2024" / "summer" / "IMG_0000.jpg")
    res = run("evidence", "create", "--out", str(target), "--file", photo, expect=2)
    assert "already exists" in res.stderr and "never written over" in res.stderr
    assert [p.name for p in target.iterdir()] == ["mine.txt"] and (target / "mine.txt").read_text() == "keep me"
    afile = tmp_path / "case.txt"
    afile.write_text("a file")
    run("evidence", "create", "--out", str(afile), "--file", photo, expect=2)
    assert afile.read_text() == "a file"
    assert not leftovers(tmp_path)


def test_a_package_is_never_written_inside_a_scanned_location(tree: Path, run: Run) -> None:
    res = run("evidence", "create", "--out", str(tree / "case"), "--file",
              str(tree / "2024" / "summer" / "IMG_0000.jpg"), expect=2)
    assert "inside the location 'photos'" in res.stderr
    assert not (tree / "case").exists() and not leftovers(tree)


def test_an_ambiguous_name_lists_every_candidate(tree: Path, run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tree / "2023").mkdir()
    # another photo with the same name (a real JPEG: a text under a .jpg name is a problem)
    (tree / "2023" / "IMG_0000.jpg").write_bytes(sorted(PHOTOS.glob("*.jpg"))[-1].read_bytes())
    run("scan", str(tree), "-j", "1", "-q")
    res = run("evidence", "create", "--out", str(tmp_path / "case"), "--file", "IMG_0000.jpg", expect=2)
    assert "IMG_0000.jpg is ambiguous: 2 different catalogued files match it" in res.stderr
    assert "photos: 2023/IMG_0000.jpg" in res.stderr and "photos: 2024/summer/IMG_0000.jpg" in res.stderr
    assert "LOCATION/PATH" in res.stderr
    # named as LOCATION/PATH it is not ambiguous
    made = run.json("evidence", "create", "--out", str(tmp_path / "case"), "--file", "photos/2023/IMG_0000.jpg")
    assert [f["bag_path"] for f in made["files"]] == ["data/files/photos/2023/IMG_0000.jpg"]
    assert made["comparisons"] == []
    # nor is a path relative to the current folder: the file there is meant
    monkeypatch.chdir(tree / "2024" / "summer")
    made = run.json("evidence", "create", "--out", str(tmp_path / "case2"), "--file", "IMG_0000.jpg",
                    "--file", "../../notes.txt")
    assert sorted(f["path"] for f in made["files"]) == ["2024/summer/IMG_0000.jpg", "notes.txt"]


@pytest.mark.parametrize("args, message", [
    ((), "Say what to package"),
    (("--file", "x.jpg", "--group", "1"), "Say what to package"),
    (("--group", "99"), "There is no look-alike group 99"),
    (("--file", "x.jpg", "--location", "photos"), "--location only goes with --group"),
    (("--file", "IMG_0000.jpg", "--contact-email", "not-an-address"), "does not look like an e-mail"),
])
def test_usage_mistakes_are_clear(tree: Path, run: Run, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    res = run("evidence", "create", "--out", str(tmp_path / "case"), *args, expect=2)
    assert message in res.stderr
    assert not (tmp_path / "case").exists() and not leftovers(tmp_path)


def test_the_command_offers_exactly_the_letters_and_papers_there_are() -> None:
    from preservation.cli import evidence as cli
    from preservation.evidence.letter import LETTERS
    from preservation.report.model import PAPERS

    assert cli.LETTERS == LETTERS and cli.PAPERS == PAPERS
