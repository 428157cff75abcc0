"""A 20 GB sparse file: `preservation scan` against GNU `sha256sum` of the same file.

    python benchmarks/bench_sparse.py [--gb 20] [--rounds 1] [--dir DIR]

A sparse file (a virtual disk image, a pre-allocated video) takes almost no disk but reads as
its full size: holes read as zeros, and every tool that checks its bytes must read them all.
The scan must inventory it, hash all of it correctly, and never hold it in memory. This
measures, in the same run and rounds interleaved:

* BASELINE: `sha256sum FILE` (the physical limit of reading and hashing it once);
* `preservation scan --jobs 1` of a folder holding only that file, in a fresh catalog.

and prints the ratio of the two times, the peak resident memory of the scan, and checks that
both computed the same SHA-256. The reliability test suite scans a 2 GiB sparse file and a
sparse 512 MiB "photo" instead (tests/reliability/test_large_inputs.py); hashing is linear in
size, so the 20 GB case only costs time, which tests do not measure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def measured(argv: list[str]) -> tuple[float, int, bytes]:
    """Wall-clock seconds, peak RSS in bytes and stdout of one command."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) not in (0, 1):
            raise SystemExit(f"{argv[:4]}... failed ({status}): {err.read().decode()[-500:]}")
        return elapsed, usage.ru_maxrss * 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=20, help="size of the sparse file (GB, 10^9)")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--dir", type=Path, default=None, help="where to make it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp) / "disk"
        folder.mkdir()
        image = folder / "disk.img"
        size = int(args.gb * 1e9)
        with open(image, "wb") as fh:  # holes, and a few bytes written at each end
            fh.truncate(size)
            fh.write(b"sparse disk image\n")
            fh.seek(size - 5)
            fh.write(b"tail!")
        print(f"{image}: {size:,} bytes, {os.stat(image).st_blocks * 512:,} on disk")
        base, scan, peaks = [], [], []
        digest_base = digest_scan = ""
        for r in range(args.rounds):
            t, _peak, out = measured(["sha256sum", str(image)])
            base.append(t)
            digest_base = out.split()[0].decode()
            catalog = Path(tmp) / f"round{r}.sqlite"
            t, peak, out = measured([sys.executable, "-m", "preservation", "--catalog", str(catalog),
                                     "scan", str(folder), "--jobs", "1", "--json"])
            scan.append(t)
            peaks.append(peak)
            files = subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog),
                                    "files", "--json"], capture_output=True, check=True).stdout
            digest_scan = json.loads(files)["files"][0]["sha256"]
            catalog.unlink()
        b, s = statistics.median(base), statistics.median(scan)
        print(f"sha256sum (baseline)   {b:8.1f} s  {size / b / 1e9:6.2f} GB/s")
        print(f"preservation scan -j 1 {s:8.1f} s  {size / s / 1e9:6.2f} GB/s  "
              f"peak RSS {max(peaks) / 2**20:.0f} MiB")
        print(f"ratio scan / sha256sum: {s / b:.2f}")
        print(f"same SHA-256: {digest_base == digest_scan} ({digest_scan})")
        if digest_base != digest_scan:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
