"""Catalog scale: look-alike search, copies and the report on a million-file catalog.

    python benchmarks/bench_catalog_scale.py [--files 1000000] [--keep DIR] [--no-baseline] [--pdf]

Builds, in a temporary folder, a SQLite catalog made by the project's own migrations
(``open_catalog``) and filled in bulk through SQLAlchemy Core (the scanner is not what is
measured): N files on 3 locations (Laptop ssd, USB hdd, Cloud off-site), about 0.4 N distinct
contents (60 % of contents on 3 locations, 30 % on 2, 10 % on 1), paths 60-90 characters long,
the format mix of ``bench_report.py``, four perceptual hashes (phash, dhash, ahash, whash: the
families look-alike search compares) for every image content, 0.1 % of image contents planted as
near-duplicates of another (0..threshold bits apart in every family), a few missing and changed
files, verify and scan runs and events. No file's bytes exist: only catalog rows.

Then, each phase in a fresh process (so peak memories do not mix), wall time, CPU time and peak
RSS (``ru_maxrss`` of the child; the RSS after imports is printed too):

1. load: ``open_catalog`` + ``lookalikestore.hash_families`` (what look-alike search reads);
2. candidate search: load + ``analysis.candidate_pairs`` at the default threshold (the search
   time is measured in-process and shown on its own). The evidence phase (opening both
   pictures of each pair) needs real image files and is NOT measured here: see bench_report.py;
3. copies: ``summarise(assess(catalog))``, what ``preservation copies`` runs;
4. report: ``preservation report --out audit.html`` as a person runs it. The look-alike
   evidence is absent: the pairs' files do not exist, so each candidate pair costs one failed
   open (the evidence cost per pair is in bench_report.py); ``--pdf`` adds the PDF;
5. database size on disk (the SQLite file plus its WAL).

BASELINE: the same phases on a catalog of N/10 files, built and measured first in the same run;
the table prints time and memory per file at N over the same at N/10 (1.0: linear).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this working tree, not an installed copy
sys.path.insert(0, str(Path(__file__).resolve().parent))
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}

from bench_report import FORMATS  # noqa: E402  (the same format mix as the report benchmark)

FAMILIES = ("phash", "dhash", "ahash", "whash")
EVENTS = ("Birthday", "Holiday in Brittany", "School concert", "Garden", "Christmas at Nan's",
          "Wedding of Anna & Tom", "Scans of old albums", "Beach", "Zoo trip", "Misc")
PREFIX = {1: "Users/maria/Pictures/Photos Library", 2: "Backups/maria-laptop/Pictures",
          3: "remote/archive/family/Pictures"}


def plant(n: int, share: float, threshold: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Pairs (original, variant) of indexes into n items: ``share`` of the items are variants."""
    k = int(n * share)
    idx = rng.permutation(n)[: 2 * k]
    return idx[:k], idx[k:]


def family_values(n: int, originals: np.ndarray, variants: np.ndarray, threshold: int,
                  rng: np.random.Generator) -> np.ndarray:
    vals = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    for o, v in zip(originals.tolist(), variants.tolist(), strict=True):
        mask = 0
        for b in rng.choice(64, size=int(rng.integers(0, threshold + 1)), replace=False):
            mask |= 1 << int(b)
        vals[v] = vals[o] ^ np.uint64(mask)
    return vals


