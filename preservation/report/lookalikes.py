"""Pictures for section 3: thumbnails and small grey difference maps, each made once.

The look-alike analysis itself (candidates, cached evidence, verdicts, sentences, groups and
likely originals) is :func:`preservation.analyse.lookalikes.find_lookalikes`; this module only
draws what a printed page needs from its results.

Why not the analysis' own difference PNG (:func:`~preservation.analyse.lookalikes.diff_png`)?
It is a full composite (two 760 px panels, a colour heat map and the facts as text, about a
megabyte): right for one pair on screen or in an evidence package, too large and too colourful
for a report that prints hundreds of pairs on a grey laser printer. The map here is drawn from
the same evidence (the geometry that aligns the two pictures and the regions of change it
measured): 240 px, grey, white where the pictures agree and darker where they differ.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from preservation.analyse.lookalikes.evidence import Evidence
from preservation.catalog.reportstore import ContentInfo
from preservation.report.assets import Asset, AssetStore, encode_jpeg, fit, load_picture
from preservation.vocabulary import Verdict

#: Working size of the pictures a difference map is made from (long side, pixels).
MAP_SIDE = 240
#: Differences up to this many grey levels (of 255) are compression noise: drawn white.
NOISE_LEVEL = 6.0
#: Order in which verdicts are shown: the ones a platform would wrongly collapse first.
VERDICT_ORDER = {Verdict.EDITED: 0, Verdict.DERIVATIVE: 1, Verdict.SAME_PIXELS: 2,
                 Verdict.BURST: 3, Verdict.SIMILAR: 4, Verdict.IDENTICAL: 5}

_TRANSPOSE = {
    "rotate-90": Image.Transpose.ROTATE_90, "rotate-180": Image.Transpose.ROTATE_180,
    "rotate-270": Image.Transpose.ROTATE_270, "mirror": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip": Image.Transpose.FLIP_TOP_BOTTOM, "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}
_MAP_CAPTION = "White: the same. Darker: more different. Boxes: the main changed areas."


@dataclass(slots=True)
class Comparison:
    """One look-alike pair as the report shows it: ``a`` is the better-ranked (likely original)."""

    a: ContentInfo
    b: ContentInfo
    verdict: Verdict
    explanation: str
    reasons: list[str]
    evidence: Evidence


def readable_paths(c: ContentInfo) -> list[bytes]:
    """The content's present files, those that are there now first."""
    return sorted(c.absolute_paths, key=lambda p: not os.path.isfile(p))


@dataclass
class Pictures:
    """Thumbnails and difference maps for the comparisons shown, each made once."""

    store: AssetStore
    _working: dict[str, Image.Image | None] = field(default_factory=dict)
    _errors: dict[str, str] = field(default_factory=dict)

    def working(self, c: ContentInfo) -> Image.Image | None:
        if c.sha256 not in self._working:
            if len(self._working) > 64:  # groups come one after another: keep memory flat
                self._working.clear()
            self._working[c.sha256] = None
            for path in readable_paths(c)[:3]:
                try:
                    self._working[c.sha256] = load_picture(path, c.sha256, MAP_SIDE)
                    break
                except Exception as exc:  # unreadable now: a placeholder says why
                    self._errors[c.sha256] = str(exc) or type(exc).__name__
            if not c.absolute_paths:
                self._errors[c.sha256] = "no copy of the file is present"
        return self._working[c.sha256]

    def error(self, c: ContentInfo) -> str | None:
        return self._errors.get(c.sha256)

    def thumbnail(self, c: ContentInfo) -> Asset | None:
        key = f"thumb-{c.sha256}"
        if key in self.store:
            return self.store.get(key)
        im = self.working(c)
        if im is None:
            return None
        return self.store.add(encode_jpeg(key, fit(im, MAP_SIDE)))

    def difference_map(self, cmp: Comparison) -> tuple[Asset | None, str]:
        """The map and a caption; no map (and why) when there is nothing to draw."""
        ev = cmp.evidence
        if cmp.verdict == Verdict.IDENTICAL or ev.bytes_equal:
            return None, "The files are identical."
        if ev.pixels_equal:
            return None, "Every pixel is the same: there is nothing to show."
        if not ev.decoded or ev.difference is None or ev.geometry.relation == "unaligned":
            return None, ("The pictures do not line up, so no difference map is drawn."
                          if ev.decoded else "The pictures could not be compared pixel by pixel.")
        key = f"diff-{cmp.a.sha256[:32]}-{cmp.b.sha256[:32]}"
        if key in self.store:
            return self.store.get(key), _MAP_CAPTION
        a, b = self.working(cmp.a), self.working(cmp.b)
        if a is None or b is None:
            return None, "One of the files could not be read to draw a difference map."
        try:
            im = difference_image(a, b, ev, cmp.a)
        except Exception as exc:  # a map is an illustration: never fail the report for it
            return None, f"No difference map could be drawn ({type(exc).__name__})."
        return self.store.add(encode_jpeg(key, im, quality=80)), _MAP_CAPTION


