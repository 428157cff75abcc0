"""From evidence to a verdict (vocabulary.Verdict), erring on the side of keeping both files.

The dangerous direction is calling two different things the same: a person may then delete
one. So each "same" verdict has a hard precondition that nothing else can override:

* ``identical`` only when the bytes are equal;
* ``same-pixels`` only when the decoded pixels are exactly equal;
* ``derivative`` only when the two show the same whole frame with nothing but thin, spread-out
  noise between them (no local change, no tone or colour change, no colour lost, no crop,
  rotation or shift), the capture times do not say "another exposure", and the match is close.

Everything else is ``edited`` (same picture, a deliberate change is measured), ``burst``
(capture times or a camera shift say: another exposure moments apart) or ``similar``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from preservation.vocabulary import Verdict

from .evidence import Evidence

#: Shots up to this far apart (same camera) are a burst; further apart, another photograph.
BURST_SECONDS = 30.0
#: Minimum SSIM / PSNR for a derivative (same picture, only re-encoded or resized).
DERIVATIVE_SSIM = 0.80
DERIVATIVE_PSNR = 27.0
#: Mean tone/colour curve shift (levels) above which a change of exposure or colour is reported.
TONE_SHIFT = 3.0
#: Alignment match above which the pictures are "the same picture" (for edited).
SAME_PICTURE_MATCH = 0.90


@dataclass(slots=True)
class Decision:
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)  # machine-readable reason codes


def decide(ev: Evidence) -> Decision:
    if ev.bytes_equal:
        return Decision(Verdict.IDENTICAL, ["bytes-equal"])
    if ev.pixels_equal:
        return Decision(Verdict.SAME_PIXELS, ["pixels-equal"])
    md = ev.metadata
    reasons: list[str] = []
    another_exposure = (md.seconds_apart is not None and md.seconds_apart >= md.time_precision
                        and not md.clock_shift)
    if md.same_camera is False:
        reasons.append("different-camera")
    if md.clock_shift:
        reasons.append("clock-shift")
    if another_exposure:
        reasons.append("different-capture-time")
        if md.same_camera is not False and md.seconds_apart is not None \
                and md.seconds_apart <= BURST_SECONDS:
            return Decision(Verdict.BURST, [*reasons, "burst-interval"])
        return Decision(Verdict.SIMILAR, reasons)
    if not ev.decoded or ev.difference is None:
        return Decision(Verdict.SIMILAR, [*reasons, "pixels-not-compared"])

    g, d = ev.geometry, ev.difference
    if ev.a.flat and ev.b.flat:
        return Decision(Verdict.SIMILAR, [*reasons, "both-blank"])
    if g.relation == "unaligned":
        why = "viewpoint-differs" if g.warp >= 2.0 and g.match >= 0.9 else "no-alignment"
        return Decision(Verdict.SIMILAR, [*reasons, why])
    if g.relation == "shifted":
        # the whole picture moved inside an unchanged frame: the camera moved between shots
        reasons.append("camera-moved")
        if md.same_camera is False or md.clock_shift:
            return Decision(Verdict.SIMILAR, reasons)
        return Decision(Verdict.BURST, reasons)

    edits: list[str] = []
    if g.transform != "none":
        edits.append("rotated-or-mirrored")
    if g.relation == "cropped":
        edits.append("cropped")
    if g.relation == "stretched":
        edits.append("stretched")
    if ev.a.grey is not None and ev.b.grey is not None and ev.a.grey != ev.b.grey:
        edits.append("colour-removed" if ev.b.grey else "colour-added")
    if d.tone_shift >= TONE_SHIFT:
        edits.append("tone-changed")
    if d.pattern == "concentrated":
        edits.append("local-change")

    if d.pattern == "widespread":
        # Differences throughout, even after the best tone curve: not explained as an edit of
        # the same picture (or an edit so heavy that it makes another picture).
        return Decision(Verdict.SIMILAR, [*reasons, *edits, "widespread-change"])
    if edits:
        if g.match >= SAME_PICTURE_MATCH and md.same_camera is not False:
            return Decision(Verdict.EDITED, [*reasons, *edits])
        return Decision(Verdict.SIMILAR, [*reasons, *edits, "weak-match"])
    if md.same_camera is False or md.clock_shift:
        return Decision(Verdict.SIMILAR, reasons)
    if d.ssim >= DERIVATIVE_SSIM and d.psnr >= DERIVATIVE_PSNR and g.match >= SAME_PICTURE_MATCH:
        kind = "resized" if g.relation == "resized" else "re-encoded"
        return Decision(Verdict.DERIVATIVE, [*reasons, kind])
    return Decision(Verdict.SIMILAR, [*reasons, "low-similarity"])
