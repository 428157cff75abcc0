"""Scans on Dask against scans in one process, measured in one run on the same corpus.

    python benchmarks/bench_distributed.py [--corpus DIR] [-n 30] [--rounds 1]

On camera-like 12 MP JPEGs (benchmarks/corpus.py), page cache warm, each scan a complete `scan`
into a fresh SQLite catalog through the Python API (the CLI's code path):

* BASELINE scan --jobs 1: one process.
* scan --jobs 2: this machine's pool of two processes (for reference).
* scan --executor dask --scheduler local:2: a Dask LocalCluster of two worker processes, started by the scan and
  included in its time (what a person running the command waits for).
* scan --executor dask --scheduler tcp://...: the same two workers already running (a cluster that outlives the
  scan, as on servers), so only Dask's per-chunk overhead is left.

Figures only: the ratio is printed, never asserted. The load average before and after is
printed too, since a busy machine changes every figure.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scan import timed_scan
from corpus import make_camera_corpus

from preservation.scan.run import ScanOptions


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    from distributed import LocalCluster

    print(f"load average before: {load()} ({os.cpu_count()} cores)", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-dask-") as tmp:
        work = Path(tmp)
        root = a.corpus or work / "corpus"
        paths = sorted(p for p in root.iterdir() if p.is_file()) if a.corpus else make_camera_corpus(root, a.n)
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=logging.ERROR,
                               scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
        try:
            kinds = {
                "scan --jobs 1": ScanOptions(jobs=1, operator="bench"),
                "scan --jobs 2": ScanOptions(jobs=2, operator="bench"),
                "scan --executor dask --scheduler local:2": ScanOptions(dask="local:2", operator="bench"),
                "scan --executor dask --scheduler tcp:// (2 running workers)": ScanOptions(dask=cluster.scheduler_address,
                                                                      operator="bench"),
            }
            # Warm-up: the page cache, and the imports in the running workers.
            timed_scan(root, kinds["scan --jobs 1"], work, "warm")
            timed_scan(root, kinds["scan --executor dask --scheduler tcp:// (2 running workers)"], work, "warm")
            times: dict[str, list[float]] = {k: [] for k in kinds}
            for r in range(a.rounds):
                order = list(kinds) if r % 2 == 0 else list(reversed(kinds))
                for i, kind in enumerate(order):
                    times[kind].append(timed_scan(root, kinds[kind], work, f"r{r}-{i}"))
                print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items())
                      + f"; load {load()}", flush=True)
        finally:
            cluster.close()
        mb = statistics.mean(p.stat().st_size for p in paths) / 1e6
        base = statistics.median(times["scan --jobs 1"])
        print()
        print(f"{len(paths)} files, mean {mb:.2f} MB, {os.cpu_count()} cores, median of {a.rounds} rounds")
        for kind, v in times.items():
            s = statistics.median(v)
            print(f"  {kind:40s} {s:7.2f} s  {s / len(paths) * 1e3:7.1f} ms/file  "
                  f"speed-up vs --jobs 1: {base / s:.2f}x")
    print(f"load average after: {load()}")


if __name__ == "__main__":
    main()
