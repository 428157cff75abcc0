"""The catalog's disk fills up; a location is unplugged mid-scan: clear messages, nothing lost."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PHOTOS
from tests.scan.test_scan import chain_ok


@contextlib.contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[str]:
    """A real, tiny file system (tmpfs) when we may mount; else a per-process file-size limit."""
    path.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                             capture_output=True).returncode == 0
    try:
        yield "tmpfs" if mounted else "rlimit"
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def _tree(root: Path, n: int) -> None:
    root.mkdir()
    src = sorted(PHOTOS.glob("*.jpg"))
    for i in range(n):
        (root / f"IMG_{i:04d}.jpg").write_bytes(src[i % len(src)].read_bytes() + i.to_bytes(4, "big"))


def _scan(catalog: Path, root: Path, limit_bytes: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))

    return subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog), "scan",
                           str(root), "-j", "1", "--json"], capture_output=True, text=True,
                          preexec_fn=limit if limit_bytes else None)


@pytest.mark.slow
def test_catalog_disk_full_is_a_clear_error_and_the_next_run_finishes(tmp_path: Path) -> None:
    tree = tmp_path / "photos"
    _tree(tree, 300)
    small = tmp_path / "small"
    with small_filesystem(small, "400k") as how:
        catalog = small / "c.sqlite"
        out = _scan(catalog, tree, limit_bytes=400_000 if how == "rlimit" else None)
        assert out.returncode == 2, (how, out.stdout[-500:], out.stderr)
        assert "full" in out.stderr.lower() or "too large" in out.stderr.lower(), out.stderr
        assert "Traceback" not in out.stderr
        # move the catalog to a roomier disk, as a person would, and finish
        roomy = tmp_path / "roomy.sqlite"
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{catalog}{suffix}").exists():
                shutil.copy(f"{catalog}{suffix}", f"{roomy}{suffix}")
    con = sqlite3.connect(roomy)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    recorded = con.execute("select count(*) from files where content_id is not null").fetchone()[0]
    con.close()
    assert recorded < 300
    again = _scan(roomy, tree)
    assert again.returncode == 0, again.stderr
    loc = json.loads(again.stdout)["locations"][0]
    assert loc["files"] == 300 and loc["unchanged"] == recorded
    assert chain_ok(roomy)[1] is None


def test_location_unplugged_mid_scan(run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The drive vanishes after the first folder: nothing is marked missing, the rest is kept."""
    import preservation.scan.run as scan_run

    root = tmp_path / "usb"
    for d in ("a", "b", "c"):
        (root / d).mkdir(parents=True)
        for i in range(3):
            (root / d / f"{i}.txt").write_text(f"{d}{i}")
    run("location", "add", "USB", str(root), "--media", "usb-flash")
    run("scan", "USB")  # everything recorded once
    (root / "a" / "new.txt").write_text("new since last time")
    real_walk = scan_run.walk
    away = tmp_path / "unplugged"

    def unplug_after_first(r: bytes):  # type: ignore[no-untyped-def]
        for i, listing in enumerate(real_walk(r)):
            yield listing
            if i == 1:
                os.rename(root, away)

    monkeypatch.setattr(scan_run, "walk", unplug_after_first)
    res = run("scan", "USB", "--json", expect=1)
    loc = json.loads(res.stdout)["locations"][0]
    assert loc["status"] == "unreachable" and "unplugged" in loc["message"]
    files = run.json("files")["files"]
    assert all(f["state"] == "present" for f in files)
    monkeypatch.setattr(scan_run, "walk", real_walk)
    os.rename(away, root)
    res = run.json("scan", "USB")
    assert res["locations"][0]["status"] == "complete"
    assert {f["path"] for f in run.json("files")["files"]} >= {"a/new.txt", "c/2.txt"}
    assert all(f["state"] == "present" and f["problem"] is None for f in run.json("files")["files"])
