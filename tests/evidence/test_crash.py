"""A package killed half way, or left half written: never under its name, cleaned up next time."""

from __future__ import annotations

import fcntl
import os
import signal
import sqlite3
import time
from pathlib import Path

import bagit

from tests.evidence.conftest import build_family
from tests.helpers.processes import integrity_ok, start_cli


def partials(folder: Path, name: str) -> list[Path]:
    return sorted(folder.glob(f".{name}.partial-*"))


def test_sigkill_during_evidence_creation_leaves_no_bag_and_the_next_run_finishes(tmp_path: Path) -> None:
    fam = build_family(tmp_path)
    out = tmp_path / "appeal"
    args = ("evidence", "create", "--out", str(out), "--file", str(fam.files["first"]), "--file",
            str(fam.files["second"]), "--file", str(fam.files["cat"]), "--letter", "appeal", "-j", "1")
    proc = start_cli(fam.catalog, *args)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not partials(tmp_path, "appeal") and proc.poll() is None:
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL, "the kill did not land while the package was being made"
    left = partials(tmp_path, "appeal")
    assert len(left) == 1 and not out.exists()  # never a half-written bag under the requested name
    assert integrity_ok(fam.catalog)
    con = sqlite3.connect(fam.catalog)
    assert con.execute("select count(*) from event_objects where object like 'package:%'").fetchone()[0] == 0
    con.close()
    assert fam.run("log", "verify").exit_code == 0
    assert fam.snapshot() == fam.before

    made = fam.run.json(*args)
    assert made["removed_partials"] == [str(left[0])]
    assert not partials(tmp_path, "appeal") and out.is_dir()
    bagit.Bag(str(out)).validate(processes=1)
    assert fam.run.json("evidence", "validate", str(out))["valid"]
    assert fam.snapshot() == fam.before


def test_a_half_written_bag_is_reported_invalid_and_removed_by_the_next_create(tmp_path: Path) -> None:
    fam = build_family(tmp_path)
    half = tmp_path / ".case.partial-x1y2z3"
    (half / "data" / "files").mkdir(parents=True)
    (half / "data" / "files" / "IMG_4410.jpg").write_bytes(fam.files["first"].read_bytes()[:1000])
    (half / "bagit.txt").write_text("BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    other = tmp_path / ".other.partial-keepme"  # another package's: not ours to touch
    other.mkdir()
    problems = fam.run.json("evidence", "validate", str(half), expect=1)["problems"]
    assert {p["type"] for p in problems} >= {"no-manifest"}
    res = fam.run("evidence", "create", "--out", str(tmp_path / "case"), "--file", str(fam.files["cat"]))
    assert f"Removed {half}: a half-made package left by an earlier run that was interrupted." in res.stderr
    assert not half.exists() and other.is_dir()
    bagit.Bag(str(tmp_path / "case")).validate(processes=1)


def test_a_package_being_made_by_a_live_process_is_left_alone(tmp_path: Path) -> None:
    fam = build_family(tmp_path)
    busy = tmp_path / ".case.partial-busy1234"
    busy.mkdir()
    (busy / "work.jpg").write_bytes(b"in progress")
    fd = os.open(busy, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        res = fam.run("evidence", "create", "--out", str(tmp_path / "case"), "--file", str(fam.files["cat"]),
                      expect=2)
        assert "is making case right now" in res.stderr
        assert (busy / "work.jpg").read_bytes() == b"in progress"
        assert not (tmp_path / "case").exists()
    finally:
        os.close(fd)
