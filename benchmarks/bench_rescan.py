"""Rescan of an unchanged tree, and peak memory, against the cost of merely listing the tree.

    python benchmarks/bench_rescan.py [--files 50000] [--keep DIR]

Builds a tree of N small files (seeded, 100 folders), scans it once, then measures in the same
run:
  * baseline: walking and stat-ing the tree (what any incremental tool must at least do);
  * `preservation scan` of the unchanged tree (no file is read);
  * peak resident memory of the scan processes (first scan and rescan).
Targets (issue 2): rescan of 50,000 files under 10 s; peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(root: Path, n: int, seed: int = 2026) -> None:
    rng = random.Random(seed)
    for i in range(n):
        d = root / f"folder{i % 100:03d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"file{i:06d}.txt").write_bytes(rng.randbytes(rng.randint(10, 2000)))


def walk_stat(root: Path) -> int:
    n = 0
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            os.lstat(os.path.join(dirpath, name))
            n += 1
    return n


def timed_scan(catalog: Path, root: Path, *args: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one `preservation scan` process and its workers."""
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "preservation", "--catalog", str(catalog), "scan",
                             str(root), "-q", *args])
    _pid, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"scan failed with {status}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="build the tree here and keep it")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = a.keep or Path(tmp)
        root, catalog = base / "tree", base / "bench.sqlite"
        if not root.exists():
            build(root, a.files)
        catalog.unlink(missing_ok=True)
        first, first_rss = timed_scan(catalog, root)
        walks = []
        rescans = []
        rss = []
        for _ in range(a.rounds):
            t = time.perf_counter()
            walk_stat(root)
            walks.append(time.perf_counter() - t)
            s, m = timed_scan(catalog, root)
            rescans.append(s)
            rss.append(m)
        walk, rescan = statistics.median(walks), statistics.median(rescans)
        print(f"files:                 {a.files:,}")
        print(f"first scan:            {first:8.2f} s  peak RSS {first_rss:6.0f} MB")
        print(f"baseline walk+lstat:   {walk:8.2f} s")
        print(f"rescan (unchanged):    {rescan:8.2f} s  peak RSS {max(rss):6.0f} MB  (median of {a.rounds})")
        print(f"ratio rescan / walk:   {rescan / walk:8.1f}x")
        print(f"target rescan < 10 s:  {'met' if rescan < 10 else 'NOT met'}; "
              f"peak memory < 500 MB: {'met' if max([*rss, first_rss]) < 500 else 'NOT met'}")


if __name__ == "__main__":
    main()
