"""Fixity audit throughput: `preservation verify` against GNU `sha256sum` on the same files.

    python benchmarks/bench_verify.py [-n 80] [--copies 4] [--rounds 5] [--corpus DIR]

Builds a camera-like corpus (benchmarks/corpus.py: seeded 12 MP JPEGs of 2-5 MB each, plus
byte-identical copies of each in other folders, about 1.2 GB by default; reused if --corpus
names a folder that already has it), scans it into a fresh catalog, then measures in
the same run, page cache warm, rounds interleaved so every command shares the machine's
conditions:

* BASELINE: `sha256sum -- FILES...` over the same files (one process, what anyone would run);
* `preservation verify --jobs 1` and `--jobs 2` (each its own process, as a person runs it).

Each figure is the median over rounds. The commands run with compiled bytecode cached (as an
installed copy has), in a temporary folder. Two times are shown for verify: the wall-clock time of
the whole command (interpreter start, imports and catalog opening included) and the engine's
own elapsed time from `verify --json` (walk, reads, hashing, catalog writes). Targets (issue 3):
verify --jobs 1 throughput >= 0.9x sha256sum; --jobs 2 >= 1.7x --jobs 1 on two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_camera_corpus

ENV = dict(os.environ)


def cli(catalog: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog), *args],
                          capture_output=True, env=ENV)


def timed(argv: list[str], cwd: Path | None = None) -> tuple[float, float, bytes]:
    """Wall-clock seconds, CPU seconds (user + system, all threads) and stdout of one command."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        out.seek(0)
        err.seek(0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"{argv[:4]}... failed ({status}): {err.read().decode()[-500:]}")
        return elapsed, usage.ru_utime + usage.ru_stime, out.read()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--files", type=int, default=80, help="distinct photos to make")
    ap.add_argument("--copies", type=int, default=4, help="byte-identical copies of each")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--corpus", type=Path, help="build (or reuse) the corpus here and keep it")
    a = ap.parse_args()
    sha256sum = shutil.which("sha256sum")
    if sha256sum is None:
        raise SystemExit("GNU sha256sum is needed as the baseline")
    work = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    # Compiled bytecode, as every installed copy has (some shells disable writing it): kept in
    # the work folder, never beside the sources.
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    corpus = a.corpus or work / "corpus"
    try:
        t = time.perf_counter()
        originals = corpus / "camera"
        have = sorted(originals.iterdir()) if originals.is_dir() else []
        if len(have) != a.files:
            have = sorted(make_camera_corpus(originals, a.files))
        # byte-identical copies in other folders (as a family archive has them) to reach a size
        # where the interpreter's start-up no longer dominates the whole command
        for k in range(1, a.copies + 1):
            (corpus / f"copy{k}").mkdir(exist_ok=True)
            for p in have:
                dst = corpus / f"copy{k}" / p.name
                if not dst.exists():
                    shutil.copyfile(p, dst)
        files = sorted(p.relative_to(corpus) for p in corpus.rglob("*") if p.is_file())
        total = sum((corpus / p).stat().st_size for p in files)
        print(f"corpus: {len(files)} files ({a.files} camera-like 12 MP JPEGs and {a.copies} "
              f"copies of each), {total / 1e6:,.0f} MB in {corpus} "
              f"({time.perf_counter() - t:,.0f} s to make)")
        catalog = work / "catalog.sqlite"
        t = time.perf_counter()
        if cli(catalog, "scan", str(corpus), "-q").returncode != 0:
            raise SystemExit("scan failed")
        print(f"scanned in {time.perf_counter() - t:,.1f} s; cores: {os.cpu_count()}; "
              f"load average before: {os.getloadavg()[0]:.2f}")
        names = [str(p) for p in files]
        runs: dict[str, list[float]] = {}
        for r in range(a.rounds + 1):  # round 0 warms the page cache and is not counted
            wall, cpu, _ = timed([sha256sum, "--", *names], cwd=corpus)
            results = {"sha256sum": (wall, cpu)}
            for jobs in ("1", "2"):
                wall, cpu, out = timed([sys.executable, "-m", "preservation", "--catalog",
                                        str(catalog), "verify", "--json", "-j", jobs])
                data = json.loads(out)
                loc = data["locations"][0]
                assert data["ok"] and loc["counts"]["ok"] == len(files), loc
                results[f"verify -j{jobs}"] = (wall, cpu)
                results[f"engine -j{jobs}"] = (loc["elapsed_seconds"], float("nan"))
            if r:
                for k, (wall, cpu) in results.items():
                    runs.setdefault(k, []).append(wall)
                    runs.setdefault(k + " cpu", []).append(cpu)
        med = {k: statistics.median(v) for k, v in runs.items()}
        print(f"load average after: {os.getloadavg()[0]:.2f} (other processes share the cores)")
        mb = total / 1e6
        print(f"\nmedian of {a.rounds} rounds; MB/s = corpus MB / seconds; CPU = user + system "
              "seconds of the process (all its threads):")
        for k in ("sha256sum", "verify -j1", "verify -j2", "engine -j1", "engine -j2"):
            cpu = med[k + " cpu"]
            cpu_text = "" if cpu != cpu else f"   CPU {cpu:7.3f} s  {mb / cpu:6.0f} MB per CPU-s"
            print(f"  {k:<11} wall {med[k]:7.3f} s  {mb / med[k]:6.0f} MB/s{cpu_text}")
        print("\nratios (throughput; >1 is faster):")
        ratios = [
            ("verify -j1 vs sha256sum, whole command", med["sha256sum"] / med["verify -j1"], 0.9),
            ("verify -j1 vs sha256sum, engine only", med["sha256sum"] / med["engine -j1"], 0.9),
            ("verify -j1 vs sha256sum, per CPU-second",
             med["sha256sum cpu"] / med["verify -j1 cpu"], 0.9),
            ("verify -j2 vs -j1, whole command", med["verify -j1"] / med["verify -j2"], 1.7),
            ("verify -j2 vs -j1, engine only", med["engine -j1"] / med["engine -j2"], 1.7),
        ]
        for label, ratio, target in ratios:
            print(f"  {label:<42} {ratio:5.2f}x  (target >= {target}x: "
                  f"{'met' if ratio >= target else 'NOT met'})")
        par = med["verify -j2 cpu"] / med["verify -j2"]
        print(f"  CPU-seconds per second of verify -j2: {par:.2f} (2.0 = both cores busy; "
              "less means the cores were not free for it)")
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the catalog, and the corpus unless --corpus

if __name__ == "__main__":
    main()
