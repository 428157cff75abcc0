"""Framings of a real photograph, made in code: what platforms collapse as duplicates.

``FRAMINGS`` maps a kind to a function ``(photo, rng) -> framed picture``. Every kind of the
look-alike issue is here: mirror image, quarter and half turns, crops to other aspect ratios
(down to 40 % of the area), letterbox and padding bars, a phone screenshot (status bar and
navigation bar around the photo), a desktop screenshot (the photo in a window on a desktop),
a caption band, meme text over the photo, and a straightened photo (turned a few degrees and
cropped to its largest upright rectangle). Each is written from the original's side: the
function is applied to the original, and its name says what was done.

Used by the tests of the candidate search and by :func:`framing_pairs` (the labelled set).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw

from preservation.vocabulary import Verdict

from .pairs import EvalPair, _Ctx, _pair, encode, font

Framer = Callable[[Image.Image, np.random.Generator], Image.Image]
T = Image.Transpose


def mirror(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    return im.transpose(T.FLIP_LEFT_RIGHT)


def rotate90(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    return im.transpose(T.ROTATE_90)


def rotate180(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    return im.transpose(T.ROTATE_180)


def rotate270(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    return im.transpose(T.ROTATE_270)


def crop(aspect: float, area: float) -> Framer:
    """A crop to ``aspect`` (width / height) keeping ``area`` of the picture, placed at random."""
    def run(im: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = im.size
        cw = math.sqrt(area * w * h * aspect)
        ch = cw / aspect
        if cw > w:
            cw, ch = w, w / aspect
        if ch > h:
            ch, cw = h, h * aspect
        x = float(rng.uniform(0, w - cw))
        y = float(rng.uniform(0, h - ch))
        return im.crop((round(x), round(y), round(x + cw), round(y + ch)))
    return run


def bars(aspect: float, colour: tuple[int, int, int]) -> Framer:
    """The whole picture fitted into a frame of ``aspect`` with uniform bars (letterbox, padding)."""
    def run(im: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = im.size
        fw, fh = (max(w, round(h * aspect)), h) if w / h < aspect else (w, max(h, round(w / aspect)))
        canvas = Image.new("RGB", (fw, fh), colour)
        canvas.paste(im, ((fw - w) // 2, (fh - h) // 2))
        return canvas
    return run


def phone_screenshot(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The photo shown full-width on a phone (9:19.5 screen), status bar and navigation bar."""
    sw = max(360, im.width)
    sh = round(sw * 19.5 / 9)
    screen = Image.new("RGB", (sw, sh), (0, 0, 0))
    shown = im.resize((sw, round(im.height * sw / im.width)), Image.Resampling.LANCZOS)
    screen.paste(shown, (0, (sh - shown.height) // 2))
    d = ImageDraw.Draw(screen)
    bar = round(sw * 0.07)
    size = max(10, bar // 2)
    d.text((round(sw * 0.06), bar // 4), "9:41", fill=(255, 255, 255), font=font(size))
    x = sw - round(sw * 0.06)
    d.rectangle((x - 2 * size, bar // 4, x, bar // 4 + size), outline=(255, 255, 255), width=2)
    d.rectangle((x - 2 * size + 3, bar // 4 + 3, x - size // 2, bar // 4 + size - 3), fill=(255, 255, 255))
    for i in range(4):  # signal bars
        bx = x - 3 * size - (4 - i) * (size // 3)
        d.rectangle((bx, bar // 4 + size - (i + 1) * size // 4, bx + size // 5, bar // 4 + size),
                    fill=(255, 255, 255))
    nav = sh - round(sw * 0.05)
    d.rounded_rectangle((sw // 2 - sw // 6, nav, sw // 2 + sw // 6, nav + max(4, sw // 90)),
                        radius=3, fill=(230, 230, 230))
    return screen


def desktop_screenshot(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The photo in an image viewer's window on a desktop with a wallpaper and a task bar."""
    ww, wh = im.width + 16, im.height + 56
    dw, dh = round(ww * 1.5), round(wh * 1.35)
    y, x = np.mgrid[0:dh, 0:dw].astype(np.float32)
    wall = np.stack([40 + 60 * x / dw, 70 + 50 * y / dh, 120 + 40 * (x + y) / (dw + dh)], axis=2)
    desk = Image.fromarray(np.clip(wall, 0, 255).astype(np.uint8))
    d = ImageDraw.Draw(desk)
    d.rectangle((0, dh - 40, dw, dh), fill=(32, 32, 36))  # task bar
    for i in range(5):
        d.rounded_rectangle((12 + i * 44, dh - 34, 40 + i * 44, dh - 6), radius=4, fill=(90 + 25 * i, 110, 150))
    ox = int(rng.integers(10, max(11, dw - ww - 10)))
    oy = int(rng.integers(10, max(11, dh - 40 - wh - 10)))
    d.rectangle((ox, oy, ox + ww, oy + wh), fill=(236, 236, 236), outline=(120, 120, 120))
    d.text((ox + 12, oy + 8), "IMG_2041.jpg - Photos", fill=(20, 20, 20), font=font(14))
    for i, c in enumerate(((237, 106, 94), (245, 191, 79), (98, 197, 84))):
        d.ellipse((ox + ww - 70 + 20 * i, oy + 10, ox + ww - 58 + 20 * i, oy + 22), fill=c)
    d.rectangle((ox + 8, oy + 34, ox + ww - 8, oy + 48), fill=(220, 220, 220))  # tool bar
    desk.paste(im, (ox + 8, oy + 48))
    return desk


def caption_band(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A white band under the photo with a line of text, as shared on social media."""
    band = max(24, im.height // 6)
    out = Image.new("RGB", (im.width, im.height + band), (255, 255, 255))
    out.paste(im, (0, 0))
    ImageDraw.Draw(out).text((im.width // 20, im.height + band // 4), "Summer 2019, the day we met",
                             fill=(20, 20, 20), font=font(max(10, band // 2)))
    return out


def meme_text(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Bold white text with a black outline at the top and bottom of the photo."""
    out = im.copy()
    d = ImageDraw.Draw(out)
    size = max(12, im.height // 9)
    f = font(size)
    for text, y in (("WHEN THE COFFEE", im.height // 30), ("FINALLY KICKS IN", im.height - size - im.height // 20)):
        d.text((im.width // 2, y), text, fill=(255, 255, 255), font=f, anchor="ma",
               stroke_width=max(2, size // 12), stroke_fill=(0, 0, 0))
    return out


def straighten(degrees: float) -> Framer:
    """Turned by ``degrees`` and cropped to the largest upright rectangle of the same aspect."""
    def run(im: Image.Image, rng: np.random.Generator) -> Image.Image:
        w, h = im.size
        turned = im.rotate(degrees, resample=Image.Resampling.BICUBIC)
        a = math.radians(abs(degrees))
        # largest axis-aligned rectangle of aspect w:h inside the turned w x h frame
        scale = 1 / (math.cos(a) + math.sin(a) * max(w / h, h / w))
        cw, ch = w * scale, h * scale
        box = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
        left, top, right, bottom = (round(v) for v in box)
        return turned.crop((left, top, right, bottom)).resize((w, h), Image.Resampling.LANCZOS)
    return run


#: Every framing kind of the look-alike issue, by name.
FRAMINGS: dict[str, Framer] = {
    "mirror": mirror,
    "rotate-90": rotate90,
    "rotate-180": rotate180,
    "rotate-270": rotate270,
    "crop-square": crop(1.0, 0.6),
    "crop-4x5": crop(4 / 5, 0.5),
    "crop-16x9": crop(16 / 9, 0.55),
    "crop-40pct": crop(4 / 3, 0.40),
    "letterbox": bars(16 / 9, (0, 0, 0)),
    "padding-white": bars(4 / 5, (255, 255, 255)),
    "phone-screenshot": phone_screenshot,
    "desktop-screenshot": desktop_screenshot,
    "caption-band": caption_band,
    "meme-text": meme_text,
    "straighten-3deg": straighten(3.0),
}


def framing_pairs(ctx: _Ctx) -> list[EvalPair]:
    """The labelled framing pairs of one photo: every kind above, each ``edited`` (a framing
    is a deliberate change), each noted with what was done from the original's side."""
    dec = ctx.decoded()
    rng = np.random.default_rng(int(ctx.rng.integers(0, 2**31)))
    out = []
    for kind, make in FRAMINGS.items():
        framed = make(dec, rng).convert("RGB")
        out.append(_pair(ctx, f"framing-{kind}", Verdict.EDITED, encode(framed, quality=88), "jpg",
                         note=f"the original, {NOTES[kind]}"))
    return out


#: What each framing did, from the original's side (the verdict should say as much).
NOTES = {
    "mirror": "mirrored left to right",
    "rotate-90": "rotated a quarter turn",
    "rotate-180": "rotated a half turn",
    "rotate-270": "rotated a quarter turn",
    "crop-square": "cropped to a square (60% of the area)",
    "crop-4x5": "cropped to 4:5 (50% of the area)",
    "crop-16x9": "cropped to 16:9 (55% of the area)",
    "crop-40pct": "cropped to 40% of the area",
    "letterbox": "letterboxed to 16:9 with black bars",
    "padding-white": "padded to 4:5 with white bars",
    "phone-screenshot": "shown in a phone screenshot (status and navigation bars)",
    "desktop-screenshot": "shown in a window in a desktop screenshot",
    "caption-band": "with a caption band added below",
    "meme-text": "with meme text over it",
    "straighten-3deg": "straightened by 3 degrees (turned and cropped)",
}