def rank(comparisons: Sequence[Comparison]) -> tuple[int, int]:
    """How early a group is shown: edits and lost metadata first."""
    known = [VERDICT_ORDER.get(c.verdict, 9) for c in comparisons]
    lost = any(c.evidence.metadata.lost_in_b for c in comparisons)
    return (min(known) if known else 9, 0 if lost else 1)


def _lum(im: Image.Image) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.asarray(im.convert("L"), dtype=np.float32)


def difference_image(a: Image.Image, b: Image.Image, ev: Evidence, a_info: ContentInfo) -> Image.Image:
    """Where b differs from a, drawn over a faint copy of a (grey: prints on any printer).

    ``a`` and ``b`` are upright working pictures; the evidence's geometry says how b's picture
    sits on a's (rotated or mirrored, cropped, shifted or resized) and its regions are in a's
    full-resolution pixels. The two are compared at the smaller one's size, so a copy that was
    only made smaller does not look different everywhere.
    """
    from scipy import ndimage

    g = ev.geometry
    if g.transform in _TRANSPOSE:
        b = b.transpose(_TRANSPOSE[g.transform])
    full_w = ev.a.width or a_info.width or a.width
    k = a.width / max(1, full_w)  # working pixels per full-resolution pixel of a
    ox = oy = 0.0
    if g.relation == "cropped" and g.crop:
        c = g.crop
        if c.get("of") == "a":  # b shows part of a: compare that part
            box = (round(c["x"] * k), round(c["y"] * k), round((c["x"] + c["width"]) * k),
                   round((c["y"] + c["height"]) * k))
            a = a.crop(box)
            ox, oy = box[0], box[1]
        else:  # a shows part of b
            full_b = ev.b.width or b.width
            if g.transform in ("rotate-90", "rotate-270", "transpose", "transverse"):
                full_b = ev.b.height or b.width
            kb = b.width / max(1, full_b)  # working pixels per full-resolution pixel of b
            box = (round(c["x"] * kb), round(c["y"] * kb), round((c["x"] + c["width"]) * kb),
                   round((c["y"] + c["height"]) * kb))
            b = b.crop(box)
    if b.width < a.width and b.height > 0:
        s = b.width / a.width
        a = a.resize((b.width, max(1, round(a.height * s))), Image.Resampling.BOX)
        k, ox, oy = k * s, ox * s, oy * s
    b = b.resize(a.size, Image.Resampling.BOX if b.width >= a.width else Image.Resampling.BILINEAR)
    la, lb = _lum(a), _lum(b)
    if g.relation == "shifted" and g.shift:
        dx, dy = round(g.shift[0] * k), round(g.shift[1] * k)
        h, w = la.shape
        if abs(dx) < w // 2 and abs(dy) < h // 2:
            xa0, ya0, xb0, yb0 = max(0, -dx), max(0, -dy), max(0, dx), max(0, dy)
            ww, hh = w - abs(dx), h - abs(dy)
            la, lb = la[ya0:ya0 + hh, xa0:xa0 + ww], lb[yb0:yb0 + hh, xb0:xb0 + ww]
            ox, oy = ox + xa0, oy + ya0
    diff = ndimage.gaussian_filter(np.abs(lb - la), 1.0)
    strength = np.clip((diff - NOISE_LEVEL) / 40.0, 0.0, 1.0) ** 0.7  # below the floor: same
    base = 200.0 + la * (45.0 / 255.0)  # the scene, faint, so a reader recognises it
    out = base * (1.0 - strength)
    im = Image.fromarray(np.clip(out, 0, 255).astype(np.uint8), "L")
    if ev.difference is not None and ev.difference.regions:
        draw = ImageDraw.Draw(im)
        for r in ev.difference.regions[:5]:
            x0, y0 = r["x"] * k - ox, r["y"] * k - oy
            x1, y1 = x0 + r["width"] * k, y0 + r["height"] * k
            if x1 < 0 or y1 < 0 or x0 > im.width or y0 > im.height:
                continue
            draw.rectangle((max(0, x0 - 2), max(0, y0 - 2), min(im.width - 1, x1 + 2),
                            min(im.height - 1, y1 + 2)), outline=0, width=2)
    if im.width < MAP_SIDE // 2:  # a tiny comparison is shown at a readable size
        im = im.resize((im.width * 2, im.height * 2), Image.Resampling.NEAREST)
    return im
