"""From evidence to a verdict (vocabulary.Verdict), erring on the side of keeping both files.

The dangerous direction is calling two different things the same: a person may then delete
one. So each "same" verdict has a hard precondition that nothing else can override:

* ``identical`` only when the bytes are equal;
* ``same-pixels`` only when the decoded pixels are exactly equal;
* ``derivative`` only when the other file was *made again* from one of them by the operation
  the files suggest (resize, re-encode with the file's own quantisation tables, convert) with
  nothing left but the level of that reproduction, and a full-resolution search found no
  local change (:mod:`.reproduce`); and no crop, turn, tone or colour change was measured.

Pixels come first. Whether the two files are one exposure or two is read from their fine
grain (the same sensor noise survives re-encoding; two exposures have independent noise);
capture times and cameras are evidence, never a veto: when the pixels show one exposure and
the dates or cameras disagree, that is reported as a metadata conflict, and the pixels decide.
Only when the pixels cannot tell do the capture times choose between ``burst`` and ``similar``.

Everything else is ``edited`` (same picture, a deliberate change is measured and named),
``burst`` (another exposure moments apart) or ``similar``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from preservation.vocabulary import Verdict

from .evidence import Evidence

#: Shots up to this far apart (same camera) are a burst; further apart, another photograph.
BURST_SECONDS = 30.0
#: Mean tone/colour curve shift (levels) above which a change of exposure or colour is reported.
TONE_SHIFT = 3.0
#: Alignment match above which the pictures are "the same picture" (for edited).
SAME_PICTURE_MATCH = 0.90
#: Grain correlation in plain areas: above, one exposure; below ``INDEPENDENT_GRAIN``, two.
SAME_GRAIN = 0.4
INDEPENDENT_GRAIN = 0.25
#: Edge-scale detail correlation above which two exposures show the same scene (a burst).
SAME_SCENE = 0.5
#: Fine-detail ratio bounds within which two exposures' noise levels are alike.
BURST_DETAIL = (0.75, 1.6)
#: Residual brightness (levels) at the corners against the centre: a vignette.
VIGNETTE = 6.0


@dataclass(slots=True)
class Decision:
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)  # machine-readable reason codes


def exposures(ev: Evidence) -> str:
    """"one" (the pixels show one exposure), "two" (independent grain) or "unknown"."""
    rep = ev.reproduction
    if rep is None:
        return "unknown"
    if rep.proved:
        return "one"
    gm = rep.grain_match
    if gm is None:
        return "unknown"
    if gm >= SAME_GRAIN:
        return "one"
    if gm < INDEPENDENT_GRAIN and BURST_DETAIL[0] <= rep.detail <= BURST_DETAIL[1] \
            and rep.structure >= SAME_SCENE:
        return "two"
    return "unknown"


def filter_kind(ev: Evidence) -> str | None:
    """The whole-picture filter the reproduction's remainder shows, if one is recognisable."""
    rep = ev.reproduction
    if rep is None or rep.proved:
        return None
    if abs(rep.vignette) >= VIGNETTE:
        return "vignette"
    if rep.sharpen >= 0.1 and rep.edge_detail >= 1.04:
        return "sharpened"
    if rep.detail <= 0.85:
        return "blurred" if rep.edge_detail <= 0.92 else "denoised"
    # a remainder as large as the operation's own error, spread like noise (not following the
    # picture's detail, as a sharpen or blur does), on top of the same grain: grain added
    ratio = rep.residual / max(rep.operation_error, 0.5)
    if rep.detail >= 1.15 or (ratio >= 0.6 and -0.3 < rep.sharpen < 0.1 and rep.detail >= 0.97):
        return "grain-added"
    return None


def overlay_kind(ev: Evidence) -> str | None:
    """What was put over the picture, from where and how the reproduction's changes lie."""
    rep = ev.reproduction
    # only when the rest of the picture is made again (most windows unchanged): otherwise the
    # "areas" are where a change of the whole picture shows most
    if rep is None or rep.parts == 0 or rep.level >= 2.0:
        return None
    see = rep.see_through if rep.see_through is not None else 0.0
    if rep.placement == "corner":
        return "watermark-corner"
    if rep.placement == "bands" and rep.parts >= 2:
        return "text-overlay"  # caption or meme text along the top and bottom
    if rep.placement == "spread" and rep.parts >= 4:
        return "watermark-tiled" if see >= 0.3 else "text-overlay"
    if rep.placement == "centre" and see < 0.3 and rep.changed_share >= 0.005:
        return "sticker"
    return None


def _metadata_reasons(ev: Evidence) -> tuple[list[str], bool]:
    """Reason codes of what the metadata says, and whether the clock says "another exposure"."""
    md = ev.metadata
    reasons: list[str] = []
    another = (md.seconds_apart is not None and md.seconds_apart >= md.time_precision
               and not md.clock_shift)
    if md.same_camera is False:
        reasons.append("different-camera")
    if md.clock_shift:
        reasons.append("clock-shift")
    if another:
        reasons.append("different-capture-time")
    return reasons, another


