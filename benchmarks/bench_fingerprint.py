"""How close is fingerprint_file to the physical floor, and how much faster than the naive way?

Three ways to process the same camera-like 12 MP JPEGs (benchmarks/corpus.py), measured in the
same run, page cache warm, single process:

* FLOOR: read the bytes once + SHA-256 + decode at 1/8 scale (Image.draft). Nothing else; no
  real tool can do less and still look at the picture.
* FINGERPRINT: ``preservation.fingerprint.fingerprint_file`` (SHA-256, format, EXIF, five
  ImageHash perceptual hashes and PDQ with its eight dihedral hashes, grey check, change
  detection).
* NO_PDQ: the same without PDQ (as on a machine without pdqhash): the difference is what PDQ
  costs per file at scan time.
* NAIVE: the ImageHash README recipe: for each of phash/dhash/ahash/whash/colorhash,
  ``Image.open(path)`` + full decode + hash, plus a separate read for SHA-256.

Each round times every method on each file in turn (interleaved, so they share the machine's
conditions, alternating which goes first); the reported figures are the median over rounds of
the per-file mean, and the median of per-file paired ratios (robust to a machine whose speed
drifts, e.g. shared with other jobs). Targets:
fingerprint/floor <= 1.25, naive/fingerprint >= 5. The naive recipe is slow, so by default it
runs on a sample of the files per round (``--naive-sample``; 0 for all).

Usage: python benchmarks/bench_fingerprint.py [--corpus DIR] [-n 50] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import imagehash
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import make_camera_corpus

from preservation.fingerprint import fingerprint_file, perceptual


def floor(path: Path) -> None:
    with open(path, "rb") as f:
        data = f.read()
    hashlib.sha256(data).hexdigest()
    im = Image.open(io.BytesIO(data))
    im.draft("RGB", (im.width // 8, im.height // 8))
    im.load()


def make_fingerprint(root: Path, pdq: bool = True) -> Callable[[Path], None]:
    root_b = os.fsencode(root)
    library = perceptual.pdq_library

    def run(path: Path) -> None:
        if not pdq:
            perceptual.pdq_library = lambda: None  # type: ignore[method-assign]
        try:
            fp = fingerprint_file(root_b, os.fsencode(path.name))
        finally:
            perceptual.pdq_library = library  # type: ignore[method-assign]
        assert fp.sha256 and len(fp.hashes) == (6 if pdq else 5), fp.problems

    return run


_NAIVE_HASHES = (
    imagehash.phash,
    imagehash.dhash,
    imagehash.average_hash,
    imagehash.whash,
    imagehash.colorhash,
)


def naive(path: Path) -> None:
    with open(path, "rb") as f:
        hashlib.sha256(f.read()).hexdigest()
    for fn in _NAIVE_HASHES:
        with Image.open(path) as im:
            im.load()
            fn(im)


def timed(fn: Callable[[Path], None], path: Path) -> float:
    start = time.perf_counter()
    fn(path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="existing directory of JPEGs to use")
    parser.add_argument("-n", type=int, default=50, help="files to generate (default 50)")
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--naive-sample", type=int, default=10,
                        help="files per round for the naive recipe (0 = all)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-fp-") as tmp:
        if args.corpus:
            root = args.corpus
            paths = sorted(p for p in root.iterdir() if p.suffix.lower() in (".jpg", ".jpeg"))
        else:
            root = Path(tmp)
            t0 = time.perf_counter()
            paths = make_camera_corpus(root, args.n, args.seed)
            print(f"corpus: {len(paths)} files generated in {time.perf_counter() - t0:.0f} s")
        sizes = [p.stat().st_size for p in paths]
        print(f"corpus: {len(paths)} JPEGs, {min(sizes) / 1e6:.2f}-{max(sizes) / 1e6:.2f} MB, "
              f"mean {statistics.mean(sizes) / 1e6:.2f} MB, in {root}")

        for p in paths:  # warm the page cache (and every import and code path)
            p.read_bytes()
        fingerprint = make_fingerprint(root)
        no_pdq = make_fingerprint(root, pdq=False)
        for fn in (floor, fingerprint, no_pdq, naive):
            fn(paths[0])

        naive_set = set(paths if args.naive_sample <= 0 else paths[: args.naive_sample])
        methods = {"floor": floor, "fingerprint": fingerprint, "no_pdq": no_pdq, "naive": naive}
        rounds: list[dict[str, float]] = []  # per round: method -> mean seconds per file
        paired: dict[str, list[float]] = {"fingerprint/floor": [], "naive/fingerprint": [],
                                          "pdq extra": []}
        for r in range(args.rounds):
            spent = {k: 0.0 for k in methods}
            count = {k: 0 for k in methods}
            for i, p in enumerate(paths):
                names = ["floor", "fingerprint", "no_pdq"] + (["naive"] if p in naive_set else [])
                if (i + r) % 2:
                    names.reverse()  # alternate the order so neither side always goes first
                t = {name: timed(methods[name], p) for name in names}
                for name, seconds in t.items():
                    spent[name] += seconds
                    count[name] += 1
                paired["fingerprint/floor"].append(t["fingerprint"] / t["floor"])
                paired["pdq extra"].append(t["fingerprint"] - t["no_pdq"])
                if "naive" in t:
                    paired["naive/fingerprint"].append(t["naive"] / t["fingerprint"])
            rounds.append({k: spent[k] / count[k] for k in methods})
            print(f"round {r + 1}: " + ", ".join(
                f"{k} {v * 1e3:.1f} ms" for k, v in rounds[-1].items())
                + f"; fingerprint/floor {rounds[-1]['fingerprint'] / rounds[-1]['floor']:.3f}",
                flush=True)

        med = {k: statistics.median(rd[k] for rd in rounds) for k in methods}
        per_round = [rd["fingerprint"] / rd["floor"] for rd in rounds]
        naive_round = [rd["naive"] / rd["fingerprint"] for rd in rounds]
        print()
        print(f"per file, median of {args.rounds} rounds ({len(paths)} files; naive on "
              f"{len(naive_set)} of them, interleaved with the others):")
        for k, v in med.items():
            print(f"  {k:<12} {v * 1e3:8.1f} ms")
        print(f"  fingerprint / floor: median per-round {statistics.median(per_round):.3f}, "
              f"median per-file pair {statistics.median(paired['fingerprint/floor']):.3f}  "
              "(target <= 1.25)")
        print(f"  PDQ at scan time: +{(med['fingerprint'] - med['no_pdq']) * 1e3:.1f} ms per file "
              f"(median per-file pair +{statistics.median(paired['pdq extra']) * 1e3:.1f} ms), "
              f"fingerprint / no_pdq {med['fingerprint'] / med['no_pdq']:.3f}")
        print(f"  naive / fingerprint: median per-round {statistics.median(naive_round):.1f}, "
              f"median per-file pair {statistics.median(paired['naive/fingerprint']):.1f}  "
              "(target >= 5)")

if __name__ == "__main__":
    main()
