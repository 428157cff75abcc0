"""Look-alike verdicts on a labelled evaluation set made from real photographs.

    python benchmarks/bench_lookalike_eval.py [--long-side 2048] [--seed 2024] [--threshold T]

Builds the pairs of ``preservation.evalset`` (the five real photos shipped
in preservation/data/photos, each made camera-like at ``--long-side`` pixels, then re-encoded,
resized, converted, cropped, retouched, watermarked, shot again in a burst...), writes them as
files, fingerprints both files of every pair exactly as a scan does, and compares them with
the real pipeline. Prints:

  * per-verdict precision and recall against the ground truth (what was done to the picture);
  * the count of *dangerous* mistakes (a pair called more alike than it is: identical or
    same-pixels or derivative for something that is not) - target zero;
  * how many pairs of each kind would be candidates at the threshold (any of pHash, dHash,
    aHash, wHash within it), and the baseline: what a single pHash at the same threshold finds.
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this working tree

from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
from preservation.analyse.lookalikes.search import HASHES
from preservation.evalset import build_pairs, evaluate, scores


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long-side", type=int, default=2048)
    ap.add_argument("--seed", type=int, default=2024)
    ap.add_argument("--threshold", type=int, default=DEFAULT_THRESHOLD)
    ap.add_argument("--verbose", "-v", action="store_true", help="one line per pair")
    a = ap.parse_args()

    t0 = time.perf_counter()
    pairs = build_pairs(a.seed, a.long_side)
    print(f"{len(pairs)} labelled pairs from real photos at {a.long_side} px "
          f"(built in {time.perf_counter() - t0:.0f} s)")
    with tempfile.TemporaryDirectory() as d:
        t0 = time.perf_counter()
        results = evaluate(pairs, d)
        took = time.perf_counter() - t0
    if a.verbose:
        for r in results:
            flag = "ok" if r.correct else ("DANGEROUS" if r.dangerous else "wrong")
            print(f"{flag:9s} {r.pair.kind:20s} truth={r.pair.truth:12s} got={r.predicted:12s} "
                  f"{r.distances} {r.explanation}")
    print(f"\ncompared in {took:.0f} s ({took / len(results):.2f} s per pair, "
          "fingerprinting of both files included)\n")
    print(f"{'verdict':12s} {'precision':>9s} {'recall':>7s} {'pairs':>6s} {'called':>7s}")
    for v, s in scores(results).items():
        print(f"{v:12s} {s['precision']:9.2f} {s['recall']:7.2f} {int(s['support']):6d} {int(s['predicted']):7d}")
    correct = sum(r.correct for r in results)
    danger = [r for r in results if r.dangerous]
    print(f"\naccuracy {correct}/{len(results)} = {correct / len(results):.1%}")
    print(f"dangerous-direction mistakes: {len(danger)} (target 0)")
    for r in danger:
        print(f"  {r.pair.kind}: truth {r.pair.truth}, called {r.predicted}: {r.explanation}")
    wrong = collections.Counter(f"{r.pair.kind}: {r.pair.truth} -> {r.predicted}" for r in results
                                if not r.correct and not r.dangerous)
    if wrong:
        print("other mistakes (safe direction):")
        for k, n in wrong.most_common():
            print(f"  {n} x {k}")

    print(f"\ncandidates at threshold {a.threshold} (related pairs only; 'different-photo' excluded):")
    kinds: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for r in results:
        if r.pair.kind == "different-photo":
            continue
        k = kinds[r.pair.kind]
        k[0] += 1
        k[1] += any(r.distances.get(h, 99) <= a.threshold for h in HASHES)
        k[2] += r.distances.get("phash", 99) <= a.threshold
    tot = [sum(v[i] for v in kinds.values()) for i in range(3)]
    for kind, (n, anyh, ph) in sorted(kinds.items()):
        print(f"  {kind:20s} any hash {anyh}/{n}   pHash alone {ph}/{n}")
    print(f"  {'all':20s} any hash {tot[1]}/{tot[0]}   pHash alone {tot[2]}/{tot[0]}")
    sys.exit(1 if danger else 0)


if __name__ == "__main__":
    main()