def _by_clock(ev: Evidence, reasons: list[str]) -> Decision:
    """Two exposures (or the pixels cannot tell): the capture times say burst or not."""
    md = ev.metadata
    if md.same_camera is not False and md.seconds_apart is not None \
            and md.seconds_apart <= BURST_SECONDS and "different-capture-time" in reasons:
        return Decision(Verdict.BURST, [*reasons, "burst-interval"])
    return Decision(Verdict.SIMILAR, reasons)


def decide(ev: Evidence) -> Decision:
    if ev.bytes_equal:
        return Decision(Verdict.IDENTICAL, ["bytes-equal"])
    if ev.pixels_equal:
        return Decision(Verdict.SAME_PIXELS, ["pixels-equal"])
    md = ev.metadata
    meta, another_exposure = _metadata_reasons(ev)
    if not ev.decoded or ev.difference is None:
        if another_exposure:
            return _by_clock(ev, meta)
        return Decision(Verdict.SIMILAR, [*meta, "pixels-not-compared"])

    g, d = ev.geometry, ev.difference
    if ev.a.flat and ev.b.flat:
        return Decision(Verdict.SIMILAR, [*meta, "both-blank"])
    if g.relation == "unaligned" and exposures(ev) != "one":
        why = "viewpoint-differs" if g.warp >= 2.0 and g.match >= 0.9 else "no-alignment"
        return Decision(Verdict.SIMILAR, [*meta, why])
    if g.relation == "shifted":
        # the whole picture moved inside an unchanged frame: the camera moved between shots
        if another_exposure:
            return _by_clock(ev, [*meta, "camera-moved"])
        reasons = [*meta, "camera-moved"]
        if md.same_camera is False or md.clock_shift:
            return Decision(Verdict.SIMILAR, reasons)
        return Decision(Verdict.BURST, reasons)

    shots = exposures(ev)
    if shots == "two":
        # independent sensor noise across the frame: another exposure, whatever else differs
        reasons = [*meta, "independent-grain"]
        if md.same_camera is False or md.clock_shift or (
                md.seconds_apart is not None and md.seconds_apart > BURST_SECONDS):
            return Decision(Verdict.SIMILAR, reasons)
        return Decision(Verdict.BURST, reasons)
    rep = ev.reproduction
    if shots != "one" and rep is not None and rep.structure < SAME_SCENE:
        # the fine structure of the scene differs in most of the frame: another picture
        return Decision(Verdict.SIMILAR, [*meta, "different-detail"])
    if shots == "unknown" and (another_exposure or md.same_camera is False):
        # the pixels cannot tell one exposure from two: the metadata decides, to be safe
        return _by_clock(ev, meta)
    reasons = []
    if shots == "one":
        reasons.append("same-exposure")
        # the pixels show one exposure: a metadata difference is a conflict, not a verdict
        if another_exposure or md.clock_shift:
            reasons.append("dates-disagree")
        if md.same_camera is False:
            reasons.append("cameras-disagree")

    edits: list[str] = []
    if g.transform != "none":
        edits.append("rotated-or-mirrored")
    if g.relation == "cropped":
        edits.append("cropped")
    if g.relation == "stretched":
        edits.append("stretched")
    if ev.a.grey is not None and ev.b.grey is not None and ev.a.grey != ev.b.grey:
        edits.append("colour-removed" if ev.b.grey else "colour-added")
    # with a reproduction, a tone change must show everywhere (most windows off), not only
    # where something was put over the picture
    if d.tone_shift >= TONE_SHIFT and (rep is None or rep.proved or rep.level >= 2.0):
        edits.append("tone-changed")
    overlay = overlay_kind(ev) if shots == "one" else None
    if overlay:
        edits = [e for e in edits if e != "colour-added"]
        edits.append(overlay)
    elif d.pattern == "concentrated":
        edits.append("local-change")
    kind = filter_kind(ev)
    if kind == "vignette" and set(edits) <= {"tone-changed", "local-change"}:
        edits = []  # the corners darkened: what the tone curve and change map saw
    if rep is not None and not rep.proved and not edits:
        if kind:
            edits.append(f"filter-{kind}")
        elif rep.local:
            edits.append("local-change")
        elif shots == "one":
            edits.append("unidentified-change")

    if d.pattern == "widespread" and shots != "one" and not overlay:
        # Differences throughout, even after the best tone curve, and the grain does not show
        # one exposure: not explained as an edit of the same picture.
        return Decision(Verdict.SIMILAR, [*meta, *edits, "widespread-change"])
    if edits:
        if shots == "one" or (g.match >= SAME_PICTURE_MATCH and md.same_camera is not False):
            return Decision(Verdict.EDITED, [*reasons, *edits])
        return Decision(Verdict.SIMILAR, [*meta, *edits, "weak-match"])
    if rep is not None and rep.proved and g.match >= SAME_PICTURE_MATCH:
        kind = "resized" if g.relation == "resized" else "re-encoded"
        return Decision(Verdict.DERIVATIVE, [*reasons, kind, "reproduced"])
    # nothing measured, and nothing proven: never "nothing was changed"
    return Decision(Verdict.SIMILAR, [*meta, "not-proven"])
