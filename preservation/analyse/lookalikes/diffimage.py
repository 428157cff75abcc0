"""The difference picture: two files side by side, a heat map of where they differ, the facts.

Layout (a PNG, default width ~1600 px): ``a`` on the left and ``b`` on the right at one common
height; under them the heat map (``a``'s picture in grey with the difference in colour, the
regions of change outlined); under that the verdict, the sentence and the key evidence as
text. Evidence packages embed it (:func:`diff_png` returns the image); printed reports lay the
two pictures out themselves and draw their map with the same :func:`heat_map`, in grey.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import imaging
from .evidence import Evidence
from .pair import PairResult, compare_files

PANEL = 760  # width of each picture panel
MARGIN = 16
TEXT = (20, 20, 20)
BACKGROUND = (250, 250, 248)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def _fit(im: Image.Image, width: int, height: int) -> Image.Image:
    scale = min(width / im.width, height / im.height)
    return im.resize((max(1, round(im.width * scale)), max(1, round(im.height * scale))),
                     Image.Resampling.LANCZOS)


#: Differences up to this many levels (of 255) are compression noise: drawn as "the same".
NOISE_LEVEL = 6.0
#: Weight of a change of colour (at equal brightness: white balance, black and white) against a
#: change of brightness; below 1 so that the colour noise of re-compression stays below the floor.
CHROMA_WEIGHT = 0.75

_TRANSPOSE = {
    "rotate-90": Image.Transpose.ROTATE_90, "rotate-180": Image.Transpose.ROTATE_180,
    "rotate-270": Image.Transpose.ROTATE_270, "mirror": Image.Transpose.FLIP_LEFT_RIGHT,
    "flip": Image.Transpose.FLIP_TOP_BOTTOM, "transpose": Image.Transpose.TRANSPOSE,
    "transverse": Image.Transpose.TRANSVERSE,
}


def _on_one_frame(a: Image.Image, b: Image.Image, ev: Evidence) -> tuple[Any, Any, float, float, float]:
    """a and b as two arrays of one size, b placed on a as the evidence's geometry says (turned
    or mirrored, the shared part of a crop, shifted, at the smaller one's scale), and the mapping
    from a's full-resolution pixels to the arrays' (scale ``k``, then minus ``(ox, oy)``)."""
    g = ev.geometry
    if g.transform in _TRANSPOSE:
        b = b.transpose(_TRANSPOSE[g.transform])
    k = a.width / max(1, ev.a.width or a.width)  # a's working pixels per full-resolution pixel
    box_a = (0.0, 0.0, float(a.width), float(a.height))  # the parts that show the same scene
    box_b = (0.0, 0.0, float(b.width), float(b.height))
    c = g.crop if g.relation == "cropped" else None
    if c and c.get("of") == "a":  # b shows part of a
        box_a = (c["x"] * k, c["y"] * k, (c["x"] + c["width"]) * k, (c["y"] + c["height"]) * k)
    elif c:  # a shows part of b
        full_b = ev.b.width or b.width
        if g.transform in ("rotate-90", "rotate-270", "transpose", "transverse"):
            full_b = ev.b.height or b.width
        kb = b.width / max(1, full_b)  # b's working pixels per full-resolution pixel of b
        box_b = (c["x"] * kb, c["y"] * kb, (c["x"] + c["width"]) * kb, (c["y"] + c["height"]) * kb)
    wa, ha = box_a[2] - box_a[0], box_a[3] - box_a[1]
    wb = box_b[2] - box_b[0]
    s = min(1.0, wb / wa) if wa > 0 else 1.0  # compared at the smaller one's scale
    size = (max(1, round(wa * s)), max(1, round(ha * s)))
    # resampled from sub-pixel boxes, so that a crop's rounding does not outline every edge
    fa = imaging.to_array(imaging.rgb8(a).resize(size, Image.Resampling.BOX, box=box_a))
    fb = imaging.to_array(imaging.rgb8(b).resize(
        size, Image.Resampling.BOX if wb >= size[0] else Image.Resampling.BILINEAR, box=box_b))
    s = size[0] / wa if wa > 0 else 1.0
    k, ox, oy = k * s, box_a[0] * s, box_a[1] * s
    if g.relation == "shifted" and g.shift:
        dx, dy = round(g.shift[0] * k), round(g.shift[1] * k)
        h, w = fa.shape[:2]
        if abs(dx) < w // 2 and abs(dy) < h // 2:
            xa0, ya0, xb0, yb0 = max(0, -dx), max(0, -dy), max(0, dx), max(0, dy)
            ww, hh = w - abs(dx), h - abs(dy)
            fa, fb = fa[ya0:ya0 + hh, xa0:xa0 + ww], fb[yb0:yb0 + hh, xb0:xb0 + ww]
            ox, oy = ox + xa0, oy + ya0
    return fa, fb, k, ox, oy


def heat_map(a: Image.Image, b: Image.Image, ev: Evidence, *, grey: bool = False) -> Image.Image:
    """Where ``b`` differs from ``a``, drawn over a faint copy of ``a``; the regions of change the
    evidence measured are boxed. The one heat map: :func:`diff_png` and the printed reports use it.

    ``a`` and ``b`` are the two pictures upright, at any working size (the evidence's geometry is
    in full-resolution pixels); the map has the size of the part of ``a`` they share (or of the
    smaller picture). Differences within compression noise count as none. ``grey=False``: ``a`` in
    grey, the difference in colour (blue a little, red a lot), boxes in magenta, for a screen;
    ``grey=True``: white where the two agree, darker the more they differ, boxes in black, so
    that it prints on any printer.
    """
    from scipy import ndimage

    fa, fb, k, ox, oy = _on_one_frame(a, b, ev)
    la = imaging.luminance(fa)
    d = fb - fa
    dl = imaging.luminance(d)  # the change of brightness (luminance is linear)
    chroma = np.maximum(np.maximum(np.abs(d[..., 0] - dl), np.abs(d[..., 1] - dl)), np.abs(d[..., 2] - dl))
    diff = ndimage.gaussian_filter(np.maximum(np.abs(dl), CHROMA_WEIGHT * chroma), 1.0)
    level = np.clip((diff - NOISE_LEVEL) / 40.0, 0.0, 1.0)
    np.power(level, 0.7, out=level)
    if grey:
        out = Image.fromarray(np.clip((200.0 + la * (45.0 / 255.0)) * (1.0 - level), 0, 255)
                              .astype(np.uint8), "L")
        box: Any = 0
    else:
        base = la[..., None] * 0.55 + 255 * 0.2
        colour = np.stack([255 * np.clip(2 * level, 0, 1), 255 * np.clip(2 - 2 * level, 0, 1) * level,
                           255 * (1 - level)], axis=2)
        alpha = np.clip(level * 1.5, 0, 0.85)[..., None]
        out = Image.fromarray(np.clip(base * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8))
        box = (255, 0, 160)
    if ev.difference is not None and ev.difference.regions:
        draw = ImageDraw.Draw(out)
        pad, width = (2, 2) if grey else (2, 3)
        for r in ev.difference.regions[:5]:
            x0, y0 = r["x"] * k - ox, r["y"] * k - oy
            x1, y1 = x0 + r["width"] * k, y0 + r["height"] * k
            if x1 < 0 or y1 < 0 or x0 > out.width or y0 > out.height:
                continue
            draw.rectangle((max(0, x0 - pad), max(0, y0 - pad), min(out.width - 1, x1 + pad),
                            min(out.height - 1, y1 + pad)), outline=box, width=width)
    return out


def _facts(res: PairResult, name_a: str, name_b: str) -> list[str]:
    ev = res.evidence
    out = [f"Verdict: {res.verdict}. {res.explanation}"]
    out.append(f"Left (a): {name_a} - {ev.a.width}x{ev.a.height} {ev.a.format or ''}, "
               f"{(ev.a.bytes or 0):,} bytes")
    out.append(f"Right (b): {name_b} - {ev.b.width}x{ev.b.height} {ev.b.format or ''}, "
               f"{(ev.b.bytes or 0):,} bytes")
    bits = [f"same bytes: {'yes' if ev.bytes_equal else 'no'}",
            f"same pixels: {'yes' if ev.pixels_equal else ('no' if ev.pixels_equal is False else 'not compared')}"]
    if ev.hash_distances:
        bits.append("fingerprint distances " + ", ".join(f"{k} {v}" for k, v in ev.hash_distances.items()))
    out.append("; ".join(bits))
    g, d = ev.geometry, ev.difference
    if ev.decoded and not ev.pixels_equal:
        geo = f"geometry: {g.relation}"
        if g.transform != "none":
            geo += f", {g.transform}"
        if g.crop:
            geo += (f", b shows {g.crop['width']}x{g.crop['height']} of {g.crop['of']} "
                    f"at ({g.crop['x']}, {g.crop['y']})")
        if g.shift:
            geo += f", content moved by ({g.shift[0]:.0f}, {g.shift[1]:.0f}) px"
        if g.scale:
            geo += f", scale {g.scale:.3f}"
        out.append(geo + f"; alignment match {g.match:.3f}")
    if d is not None:
        out.append(f"difference: PSNR {d.psnr:.1f} dB, SSIM {d.ssim:.3f}, pattern {d.pattern}, "
                   f"{d.changed_share:.2%} of pixels changed beyond noise, tone shift "
                   f"{d.tone_shift:.1f} levels (brightness {d.brightness:+.1f})")
    md = ev.metadata
    if md.capture_a or md.capture_b:
        t = f"captured: a {md.capture_a or 'unknown'}, b {md.capture_b or 'unknown'}"
        if md.seconds_apart is not None:
            t += f" ({md.seconds_apart:g} s apart)"
        out.append(t)
    if md.camera_a or md.camera_b:
        out.append(f"camera: a {md.camera_a or 'unknown'}, b {md.camera_b or 'unknown'}")
    if md.differences:
        out.append("metadata that differs: " + ", ".join(sorted(md.differences)))
    if ev.problem:
        out.append(f"problem: {ev.problem}")
    return out


def _wrap(text: str, font: Any, width: int, draw: ImageDraw.ImageDraw) -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        trial = f"{line} {w}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    return lines


def diff_png(path_a: str | bytes | os.PathLike[str], path_b: str | bytes | os.PathLike[str],
             result: PairResult | None = None, *,
             names: tuple[str, str] | None = None) -> tuple[Image.Image, PairResult]:
    """The difference picture for two files (compares them unless ``result`` is given).
    ``names``: how to name the files in the picture (default: their paths)."""
    from .pixels import LoadError, load

    res = result if result is not None else compare_files(path_a, path_b)
    ev = res.evidence
    name_a, name_b = names or (os.fsdecode(path_a), os.fsdecode(path_b))
    ia: Image.Image | None
    ib: Image.Image | None
    try:
        ia = load(path_a, min_side=2 * PANEL).decoded.image
        ib = load(path_b, min_side=2 * PANEL).decoded.image
    except LoadError:
        ia = ib = None
    height = PANEL * 3 // 4
    title_font, body_font = _font(22), _font(17)
    scratch = ImageDraw.Draw(Image.new("RGB", (10, 10)))
    lines: list[str] = []
    for fact in _facts(res, name_a, name_b):
        lines.extend(_wrap(fact, body_font, 2 * PANEL + MARGIN, scratch))
    text_h = 26 * len(lines) + 2 * MARGIN
    width = 2 * PANEL + 3 * MARGIN
    pictures_h = 0
    if ia is not None and ib is not None:
        pa = _fit(imaging.rgb8(ia), PANEL, height)
        pb = _fit(imaging.rgb8(ib), PANEL, height)
        heat = _fit(heat_map(pa, pb, ev), *pa.size)
        pictures_h = MARGIN + max(pa.height, pb.height) + 30 + MARGIN + heat.height + 30
    canvas = Image.new("RGB", (width, pictures_h + text_h + MARGIN), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    y = MARGIN
    if ia is not None and ib is not None:
        draw.text((MARGIN, y), "a: " + os.path.basename(name_a), fill=TEXT, font=title_font)
        draw.text((2 * MARGIN + PANEL, y), "b: " + os.path.basename(name_b), fill=TEXT, font=title_font)
        y += 30
        canvas.paste(pa, (MARGIN + (PANEL - pa.width) // 2, y))
        canvas.paste(pb, (2 * MARGIN + PANEL + (PANEL - pb.width) // 2, y))
        y += max(pa.height, pb.height) + MARGIN
        draw.text((MARGIN, y), "Where they differ (grey: the same; blue to red: more and more different; boxes: changed areas)",
                  fill=TEXT, font=title_font)
        y += 30
        canvas.paste(heat, (MARGIN + (PANEL - heat.width) // 2, y))
        y += heat.height + MARGIN
    for line in lines:
        draw.text((MARGIN, y), line, fill=TEXT, font=body_font)
        y += 26
    return canvas, res


def write_diff_png(path_a: str | bytes | os.PathLike[str], path_b: str | bytes | os.PathLike[str],
                   out: str | os.PathLike[str], result: PairResult | None = None) -> PairResult:
    """Write the difference picture of two files to ``out`` (PNG); return the comparison."""
    image, res = diff_png(path_a, path_b, result)
    image.save(out, "PNG", optimize=True)
    return res
