"""Printable report at scale: 50,000 files with 1,000 look-alike pairs, against `status --json`.

    python benchmarks/bench_report.py [--files 50000] [--pairs 1000] [--keep DIR]

Builds, in a temporary folder, a catalog as a scan would leave it, in bulk through the catalog's
models (the scanner is not what is measured):

* 1,000 look-alike pairs whose files are real: each pair is one of 25 labelled pairs from the
  look-alike evaluation set (5 real photos, 640 px, camera EXIF with GPS; an exposure edit, a
  half-size copy, the same pixels without EXIF, a black-and-white edit, a burst shot), written
  with a unique trailer after the JPEG end marker so every file is a distinct content with its
  own SHA-256. Originals live on Laptop, the other halves on USB. Their pHashes are set so that
  exactly these 1,000 pairs are within the look-alike threshold;
* the other 48,000 files are catalog rows only (their bytes are never read by a
  report): 3, 2 or 1 copies on Laptop (ssd), USB (hdd) and Cloud (off-site), a mix of formats,
  random well-separated pHashes, some fixity problems, extension mismatches, verify runs.

Then, each in its own process as a person runs it:

* BASELINE: `preservation status --json` (one pass over the same catalog: 3-2-1, NDSA);
* `preservation lookalikes --json`: the look-alike analysis compares the 1,000 pairs picture
  by picture and caches the evidence in the catalog (a report run first would do the same);
* `report --out audit.pdf` (default: 200 comparisons drawn with pictures, every list cut and
  written in full to CSV), reading the cached evidence;
* `report --out all.pdf --pairs 1000` (every comparison drawn);
* `report --out audit.html --audience staff`.

For each: wall-clock seconds, peak memory (max RSS of the process), output size and pages.
The report's own timing breakdown (look-alike evidence vs. the rest) is measured in-process
for the default report. Targets (issue 6): under 2 minutes and a PDF under 50 MB.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
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
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
KINDS = ("exposure-up", "resize-50", "exif-stripped", "grey", "burst-0")
FORMATS = [("jpeg", "image/jpeg", ".jpg", 0.80), ("heic", "image/heic", ".heic", 0.08),
           ("png", "image/png", ".png", 0.06), ("mp4", "video/mp4", ".mp4", 0.03),
           (None, None, ".dat", 0.03)]


def separated(n: int, taken: np.ndarray, threshold: int, rng: np.random.Generator) -> np.ndarray:
    """n random 64-bit values, none within ``threshold`` bits of another or of ``taken``."""
    from preservation.analyse.lookalikes.search import pairs_within

    vals = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    while True:
        allv = np.concatenate([taken, vals])
        close = pairs_within(allv, threshold, recall=0.9999)
        # the later of each pair involving a new value is new (new values come after taken ones)
        bad = {int(j) - taken.size for _i, j in close if int(j) >= taken.size}
        if not bad:
            return vals
        for b in bad:
            vals[b] = rng.integers(0, 2**64 - 1, dtype=np.uint64, endpoint=True)


def build(root: Path, n_files: int, n_pairs: int, seed: int = 6) -> Path:
    from sqlalchemy import insert

    from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
    from preservation.catalog.engine import open_catalog
    from preservation.catalog.events import append_event
    from preservation.catalog.models import Content, File, Location, PerceptualHash, Run
    from preservation.evalset import build_pairs, source_photos
    from preservation.fingerprint import fingerprint_file
    from preservation.vocabulary import EventOutcome, EventType

    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    root.mkdir(parents=True, exist_ok=True)
    catalog_path = root / "catalog.sqlite"
    catalog = open_catalog(catalog_path)
    roots = {n: root / n.lower() for n in ("Laptop", "USB", "Cloud")}
    for r in roots.values():
        r.mkdir(parents=True)

    # --- the look-alike pairs: real files -------------------------------------------------
    base = [p for p in build_pairs(seed=seed, long_side=640, photos=source_photos())
            if p.kind in KINDS]
    meta: dict[bytes, Any] = {}
    scratch = root / "scratch"
    scratch.mkdir()
    for p in base:  # fingerprint each distinct picture once
        for f in (p.a, p.b):
            if f.data not in meta:
                (scratch / f.name).write_bytes(f.data)
                meta[f.data] = fingerprint_file(os.fsencode(scratch), os.fsencode(f.name))
    shutil.rmtree(scratch)

    contents: list[dict[str, Any]] = []
    files: list[dict[str, Any]] = []
    hashes: list[dict[str, Any]] = []
    phash_params = {"hash_size": 8, "highfreq_factor": 4}
    # originals 17+ bits apart, each other half 0-4 bits from its original: no cross-pair matches
    pair_values = separated(n_pairs, np.empty(0, np.uint64), DEFAULT_THRESHOLD + 4, rng)
    variant_values = pair_values.copy()
    for i in range(n_pairs):
        for b in rnd.sample(range(64), rnd.randint(0, 4)):
            variant_values[i] ^= np.uint64(1 << b)

    def content(sha: str, size: int, fmt: str | None, mime: str | None, fp: Any = None) -> int:
        img = fp.image if fp else None
        contents.append({"sha256": sha, "size": size, "format": fmt, "mime": mime,
                         "width": img.width if img else None, "height": img.height if img else None,
                         "image_mode": img.mode if img else None, "orientation": img.orientation if img else None,
                         "is_grey": img.is_grey if img else None,
                         "capture_time": img.capture_time if img else None,
                         "camera_make": img.camera_make if img else None,
                         "camera_model": img.camera_model if img else None,
                         "exif": dict(img.exif) if img else None, "problems": None, "first_seen": now})
        return len(contents)  # ids are assigned in insertion order from 1

    def file(loc: int, rel: str, size: int, cid: int, **kw: Any) -> None:
        d, _, _ = rel.rpartition("/")
        files.append({"location_id": loc, "path_bytes": rel.encode(), "dir_bytes": d.encode(),
                      "path": rel, "path_key": rel, "size": size, "mtime_ns": 1_600_000_000_000_000_000,
                      "inode": len(files) + 1, "content_id": cid, "extension_mismatch": False,
                      "state": "present", "first_seen": now, "last_seen": now, "hashed_at": now,
                      "last_verified_at": now - timedelta(days=3), "last_verify_status": "ok", **kw})

    laptop, usb, cloud = 1, 2, 3
    for i in range(n_pairs):
        p = base[i % len(base)]
        trailer = f"\npreservation-benchmark-{i}\n".encode()
        for side, (f, loc, folder) in enumerate(((p.a, laptop, "Laptop"), (p.b, usb, "USB"))):
            data = f.data + trailer
            rel = f"pairs/{i:04d}/{f.name}"
            (roots[folder] / "pairs" / f"{i:04d}").mkdir(parents=True, exist_ok=True)
            (roots[folder] / rel).write_bytes(data)
            cid = content(hashlib.sha256(data).hexdigest(), len(data), "jpeg", "image/jpeg", meta[f.data])
            file(loc, rel, len(data), cid)
            value = int(variant_values[i] if side else pair_values[i])
            hashes.append({"content_id": cid, "algorithm": "phash", "value": f"{value:016x}", "bits": 64,
                           "params": phash_params, "params_key": "bench", "library": "ImageHash bench"})

    # --- everything else: catalog rows only -------------------------------------------------
    rest = n_files - 2 * n_pairs
    three, two = int(rest * 0.6) // 3, int(rest * 0.3) // 2
    one = rest - 3 * three - 2 * two
    layout = [(laptop, usb, cloud)] * three + [(laptop, usb)] * two + [(laptop,)] * one
    rnd.shuffle(layout)
    filler_values = separated(len(layout), np.concatenate([pair_values, variant_values]),
                              DEFAULT_THRESHOLD, rng)
    weights = [w for *_, w in FORMATS]
    for k, locs in enumerate(layout):
        fmt, mime, ext, _ = rnd.choices(FORMATS, weights)[0]
        size = rnd.randint(200_000, 6_000_000)
        cid = content(hashlib.sha256(f"filler-{k}".encode()).hexdigest(), size, fmt, mime)
        if fmt in ("jpeg", "heic", "png"):
            contents[-1].update(width=4032, height=3024, image_mode="RGB")
            hashes.append({"content_id": cid, "algorithm": "phash", "value": f"{int(filler_values[k]):016x}",
                           "bits": 64, "params": phash_params, "params_key": "bench", "library": "ImageHash bench"})
        year = 2010 + k % 14
        mismatch = k % 997 == 0
        for loc in locs:
            extra: dict[str, Any] = {}
            if k % 1_500 == 7 and loc == usb:
                extra = {"last_verify_status": "changed"}
            elif k % 2_300 == 11 and loc == laptop:
                extra = {"state": "missing", "last_verify_status": "missing"}
            rel = f"photos/{year}/IMG_{k:06d}{'.jpg' if mismatch else ext}"
            file(loc, rel, size, cid, extension_mismatch=mismatch, **extra)

    with catalog.session() as s:
        for name, media, site, sync in (("Laptop", "ssd", "onsite", False), ("USB", "hdd", "onsite", False),
                                        ("Cloud", "cloud", "offsite", False)):
            s.add(Location(name=name, root=str(roots[name]), root_bytes=os.fsencode(roots[name]),
                           media=media, site=site, sync=sync, trust="trusted", created_at=now,
                           last_scan_at=now, last_verify_at=now - timedelta(days=3)))
        s.flush()
        for i in range(0, len(contents), 5000):
            s.execute(insert(Content), contents[i:i + 5000])
        for i in range(0, len(files), 5000):
            s.execute(insert(File), files[i:i + 5000])
        for i in range(0, len(hashes), 5000):
            s.execute(insert(PerceptualHash), hashes[i:i + 5000])
        for loc in (laptop, usb, cloud):
            for back in (400, 3):
                s.add(Run(kind="verify", location_id=loc, status="complete", operator="bench",
                          started_at=now - timedelta(days=back, minutes=30),
                          finished_at=now - timedelta(days=back),
                          counts={"checked": 20_000, "ok": 19_990, "changed": 3, "missing": 2}))
            s.add(Run(kind="scan", location_id=loc, status="complete", operator="bench",
                      started_at=now - timedelta(days=10, minutes=30), finished_at=now - timedelta(days=10)))
        for name in ("Laptop", "USB", "Cloud"):
            append_event(s, EventType.CATALOG_CHANGE, EventOutcome.SUCCESS, operator="bench",
                         objects=[f"location:{name}"], detail={"action": "location added"})
            append_event(s, EventType.FIXITY_CHECK, EventOutcome.WARNING, operator="bench",
                         objects=[f"location:{name}"], detail={"status": "complete"})
        s.commit()
    catalog.dispose()
    return catalog_path


def timed(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall-clock seconds, CPU seconds and peak RSS (bytes) of one command in its own process."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=ENV)
        _pid, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        code = os.waitstatus_to_exitcode(status)
        if code not in (0, 1):
            err.seek(0)
            raise SystemExit(f"{argv[3:6]}... failed ({code}): {err.read().decode()[-800:]}")
        return elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def pages(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def breakdown(catalog: Path, out: Path) -> dict[str, float]:
    """Where the default report's time goes, measured in this process."""
    from dataclasses import replace

    from preservation.catalog.engine import open_catalog
    from preservation.report import model, sections
    from preservation.report.build import build_report
    from preservation.report.csvout import CsvSink
    from preservation.report.pdf import asset_url, write_pdf
    from preservation.report.render import render_html

    times: dict[str, float] = {}

    def wrap(sec: model.Section) -> model.Section:
        def build(ctx: model.BuildContext) -> dict[str, Any]:
            t = time.perf_counter()
            data = sec.build(ctx)
            times[f"section {sec.id}"] = time.perf_counter() - t
            return data
        return replace(sec, build=build)

    cat = open_catalog(catalog)
    sink = CsvSink(str(out.parent), "breakdown")
    t = time.perf_counter()
    rep = build_report(cat, model.ReportOptions(), sink=sink,
                             sections=[wrap(s) for s in sections.SECTIONS])
    times["build (all sections)"] = time.perf_counter() - t
    t = time.perf_counter()
    html = render_html(rep, asset_url)
    times["render HTML (Jinja)"] = time.perf_counter() - t
    t = time.perf_counter()
    write_pdf(html, rep.assets, out)
    times["write PDF (WeasyPrint)"] = time.perf_counter() - t
    times["pictures embedded"] = len(rep.assets)
    times["pictures, KB"] = rep.assets.total_bytes / 1000
    cat.dispose()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=50_000)
    ap.add_argument("--pairs", type=int, default=1_000)
    ap.add_argument("--keep", type=Path, help="build in this folder and keep it")
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    root.mkdir(parents=True, exist_ok=True)
    try:
        t = time.perf_counter()
        catalog = build(root / "collection", args.files, args.pairs)
        print(f"built {args.files:,} files with {args.pairs:,} look-alike pairs in "
              f"{time.perf_counter() - t:,.1f} s ({root})", flush=True)
        out = root / "out"
        out.mkdir()
        base = [sys.executable, "-m", "preservation", "--catalog", str(catalog)]
        rows = []
        for label, argv, target in (
            ("BASELINE status --json", [*base, "status", "--json"], None),
            ("lookalikes --json (compares, caches evidence)", [*base, "lookalikes", "--json"], None),
            ("report --out audit.pdf", [*base, "report", "--out", str(out / "audit.pdf")], out / "audit.pdf"),
            ("report --out all.pdf --pairs 1000", [*base, "report", "--out", str(out / "all.pdf"), "--pairs",
                                                    str(args.pairs)], out / "all.pdf"),
            ("report --out audit.html --audience staff", [*base, "report", "--out", str(out / "audit.html"),
                                                          "--audience", "staff"], out / "audit.html"),
        ):
            wall, cpu, rss = timed(argv, out)
            size = target.stat().st_size if target else 0
            extra = ""
            if target and target.suffix == ".pdf":
                extra = f", {pages(target)} pages"
            elif target and target.suffix == ".html":
                images = out / "audit-images"
                size += sum(p.stat().st_size for p in images.iterdir()) if images.is_dir() else 0
                extra = " (with its pictures folder)"
            rows.append((label, wall, cpu, rss, size, extra))
            print(f"{label:<46} {wall:7.1f} s wall {cpu:7.1f} s cpu  peak {rss / 1e6:6.0f} MB"
                  + (f"  output {size / 1e6:6.2f} MB{extra}" if target else ""), flush=True)
        baseline = rows[0][1]
        print()
        for label, wall, *_ in rows[2:]:
            print(f"{label:<46} {wall / baseline:5.1f}x the baseline's time")
        print(f"CSV lists next to the report: {', '.join(sorted(p.name for p in out.glob('audit-*.csv')))}")
        print("\nWhere the default report's time goes (in-process):")
        for k, v in breakdown(catalog, out / "breakdown.pdf").items():
            print(f"  {k:<28} {v:8.1f}")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
