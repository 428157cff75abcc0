"""Pictures for section 3: thumbnails and small grey difference maps, each made once.

The look-alike analysis itself (candidates, cached evidence, verdicts, sentences, groups and
likely originals) is :func:`preservation.analyse.lookalikes.find_lookalikes`; this module only
draws what a printed page needs from its results.

The difference map is the look-alike analysis' own heat map
(:func:`~preservation.analyse.lookalikes.diffimage.heat_map`, the one in ``lookalikes diff``'s
picture), drawn from the same evidence (the geometry that aligns the two pictures and the
regions of change it measured) in its grey form: white where the pictures agree, darker where
they differ, so that it prints on a grey laser printer. Only the layout differs from the
composite PNG of :func:`~preservation.analyse.lookalikes.diff_png` (two 760 px panels and the
facts as text, about a megabyte: too large for a report that prints hundreds of pairs): the
page lays out the two thumbnails and a 240 px map, and says the facts in its own words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from PIL import Image

from preservation.analyse.lookalikes.diffimage import heat_map
from preservation.analyse.lookalikes.evidence import Evidence
from preservation.catalog.reportstore import ContentInfo
from preservation.provenance.decisions import DecisionRecord
from preservation.report.assets import Asset, AssetStore, encode_jpeg, fit, load_picture
from preservation.vocabulary import Verdict

#: Working size of the pictures a difference map is made from (long side, pixels).
MAP_SIDE = 240
#: Order in which verdicts are shown: the ones a platform would wrongly collapse first.
VERDICT_ORDER = {Verdict.EDITED: 0, Verdict.DERIVATIVE: 1, Verdict.SAME_PIXELS: 2,
                 Verdict.BURST: 3, Verdict.SIMILAR: 4, Verdict.IDENTICAL: 5}
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
    decision: DecisionRecord | None = None  # what a person decided about this pair


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
            im = heat_map(a, b, ev, grey=True)
        except Exception as exc:  # a map is an illustration: never fail the report for it
            return None, f"No difference map could be drawn ({type(exc).__name__})."
        if im.width < MAP_SIDE // 2:  # a tiny comparison is shown at a readable size
            im = im.resize((im.width * 2, im.height * 2), Image.Resampling.NEAREST)
        return self.store.add(encode_jpeg(key, im, quality=80)), _MAP_CAPTION


def rank(comparisons: Sequence[Comparison]) -> tuple[int, int]:
    """How early a group is shown: edits and lost metadata first."""
    known = [VERDICT_ORDER.get(c.verdict, 9) for c in comparisons]
    lost = any(c.evidence.metadata.lost_in_b for c in comparisons)
    return (min(known) if known else 9, 0 if lost else 1)