def build(root: Path, n_files: int, seed: int = 10, chunk: int = 20_000) -> tuple[Path, dict[str, int]]:
    """A catalog of ``n_files`` file rows; returns its path and row counts."""
    from sqlalchemy import insert, text

    from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
    from preservation.catalog.engine import open_catalog
    from preservation.catalog.events import append_event
    from preservation.catalog.models import Content, File, Location, PerceptualHash, Run
    from preservation.vocabulary import EventOutcome, EventType

    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    root.mkdir(parents=True, exist_ok=True)
    path = root / "catalog.sqlite"
    catalog = open_catalog(path)
    roots = {n: root / n.lower() for n in ("Laptop", "USB", "Cloud")}
    for r in roots.values():
        r.mkdir(exist_ok=True)

    # copies per content: 60 % on 3 locations, 30 % on 2, 10 % on 1 (2.5 files per content)
    n_contents = round(n_files / 2.5)
    layout = rng.choice(np.array([3, 2, 1], dtype=np.int8), size=n_contents, p=[0.6, 0.3, 0.1])
    excess = int(layout.sum()) - n_files  # trim or pad so the files add up exactly
    i = 0
    while excess != 0:
        if excess > 0 and layout[i] > 1:
            layout[i] -= 1
            excess -= 1
        elif excess < 0 and layout[i] < 3:
            layout[i] += 1
            excess += 1
        i = (i + 1) % n_contents
    weights = [w for *_, w in FORMATS]
    fmt_idx = np.array(rnd.choices(range(len(FORMATS)), weights, k=n_contents))
    is_image = np.isin(fmt_idx, [i for i, f in enumerate(FORMATS) if f[0] in ("jpeg", "heic", "png")])
    image_ids = np.flatnonzero(is_image) + 1  # content ids are assigned in order from 1
    originals, variants = plant(image_ids.size, 0.001, DEFAULT_THRESHOLD, rng)
    values = {alg: family_values(image_ids.size, originals, variants, DEFAULT_THRESHOLD, rng)
              for alg in FAMILIES}
    hash_row = np.full(n_contents + 1, -1, dtype=np.int64)
    hash_row[image_ids] = np.arange(image_ids.size)
    sizes = rng.integers(200_000, 6_000_000, size=n_contents)

    with catalog.session() as s:
        s.execute(text("PRAGMA synchronous=OFF"))  # a bulk load: durability is not measured
        for name, media, site in (("Laptop", "ssd", "onsite"), ("USB", "hdd", "onsite"),
                                  ("Cloud", "cloud", "offsite")):
            s.add(Location(name=name, root=str(roots[name]), root_bytes=os.fsencode(roots[name]),
                           media=media, site=site, sync=False, trust="trusted", created_at=now,
                           last_scan_at=now, last_verify_at=now - timedelta(days=3)))
        s.flush()
        verified = now - timedelta(days=3)
        n_file = 0
        for start in range(0, n_contents, chunk):
            contents: list[dict[str, Any]] = []
            files: list[dict[str, Any]] = []
            hashes: list[dict[str, Any]] = []
            for k in range(start, min(start + chunk, n_contents)):
                cid = k + 1
                fmt, mime, ext, _ = FORMATS[int(fmt_idx[k])]
                img = bool(is_image[k])
                contents.append({
                    "id": cid, "sha256": f"{k:016x}{rnd.getrandbits(192):048x}", "size": int(sizes[k]),
                    "format": fmt, "mime": mime, "width": 4032 if img else None,
                    "height": 3024 if img else None, "image_mode": "RGB" if img else None,
                    "orientation": 1 if img else None, "is_grey": False if img else None,
                    "capture_time": f"{2010 + k % 14}:{1 + k % 12:02d}:{1 + k % 28:02d} 10:00:00" if img else None,
                    "camera_make": "Apple" if img else None, "camera_model": "iPhone 12" if img else None,
                    "exif": {"Make": "Apple", "Model": "iPhone 12"} if img else None,
                    "problems": None, "first_seen": now})
                if img:
                    h = int(hash_row[cid])
                    for alg in FAMILIES:
                        hashes.append({"content_id": cid, "algorithm": alg, "value": f"{int(values[alg][h]):016x}",
                                       "bits": 64, "params": {"hash_size": 8}, "params_key": '{"hash_size": 8}',
                                       "library": "ImageHash bench"})
                year = 2010 + k % 14
                folder = f"{year}/{year}-{1 + k // 97 % 12:02d}-{1 + k // 7 % 28:02d} {EVENTS[k // 41 % len(EVENTS)]}"
                name = f"IMG_{k % 10_000:04d}{'.JPG' if ext == '.jpg' else ext}"
                mismatch = k % 997 == 0
                for loc in (1, 2, 3)[: int(layout[k])]:
                    extra: dict[str, Any] = {}
                    if k % 1_500 == 7 and loc == 2:
                        extra = {"last_verify_status": "changed"}
                    elif k % 2_300 == 11 and loc == 1:
                        extra = {"state": "missing", "last_verify_status": "missing"}
                    d = f"{PREFIX[loc]}/{folder}"
                    rel = f"{d}/{name}"
                    n_file += 1
                    files.append({"location_id": loc, "path_bytes": rel.encode(), "dir_bytes": d.encode(),
                                  "path": rel, "path_key": rel, "size": int(sizes[k]),
                                  "mtime_ns": 1_600_000_000_000_000_000 + k, "inode": n_file,
                                  "content_id": cid, "extension_mismatch": mismatch, "state": "present",
                                  "first_seen": now, "last_seen": now, "hashed_at": now,
                                  "last_verified_at": verified, "last_verify_status": "ok", **extra})
            s.execute(insert(Content), contents)
            s.execute(insert(File), files)
            if hashes:
                s.execute(insert(PerceptualHash), hashes)
        for loc in (1, 2, 3):
            for back in (400, 30, 3):
                s.add(Run(kind="verify", location_id=loc, status="complete", operator="bench",
                          started_at=now - timedelta(days=back, hours=5), finished_at=now - timedelta(days=back),
                          counts={"checked": n_files // 3, "ok": n_files // 3 - 5, "changed": 3, "missing": 2}))
            s.add(Run(kind="scan", location_id=loc, status="complete", operator="bench",
                      started_at=now - timedelta(days=10, hours=5), finished_at=now - timedelta(days=10)))
        for name in ("Laptop", "USB", "Cloud"):
            append_event(s, EventType.CATALOG_CHANGE, EventOutcome.SUCCESS, operator="bench",
                         objects=[f"location:{name}"], detail={"action": "location added"})
            for _ in range(3):
                append_event(s, EventType.FIXITY_CHECK, EventOutcome.WARNING, operator="bench",
                             objects=[f"location:{name}"], detail={"status": "complete"})
        s.commit()
    with catalog.engine.connect() as conn:  # fold the WAL into the file, as a quiet catalog is
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.exec_driver_sql("ANALYZE")
    catalog.dispose()
    return path, {"files": n_file, "contents": n_contents, "images": int(image_ids.size),
                  "hash rows": int(image_ids.size) * len(FAMILIES), "planted pairs": int(variants.size)}


# --- phases, each run in its own process ----------------------------------------------------


def _rss_mb() -> float:
    """This process's peak RSS so far (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Runs a command's Python in this interpreter and prints its VmHWM last on stderr.
_WRAP = ("import atexit, runpy, sys\n"
         "def _hwm():\n"
         "    for line in open('/proc/self/status'):\n"
         "        if line.startswith('VmHWM:'): sys.stderr.write('\\nVmHWM ' + line.split()[1] + '\\n')\n"
         "atexit.register(_hwm)\n"
         "target = sys.argv.pop(1)\n"
         "sys.argv[0] = target\n"
         "runpy.run_module(target[2:], run_name='__main__', alter_sys=True) if target.startswith('-m')"
         " else runpy.run_path(target, run_name='__main__')\n")


def phase(name: str, catalog_path: str) -> dict[str, Any]:
    from preservation.analyse.copies import DEFAULT_MAX_AGE_DAYS, assess, summarise
    from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
    from preservation.analyse.lookalikes.analysis import candidate_pairs
    from preservation.analyse.lookalikes.search import HASHES
    from preservation.catalog import lookalikestore as store
    from preservation.catalog.engine import open_catalog

    out: dict[str, Any] = {"rss_after_imports_mb": _rss_mb()}
    t = time.perf_counter()
    catalog = open_catalog(catalog_path)
    if name in ("load", "search"):
        with catalog.session() as s:
            families = store.hash_families(s, None, HASHES)
        out["load_s"] = time.perf_counter() - t
        out["hashes"] = sum(int(f.values.size) for f in families)
        if name == "search":
            stats: dict[str, int] = {}
            t2 = time.perf_counter()
            kept = candidate_pairs(families, DEFAULT_THRESHOLD, stats=stats)
            out["search_s"] = time.perf_counter() - t2
            out["pairs_kept"] = len(kept)
            out["pairs_nominated"] = stats.get("pairs_nominated", 0)
    elif name == "copies":
        summary = summarise(assess(catalog, max_age_days=DEFAULT_MAX_AGE_DAYS), DEFAULT_MAX_AGE_DAYS, keep=200)
        out["contents"] = summary.total
        out["statuses"] = dict(summary.contents)
    out["seconds"] = time.perf_counter() - t
    catalog.dispose()
    return out


def run_child(argv: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds, peak RSS (MB) and stdout of one Python command in its own process.

    The peak is the child's VmHWM: ``ru_maxrss`` from wait4 starts at the parent's RSS at fork.
    """
    argv = [argv[0], "-c", _WRAP, *(["-m" + argv[2]] if argv[1] == "-m" else [argv[1]]),
            *argv[3 if argv[1] == "-m" else 2:]]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{argv[1:6]}... failed ({code}): {err.read().decode()[-1500:]}")
        err.seek(0)
        hwm = [ln for ln in err.read().decode().splitlines() if ln.startswith("VmHWM ")]
        rss = int(hwm[-1].split()[1]) / 1024 if hwm else usage.ru_maxrss / 1024
        return wall, usage.ru_utime + usage.ru_stime, rss, out.read().decode()


def load_average() -> str:
    with open("/proc/loadavg") as fh:
        return " ".join(fh.read().split()[:3])


def measure(root: Path, n_files: int, pdf: bool) -> dict[str, Any]:
    t = time.perf_counter()
    path, counts = build(root, n_files)
    built = time.perf_counter() - t
    res: dict[str, Any] = {"n": counts["files"], "counts": counts, "build_s": built,
                           "db_bytes": sum(p.stat().st_size for p in root.glob("catalog.sqlite*")),
                           "load_before": load_average()}
    print(f"  built {counts} in {built:,.0f} s; catalog {res['db_bytes'] / 1e6:,.0f} MB (load {res['load_before']})",
          flush=True)
    me = [sys.executable, str(Path(__file__).resolve())]
    for name in ("load", "search", "copies"):
        wall, cpu, rss, stdout = run_child([*me, "--phase", name, "--catalog", str(path)], root)
        inner = json.loads(stdout.strip().splitlines()[-1])
        res[name] = {"wall": wall, "cpu": cpu, "rss": rss, **inner}
        print(f"  {name:<8} {wall:7.1f} s wall, {cpu:7.1f} s CPU, peak {rss:6.0f} MB; {inner}", flush=True)
    out = root / "out"
    out.mkdir(exist_ok=True)
    cli = [sys.executable, "-m", "preservation", "--catalog", str(path), "report"]
    targets = [("report_html", out / "audit.html")] + ([("report_pdf", out / "audit.pdf")] if pdf else [])
    for name, target in targets:
        wall, cpu, rss, _ = run_child([*cli, "--out", str(target)], out)
        size = target.stat().st_size + sum(p.stat().st_size for p in out.glob("audit-*.csv"))
        res[name] = {"wall": wall, "cpu": cpu, "rss": rss, "bytes": size}
        print(f"  {name:<8} {wall:7.1f} s wall, {cpu:7.1f} s CPU, peak {rss:6.0f} MB; "
              f"{target.name} + CSV lists {size / 1e6:.1f} MB", flush=True)
    res["load_after"] = load_average()
    return res


def table(runs: list[dict[str, Any]]) -> None:
    big = runs[-1]
    small = runs[0] if len(runs) > 1 else None
    rows = [("build (bulk insert, not a scan)", "build_s", None),
            ("1 catalog load (hash_families)", "load", "seconds"),
            ("2 candidate search (4 families)", "search", "search_s"),
            ("  load + search, one process", "search", "seconds"),
            ("3 copies (assess + summarise)", "copies", "seconds"),
            ("4 report --out audit.html", "report_html", "wall"),
            ("4 report --out audit.pdf", "report_pdf", "wall")]
    head = " | ".join(f"{r['n']:,} files" for r in runs)
    print(f"\n| phase | {head} (s, peak MB) | per-file time ratio | per-file memory ratio |")
    print("|---|" + "---|" * len(runs) + "---|---|")
    for label, key, inner in rows:
        if key not in big:
            continue
        cells = []
        for r in runs:
            v = r[key]
            sec = v if isinstance(v, float) else v[inner]
            rss = "" if isinstance(v, float) else f", {v['rss']:,.0f} MB"
            cells.append(f"{sec:,.1f} s{rss}")
        ratio = mem = ""
        if small is not None:
            def per(r: dict[str, Any], key: str = key, inner: str | None = inner) -> float:
                v = r[key]
                return (v if isinstance(v, float) else v[inner]) / r["n"]
            ratio = f"{per(big) / per(small):.2f}"
            if not isinstance(big[key], float):
                def grow(r: dict[str, Any], key: str = key) -> float:  # above a Python with the imports
                    return max(1e-9, r[key]["rss"] - r["load"]["rss_after_imports_mb"]) / r["n"]
                mem = f"{grow(big) / grow(small):.2f}"
        print(f"| {label} | " + " | ".join(cells) + f" | {ratio} | {mem} |")
    sizes = " | ".join(f"{r['db_bytes'] / 1e6:,.0f} MB ({r['db_bytes'] / r['n']:,.0f} B/file)" for r in runs)
    ratio = f"{(big['db_bytes'] / big['n']) / (small['db_bytes'] / small['n']):.2f}" if small else ""
    print(f"| 5 database size on disk | {sizes} | {ratio} | |")
    print("\nMemory ratio: (peak - RSS after imports) per file, N over N/10. Time ratio: seconds per file.")
    for r in runs:
        print(f"load average at {r['n']:,} files: before {r['load_before']}, after {r['load_after']} (2 cores)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    ap.add_argument("--no-baseline", action="store_true", help="skip the N/10 baseline")
    ap.add_argument("--pdf", action="store_true", help="also time report --out audit.pdf")
    ap.add_argument("--phase", choices=("load", "search", "copies"), help=argparse.SUPPRESS)
    ap.add_argument("--catalog", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.phase:
        print(json.dumps(phase(a.phase, a.catalog)))
        return
    root = a.keep or Path(tempfile.mkdtemp(prefix="bench-catalog-"))
    root.mkdir(parents=True, exist_ok=True)
    runs = []
    try:
        sizes = ([] if a.no_baseline else [a.files // 10]) + [a.files]
        for n in sizes:
            print(f"{n:,} files (load {load_average()}):", flush=True)
            runs.append(measure(root / f"n{n}", n, a.pdf))
        table(runs)
    finally:
        if a.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
