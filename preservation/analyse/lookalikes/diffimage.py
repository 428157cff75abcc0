"""The difference picture: two files side by side, a heat map of where they differ, the facts.

Layout (a PNG, default width ~1600 px): ``a`` on the left and ``b`` on the right at one common
height; under them the heat map (``a``'s picture in grey with the difference in colour, the
regions of change outlined); under that the verdict, the sentence and the key evidence as
text. Reports and evidence packages embed it (:func:`diff_png` returns the image).
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


def _heat(a: Image.Image, b: Image.Image, ev: Evidence, size: tuple[int, int]) -> Image.Image:
    """a's picture in grey, the difference to b in colour (blue low, red high), changes boxed."""
    w, h = size
    ga = imaging.to_array(imaging.rgb8(a).resize((w, h), Image.Resampling.LANCZOS))
    gb = imaging.to_array(imaging.rgb8(b).resize((w, h), Image.Resampling.LANCZOS))
    diff = np.abs(ga - gb).max(axis=2)
    from scipy import ndimage

    diff = ndimage.gaussian_filter(diff, 1.0)
    level = np.clip(diff / 64.0, 0, 1)
    grey = imaging.luminance(ga)[..., None] * 0.55 + 255 * 0.2
    colour = np.stack([255 * np.clip(2 * level, 0, 1), 255 * np.clip(2 - 2 * level, 0, 1) * level,
                       255 * (1 - level)], axis=2)
    alpha = np.clip(level * 1.5, 0, 0.85)[..., None]
    out = Image.fromarray(np.clip(grey * (1 - alpha) + colour * alpha, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(out)
    d = ev.difference
    if d is not None and ev.a.width:
        k = w / ev.a.width
        for r in d.regions:
            x0, y0 = r["x"] * k, r["y"] * k
            draw.rectangle((x0 - 2, y0 - 2, x0 + r["width"] * k + 2, y0 + r["height"] * k + 2),
                           outline=(255, 0, 160), width=3)
    return out


def _aligned_b(b: Image.Image, ev: Evidence, a_size: tuple[int, int]) -> Image.Image:
    """b brought onto a's frame where the geometry allows (crop of a, or a resize)."""
    g = ev.geometry
    if g.transform != "none":
        ops = {"rotate-90": Image.Transpose.ROTATE_90, "rotate-180": Image.Transpose.ROTATE_180,
               "rotate-270": Image.Transpose.ROTATE_270, "mirror": Image.Transpose.FLIP_LEFT_RIGHT,
               "flip": Image.Transpose.FLIP_TOP_BOTTOM, "transpose": Image.Transpose.TRANSPOSE,
               "transverse": Image.Transpose.TRANSVERSE}
        if g.transform in ops:
            b = b.transpose(ops[g.transform])
    if g.relation == "cropped" and g.crop and g.crop.get("of") == "a" and ev.a.width:
        # paste b where it sits in a's frame, on a neutral background
        k = a_size[0] / ev.a.width
        canvas = Image.new("RGB", a_size, (128, 128, 128))
        c = g.crop
        piece = imaging.rgb8(b).resize((max(1, round(c["width"] * k)), max(1, round(c["height"] * k))),
                                       Image.Resampling.LANCZOS)
        canvas.paste(piece, (round(c["x"] * k), round(c["y"] * k)))
        return canvas
    return b


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
             result: PairResult | None = None) -> tuple[Image.Image, PairResult]:
    """The difference picture for two files (compares them unless ``result`` is given)."""
    from .pixels import LoadError, load

    res = result if result is not None else compare_files(path_a, path_b)
    ev = res.evidence
    name_a, name_b = os.fsdecode(path_a), os.fsdecode(path_b)
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
        heat_src_b = _aligned_b(ib, ev, ia.size)
        heat = _heat(ia, heat_src_b, ev, pa.size)
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
        draw.text((MARGIN, y), "Where they differ (blue: alike, red: different; boxes: changed areas)",
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
