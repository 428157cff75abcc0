"""Whole scans against the physical floor, and parallel speed-up, measured in one run.

    python benchmarks/bench_scan.py [--corpus DIR] [-n 50] [--rounds 3]

On camera-like 12 MP JPEGs (benchmarks/corpus.py, made from real photographs), page cache warm:

* FLOOR: per file, read the bytes once + SHA-256 + decode at 1/8 scale (bench_fingerprint.floor).
* SCAN --jobs 1: a complete `scan` into a fresh SQLite catalog through the Python API, the same
  code path as the CLI (walk, change detection, fingerprinting, catalog writes, events), in one
  process. Target: time per file <= 1.25x the floor.
* SCAN --jobs 2: the same with two worker processes (pool start-up included). Target: >= 1.7x
  faster than --jobs 1 on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_fingerprint import floor
from corpus import make_camera_corpus

from preservation.catalog.engine import open_catalog
from preservation.scan.run import ScanOptions, scan


def timed_scan(root: Path, jobs: int | ScanOptions, workdir: Path, tag: str) -> float:
    """Seconds for a complete scan of ``root`` into a fresh catalog (``jobs``: -j N, or options)."""
    options = jobs if isinstance(jobs, ScanOptions) else ScanOptions(jobs=jobs, operator="bench")
    cat_path = workdir / f"{tag}.sqlite"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{cat_path}{suffix}").unlink(missing_ok=True)
    catalog = open_catalog(cat_path)
    try:
        t = time.perf_counter()
        report = scan(catalog, [str(root)], options)
        elapsed = time.perf_counter() - t
    finally:
        catalog.dispose()
    assert report.total("hashed") == report.total("files") > 0, "every file must be fingerprinted"
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("-n", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as tmp:
        work = Path(tmp)
        root = a.corpus or work / "corpus"
        if not a.corpus:
            make_camera_corpus(root, a.n)
        paths = sorted(p for p in root.iterdir() if p.is_file())
        for p in paths:
            p.read_bytes()
        floor(paths[0])
        timed_scan(root, 1, work, "warm")
        floors, one, two = [], [], []
        for r in range(a.rounds):
            t = time.perf_counter()
            for p in paths:
                floor(p)
            floors.append((time.perf_counter() - t) / len(paths))
            order = [(1, one), (2, two)] if r % 2 == 0 else [(2, two), (1, one)]
            for jobs, sink in order:
                sink.append(timed_scan(root, jobs, work, f"j{jobs}") / len(paths))
            print(f"round {r + 1}: floor {floors[-1] * 1e3:.1f} ms/file, scan -j1 {one[-1] * 1e3:.1f}, "
                  f"scan -j2 {two[-1] * 1e3:.1f}", flush=True)
        f, s1, s2 = (statistics.median(x) for x in (floors, one, two))
        mb = statistics.mean(p.stat().st_size for p in paths) / 1e6
        print()
        print(f"{len(paths)} files, mean {mb:.2f} MB, {os.cpu_count()} cores, median of {a.rounds} rounds")
        print(f"  floor (read + SHA-256 + 1/8 decode): {f * 1e3:7.1f} ms/file")
        print(f"  scan --jobs 1:                       {s1 * 1e3:7.1f} ms/file  = {s1 / f:.2f}x floor (target <= 1.25)")
        print(f"  scan --jobs 2:                       {s2 * 1e3:7.1f} ms/file  -> speed-up {s1 / s2:.2f}x (target >= 1.7)")


if __name__ == "__main__":
    main()
