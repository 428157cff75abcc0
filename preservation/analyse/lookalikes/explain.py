"""One plain-language sentence per pair, built only from the evidence and the verdict.

Written for a patron at a library walk-in desk: no jargon beyond what the evidence needs, the
most important fact first, and always clear whether the two files are the same photograph.
``a`` is the reference (likely original); "this copy" is ``b``.
"""

from __future__ import annotations

from preservation.vocabulary import Verdict

from .evidence import Evidence
from .verdict import Decision

_FORMAT_NAMES = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "heic": "HEIC", "heif": "HEIF",
                 "tiff": "TIFF", "gif": "GIF", "bmp": "BMP", "avif": "AVIF", "mpo": "MPO"}


def duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds:.2f} s".replace(".00 s", " s")
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.0f} hours"
    if seconds < 60 * 86400:
        return f"{seconds / 86400:.0f} days"
    return f"{seconds / (365.25 * 86400):.1f} years".replace(".0 years", " years")


def where(x: float, y: float, w: float, h: float, width: float, height: float) -> str:
    """'near the lower left' style position of a box's centre in a width x height frame."""
    cx, cy = (x + w / 2) / max(width, 1), (y + h / 2) / max(height, 1)
    col = 0 if cx < 1 / 3 else (2 if cx > 2 / 3 else 1)
    row = 0 if cy < 1 / 3 else (2 if cy > 2 / 3 else 1)
    names = [["upper left", "top", "upper right"],
             ["left", "centre", "right"],
             ["lower left", "bottom", "lower right"]]
    return f"near the {names[row][col]}" if (row, col) != (1, 1) else "in the centre"


def _fmt(name: str | None) -> str:
    return _FORMAT_NAMES.get(name or "", (name or "another format").upper())


def _lost(ev: Evidence) -> str:
    lost = ev.metadata.lost_in_b
    if not lost:
        return ""
    kinds = ", ".join(lost)
    return f"this copy has lost its camera metadata ({kinds})" if any(
        k in ("capture date", "camera model") for k in lost) else f"this copy has lost its {kinds}"


def _size(w: int | None, h: int | None) -> str:
    return f"{w}x{h}" if w and h else "?"


