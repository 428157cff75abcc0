"""Big and odd trees: 100,000 files in one folder, sparse files of gigabytes, 1,500 levels deep,
device files. Each is scanned by the real CLI in a child process; memory is checked only as a
generous sanity bound (the peak of that one process), never time."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.helpers.processes import count, run_cli, run_cli_peak
from tests.scan.test_scan import chain_ok

MiB = 1 << 20
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@pytest.mark.slow
def test_100_000_files_in_one_folder(tmp_path: Path) -> None:
    """Zero-byte files keep it quick: the walk, change detection and catalog are what is tested.

    One in a thousand is an empty ``.jpg`` (a recorded problem: "empty although its name says
    JPEG"); each problem is also a provenance event, which is why there are not more of them.
    """
    n = 100_000
    flat = os.fsencode(tmp_path / "flat")
    os.mkdir(flat)
    for i in range(n):
        name = b"IMG_%06d.jpg" % i if i % 1000 == 0 else b"%06d.dat" % i
        os.close(os.open(flat + b"/" + name, os.O_WRONLY | os.O_CREAT, 0o644))
    (tmp_path / "flat" / "099999.dat").write_bytes(b"not empty")  # one that differs
    catalog = tmp_path / "c.sqlite"
    out, peak = run_cli_peak(catalog, "scan", os.fsdecode(flat), "--json", "-j", "1")
    assert out.returncode == 1, out.stderr  # finished, and found the empty photos
    report = json.loads(out.stdout)
    validate("scan", report)
    loc = report["locations"][0]
    assert loc["status"] == "complete" and loc["skipped"] == []
    assert loc["files"] == loc["new"] == loc["hashed"] == n
    assert loc["problems"] == n // 1000
    assert count(catalog, "select count(*) from files") == n
    assert count(catalog, "select count(distinct path_bytes) from files") == n
    assert count(catalog, "select count(*) from files where state = 'present' and content_id is not null") == n
    assert count(catalog, "select count(*) from contents") == 2
    assert count(catalog, f"select count(*) from files f join contents c on f.content_id = c.id "
                          f"where c.sha256 = '{EMPTY_SHA256}'") == n - 1
    # Generous (measured: 94 MiB, 134 MiB for the rescan, ~85 MiB of it Python and the
    # libraries); 100,000 files held as full records would add hundreds of megabytes.
    assert peak < 256 * MiB, f"peak RSS {peak / MiB:.0f} MiB"
    again, peak = run_cli_peak(catalog, "scan", os.fsdecode(flat), "--json", "-j", "1")
    loc = json.loads(again.stdout)["locations"][0]
    assert (loc["files"], loc["unchanged"], loc["hashed"], loc["new"]) == (n, n, 0, 0), again.stderr
    assert peak < 256 * MiB, f"peak RSS of the rescan {peak / MiB:.0f} MiB"
    assert chain_ok(catalog)[1] is None


def _sparse(path: Path, size: int, islands: dict[int, bytes]) -> None:
    """A file of ``size`` bytes that takes almost no disk: holes, and a few written islands."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.ftruncate(fd, size)
        for offset, data in islands.items():
            os.pwrite(fd, data, offset)
    finally:
        os.close(fd)


@pytest.mark.slow
def test_sparse_files_are_hashed_whole_in_constant_memory(tmp_path: Path) -> None:
    """A sparse disk image past 2 GiB and a sparse "photo" just over the decode cap.

    Both are read to the end (holes read as zeros, as every other tool sees them), hashed
    correctly and inventoried; neither is held in memory. The 20 GB case of the issue costs
    only time (hashing is linear), so it is measured by ``benchmarks/bench_sparse.py``.
    """
    root = tmp_path / "drive"
    root.mkdir()
    disk_size = (2 << 30) + 4097
    _sparse(root / "disk.img", disk_size, {0: b"sparse disk image\n",
                                           (2 << 30) - 3: b"island across 2 GiB",
                                           disk_size - 5: b"tail!"})
    photo_size = (512 << 20) + 1  # one byte over fingerprint.limits.MEMORY_CAP_BYTES
    _sparse(root / "huge.jpg", photo_size, {0: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"})
    assert os.stat(root / "disk.img").st_blocks * 512 < 1 * MiB  # really sparse here
    catalog = tmp_path / "c.sqlite"
    out, peak = run_cli_peak(catalog, "scan", str(root), "--json", "-j", "1")
    assert out.returncode == 1, out.stderr  # the photo's "not decoded" is a recorded problem
    loc = json.loads(out.stdout)["locations"][0]
    assert loc["files"] == loc["hashed"] == 2 and loc["bytes_read"] == disk_size + photo_size
    files = {f["path"]: f for f in json.loads(run_cli(catalog, "files", "--json").stdout)["files"]}
    # Digests computed independently when the test was written (Python hashlib over the same
    # construction, and GNU sha256sum over the files).
    assert files["disk.img"]["size"] == disk_size
    assert files["disk.img"]["sha256"] == "b682e6eb5b3f4f51ee27ca818c4fabb16f4d44881ae4ae3a3dba357e443eda3a"
    assert files["disk.img"]["content_problems"] == []
    photo = files["huge.jpg"]
    assert photo["size"] == photo_size and photo["format"] == "jpeg"
    assert photo["sha256"] == "b210e14ab37a5475b5c4473588121fa9af9cb2c80f565805f34ca5a0b792fbae"
    assert [p["code"] for p in photo["content_problems"]] == ["unsupported-image"]
    assert "larger than the in-memory limit" in photo["content_problems"][0]["message"]
    assert peak < 256 * MiB, f"peak RSS {peak / MiB:.0f} MiB"  # a 512 MiB file held would show


@pytest.mark.slow
def test_folders_1500_deep(tmp_path: Path) -> None:
    """The walk is not recursive: 1,500 levels are walked, recorded and looked up."""
    root = tmp_path / "deep"
    deep = str(root)
    os.mkdir(deep)
    for _ in range(1500):  # os.makedirs and pathlib would recurse past Python's limit
        deep += "/d"
        os.mkdir(deep)
    Path(deep, "bottom.txt").write_text("found\n")
    (root / "d" / "d" / "IMG_0001.jpg").mkdir()  # a folder with a photo's name is not a file
    try:
        catalog = tmp_path / "c.sqlite"
        out = run_cli(catalog, "scan", str(root), "--json", "-j", "1")
        assert out.returncode == 0, out.stderr
        loc = json.loads(out.stdout)["locations"][0]
        assert loc["files"] == 1 and loc["skipped"] == []
        files = json.loads(run_cli(catalog, "files", "--json").stdout)["files"]
        assert [f["path"] for f in files] == ["d/" * 1500 + "bottom.txt"]
        assert files[0]["sha256"] == hashlib.sha256(b"found\n").hexdigest()
        shown = run_cli(catalog, "show", deep + "/bottom.txt", "--json")
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["path"] == "d/" * 1500 + "bottom.txt"
    finally:  # bottom up: pytest's own clean-up (shutil.rmtree) recurses past Python's limit
        os.unlink(deep + "/bottom.txt")
        os.rmdir(root / "d" / "d" / "IMG_0001.jpg")
        while deep != str(root):
            os.rmdir(deep)
            deep = os.path.dirname(deep)


def test_device_files_are_never_opened(tmp_path: Path) -> None:
    """A character device that reads zeros forever, named like a photo: listed as skipped."""
    root = tmp_path / "odd"
    root.mkdir()
    (root / "real.txt").write_text("real\n")
    devices = {"zero.jpg": os.makedev(1, 5), "null.txt": os.makedev(1, 3)}  # /dev/zero, /dev/null
    try:
        for name, dev in devices.items():
            os.mknod(root / name, 0o644 | stat.S_IFCHR, dev)
    except PermissionError:
        pytest.skip("creating device files needs root (CAP_MKNOD)")
    catalog = tmp_path / "c.sqlite"
    out = run_cli(catalog, "scan", str(root), "--json", "-j", "1")  # hangs if /dev/zero were read
    assert out.returncode == 0, out.stderr
    loc = json.loads(out.stdout)["locations"][0]
    assert loc["files"] == 1
    assert {s["path"]: s["reason"] for s in loc["skipped"]} == {
        name: "device file, never opened" for name in devices}
    assert [f["path"] for f in json.loads(run_cli(catalog, "files", "--json").stdout)["files"]] == [
        "real.txt"]
