"""First-time look-alike evidence for a 12 MP pair, against decoding both files at full size.

    python benchmarks/bench_evidence_speed.py [--long-side 4000] [--repeat 2]

Builds camera-like 12 MP JPEGs from a real photo (preservation/data/photos, sensor grain, EXIF)
and, for a few kinds of pair (a re-save, a half-size copy, a brightened edit, a dust spot cloned
out, a burst frame), measures in the same run:

  * baseline: decoding both files at full resolution with Pillow (what any tool must pay);
  * evidence: ``compare_files`` with the catalog's metadata given (as a look-alike run calls
    it): decoding, alignment, reproduction, the full-resolution search, the verdict.

Prints the ratio evidence / baseline per kind (issue 19's target: at most 2) and the verdict.
Nothing is cached between repeats (the decoded-picture memo is cleared).
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # measure this working tree

import numpy as np
from PIL import Image

from preservation.analyse.lookalikes import pair as pair_mod
from preservation.analyse.lookalikes.pair import compare_files, meta_of_file
from preservation.evalset import camera_exif, encode, fit, shot, source_photos


def _decode(path: Path) -> None:
    with Image.open(path) as im:
        im.load()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--long-side", type=int, default=4000)
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()

    rng = np.random.default_rng(7)
    big = fit(source_photos()[3], a.long_side)
    scene = big.resize((round(big.size[0] * 1.12), round(big.size[1] * 1.12)), Image.Resampling.BICUBIC)
    orig = shot(scene, big.size, (0, 0), rng, sigma=3.5)
    data = encode(orig, quality=93, exif=camera_exif())
    dec = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = dec.size
    dusted = dec.copy()
    dusted.paste(dec.crop((w // 3 + 40, h // 4, w // 3 + 50, h // 4 + 10)), (w // 3, h // 4))
    kinds = {
        "re-save q75": encode(dec, quality=75),
        "half size": encode(dec.resize((w // 2, h // 2), Image.Resampling.LANCZOS), quality=85),
        "brightened": encode(np.clip(np.asarray(dec, np.float32) * 1.2, 0, 255).astype(np.uint8), quality=92),
        "dust spot": encode(dusted, quality=93),
        "burst frame": encode(shot(scene, big.size, (0, 0), rng, sigma=3.5), quality=93),
    }
    print(f"{w}x{h} ({w * h / 1e6:.1f} MP) pairs, best of {a.repeat}\n")
    print(f"{'pair':14s} {'decode both':>11s} {'evidence':>9s} {'ratio':>6s}  verdict")
    ratios = []
    with tempfile.TemporaryDirectory() as d:
        pa = Path(d) / "IMG_0001.jpg"
        pa.write_bytes(data)
        ma, _ = meta_of_file(pa)
        for kind, bdata in kinds.items():
            pb = Path(d) / f"{kind.replace(' ', '_')}.jpg"
            pb.write_bytes(bdata)
            mb, _ = meta_of_file(pb)
            base, ev = float("inf"), float("inf")
            verdict = ""
            for _ in range(a.repeat):
                t = time.perf_counter()
                _decode(pa)
                _decode(pb)
                base = min(base, time.perf_counter() - t)
                pair_mod._LOADED.clear()
                t = time.perf_counter()
                res = compare_files(pa, pb, meta_a=ma, meta_b=mb, distances={})
                ev = min(ev, time.perf_counter() - t)
                verdict = str(res.verdict)
            ratios.append(ev / base)
            print(f"{kind:14s} {base:10.2f}s {ev:8.2f}s {ev / base:6.1f}  {verdict}")
    print(f"\nworst ratio {max(ratios):.1f}, median {float(np.median(ratios)):.1f} (target: at most 2)")


if __name__ == "__main__":
    main()