def _edits(ev: Evidence, reasons: list[str]) -> list[str]:
    g, d = ev.geometry, ev.difference
    out: list[str] = []
    if "rotated-or-mirrored" in reasons:
        out.append({"mirror": "mirrored left to right", "flip": "flipped upside down",
                    "rotate-180": "turned upside down (rotated 180°)",
                    "rotate-90": "rotated a quarter turn", "rotate-270": "rotated a quarter turn",
                    }.get(g.transform, "rotated and mirrored"))
    if "cropped" in reasons and g.crop:
        c = g.crop
        part = f"{c['width']}x{c['height']}"
        share = c.get("share") or 0
        if c["of"] == "a":
            out.append(f"cropped to {part} pixels ({share:.0%} of the area)")
        else:
            out.append(f"showing more of the scene (the reference is a {share:.0%} crop of it)")
    if "stretched" in reasons:
        out.append("stretched to another shape")
    if "colour-removed" in reasons:
        out.append("converted to black and white")
    if "colour-added" in reasons:
        out.append("coloured (the reference is black and white)")
    if "tone-changed" in reasons and d is not None:
        if abs(d.brightness) >= 4:
            out.append("made brighter" if d.brightness > 0 else "made darker")
        elif abs(d.contrast - 1) >= 0.08:
            out.append("with more contrast" if d.contrast > 1 else "with less contrast")
        else:
            out.append("with its colours changed")
    if "local-change" in reasons and d is not None and d.regions:
        r = d.regions[0]
        w, h = ev.a.width or 0, ev.a.height or 0
        text = (f"with a {r['width']}x{r['height']} pixel area changed "
                f"{where(r['x'], r['y'], r['width'], r['height'], w, h)}")
        if len(d.regions) > 1:
            more = len(d.regions) - 1
            text += f" (and {more} smaller area{'s' if more > 1 else ''})"
        out.append(text)
    return out


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def sentence(ev: Evidence, decision: Decision) -> str:
    v, reasons = decision.verdict, decision.reasons
    md = ev.metadata
    lost = _lost(ev)
    if v == Verdict.IDENTICAL:
        return "Exact copy: the same bytes."
    if v == Verdict.SAME_PIXELS:
        if lost:
            return f"Same picture; {lost}."
        if ev.a.format and ev.b.format and ev.a.format != ev.b.format:
            return f"Same picture, identical pixels, stored as {_fmt(ev.b.format)} instead of {_fmt(ev.a.format)}."
        if "Orientation" in md.differences:
            return "Same picture, identical pixels; one file is stored turned and set upright by its orientation tag."
        if md.differences:
            fields = ", ".join(sorted(md.differences)[:3])
            return f"Same picture, identical pixels; only the metadata differs ({fields})."
        return "Same picture, identical pixels; only the way the file is stored differs."
    if v == Verdict.DERIVATIVE:
        d = ev.difference
        q = f" (PSNR {d.psnr:.0f} dB)" if d else ""
        if "resized" in reasons:
            base = (f"Same picture reduced from {_size(ev.a.width, ev.a.height)} to "
                    f"{_size(ev.b.width, ev.b.height)}" if (ev.b.width or 0) < (ev.a.width or 0)
                    else f"Same picture enlarged from {_size(ev.a.width, ev.a.height)} to "
                         f"{_size(ev.b.width, ev.b.height)}")
        elif ev.a.format and ev.b.format and ev.a.format != ev.b.format:
            base = f"Same picture converted to {_fmt(ev.b.format)}, with only compression differences{q}"
        else:
            base = f"Same picture saved again, with only compression differences{q}"
        return f"{base}; {lost}." if lost else f"{base}; nothing in it was changed."
    if v == Verdict.EDITED:
        edits = _edits(ev, reasons)
        text = "Same picture " + (_join(edits) if edits else "with deliberate changes")
        return f"{text}; {lost}." if lost else f"{text}."
    if v == Verdict.BURST:
        cam = " with the same camera" if md.same_camera else ""
        if "burst-interval" in reasons and md.seconds_apart is not None:
            return f"Taken {duration(md.seconds_apart)} apart{cam}: a different photograph."
        g = ev.geometry
        moved = ""
        if g.shift:
            moved = f" by {abs(g.shift[0]):.0f}x{abs(g.shift[1]):.0f} pixels"
        return (f"The camera moved{moved} between the two: a different photograph taken moments "
                "apart.")
    # similar
    if "different-capture-time" in reasons and md.seconds_apart is not None:
        if "different-camera" in reasons:
            return (f"Taken {duration(md.seconds_apart)} apart with different cameras "
                    f"({md.camera_a} and {md.camera_b}): a different photograph.")
        return f"Taken {duration(md.seconds_apart)} apart: a different photograph of a similar scene."
    if "clock-shift" in reasons and md.seconds_apart is not None:
        return (f"Looks like the same picture, but the capture times differ by exactly "
                f"{duration(md.seconds_apart)} (a camera clock or time-zone change?); kept apart "
                "to be safe.")
    if "different-camera" in reasons:
        return (f"Taken with different cameras ({md.camera_a} and {md.camera_b}): a different "
                "photograph that looks alike.")
    if "pixels-not-compared" in reasons:
        return f"The fingerprints are close, but the pictures could not be compared ({ev.problem or 'unreadable'})."
    if "both-blank" in reasons:
        return ("Both pictures are nearly blank (a black frame, an empty page): looking alike "
                "says nothing about them; kept apart.")
    if "viewpoint-differs" in reasons:
        return (f"The same scene, but parts of the picture are out of place by up to "
                f"{ev.geometry.warp:.0f} pixels: photographed again from a slightly different "
                "viewpoint, a different photograph.")
    if "no-alignment" in reasons:
        return "The fingerprints are close, but the pictures do not line up: different photographs that look alike."
    d = ev.difference
    if "widespread-change" in reasons and d is not None:
        return (f"Similar scene, but the pictures differ throughout (similarity {d.ssim:.2f}): "
                "probably a different photograph.")
    if d is not None:
        return (f"Looks alike, but differs more than saving again would explain (similarity "
                f"{d.ssim:.2f}); how the two are related is unclear.")
    return "The fingerprints are close; how the two are related is unclear."
