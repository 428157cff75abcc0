"""More labelled pairs (issue 19): filters, overlays, metadata conflicts, bursts without
sub-second times, and hard negatives. Registered in :data:`preservation.evalset.pairs.GROUPS`.

Each pair is what a real collection holds: a camera-like original (a real photo with sensor
grain, JPEG with EXIF) and a file made from it the way people and tools make them, or another
exposure of the same scene. The ground truth is what was done.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from preservation.vocabulary import Verdict

if TYPE_CHECKING:
    from .pairs import EvalPair, _Ctx


def _tools() -> tuple[Any, ...]:
    from .pairs import _noise, _pair, _u8, encode, fit, font, replace_jpeg_exif, shot

    return _noise, _pair, _u8, encode, fit, font, replace_jpeg_exif, shot


def filters(ctx: _Ctx) -> list[EvalPair]:
    """Whole-picture filters and a dust spot cloned out: never "nothing was changed"."""
    _noise, _pair, _u8, encode, _fit, _font, _rx, _shot = _tools()
    dec = ctx.decoded()
    arr = np.asarray(dec, np.float32)
    w, h = dec.size
    rng = ctx.rng

    def jpeg(a: np.ndarray | Image.Image, q: int = 90) -> bytes:
        return encode(a, quality=q, exif=ctx.exif)

    out = []
    spot = max(4, round(10 * max(w, h) / 4000))  # about 10x10 pixels at 12 MP
    x, y = round(w * rng.uniform(0.2, 0.7)), round(h * rng.uniform(0.15, 0.4))
    dusted = dec.copy()
    dusted.paste(dec.crop((x + 3 * spot, y + spot, x + 4 * spot, y + 2 * spot)), (x, y))
    out.append(_pair(ctx, "dust-spot", Verdict.EDITED, jpeg(dusted, 93), "jpg",
                     note=f"{spot}x{spot} at {x},{y}"))
    grain = rng.standard_normal((h, w, 1)).astype(np.float32) * 3.0
    out.append(_pair(ctx, "film-grain", Verdict.EDITED, jpeg(_u8(arr + grain)), "jpg"))
    out.append(_pair(ctx, "denoise", Verdict.EDITED, jpeg(dec.filter(ImageFilter.MedianFilter(3))), "jpg"))
    out.append(_pair(ctx, "sharpen", Verdict.EDITED,
                     jpeg(dec.filter(ImageFilter.UnsharpMask(2, 80, 2))), "jpg"))
    out.append(_pair(ctx, "blur", Verdict.EDITED, jpeg(dec.filter(ImageFilter.GaussianBlur(2))), "jpg"))
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
    out.append(_pair(ctx, "vignette", Verdict.EDITED, jpeg(_u8(arr * (1 - 0.18 * r2)[..., None])), "jpg"))
    return out


def overlays(ctx: _Ctx) -> list[EvalPair]:
    """Things put over the photo: never "a different photograph"."""
    _noise, _pair, _u8, encode, fit, font, _rx, _shot = _tools()
    dec = ctx.decoded()
    w, h = dec.size

    def jpeg(im: Image.Image) -> bytes:
        return encode(im.convert("RGB"), quality=90)

    out = []
    # a tiled semi-transparent watermark, as stock sites put on previews
    layer = Image.new("RGBA", dec.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    f = font(max(10, h // 16))
    for ty in range(0, h, max(20, h // 5)):
        for tx in range(-w // 8, w, max(40, w // 3)):
            draw.text((tx + (ty // max(1, h // 5)) % 2 * w // 6, ty), "PROOF", font=f,
                      fill=(255, 255, 255, 70))
    out.append(_pair(ctx, "watermark-tiled", Verdict.EDITED,
                     jpeg(Image.alpha_composite(dec.convert("RGBA"), layer)), "jpg"))
    # a corner logo: an opaque badge with letters
    logo = dec.copy()
    d = ImageDraw.Draw(logo)
    bw, bh = max(24, w // 7), max(12, h // 14)
    d.rounded_rectangle((w - bw - w // 40, h - bh - h // 40, w - w // 40, h - h // 40),
                        radius=max(2, bh // 4), fill=(20, 60, 160))
    d.text((w - bw - w // 40 + bw // 8, h - bh - h // 40 + bh // 5), "NEWS", font=font(max(8, bh // 2)),
           fill=(255, 255, 255))
    out.append(_pair(ctx, "logo-corner", Verdict.EDITED, jpeg(logo), "jpg"))
    # meme text: white capitals with a black outline, top and bottom
    meme = dec.copy()
    d = ImageDraw.Draw(meme)
    mf = font(max(12, h // 9))
    for text, ty in (("WHEN THE SCAN", h // 30), ("FINALLY FINISHES", h - h // 7)):
        d.text((w // 12, ty), text, font=mf, fill=(255, 255, 255), stroke_width=max(1, h // 150),
               stroke_fill=(0, 0, 0))
    out.append(_pair(ctx, "meme-text", Verdict.EDITED, jpeg(meme), "jpg"))
    # a sticker: another small picture pasted over part of the photo
    sticker = dec.copy()
    other = fit(ctx.other, max(16, w // 5))
    mask = Image.new("L", other.size, 0)
    ImageDraw.Draw(mask).ellipse((0, 0, other.size[0] - 1, other.size[1] - 1), fill=255)
    sticker.paste(other, (w // 10, h // 2), mask)
    out.append(_pair(ctx, "sticker", Verdict.EDITED, jpeg(sticker), "jpg"))
    return out


def conflicts(ctx: _Ctx) -> list[EvalPair]:
    """One exposure whose metadata disagrees: the pixels decide, the conflict is reported."""
    _noise, _pair, _u8, encode, _fit, _font, _rx, _shot = _tools()
    dec = ctx.decoded()
    arr = np.asarray(dec, np.float32)
    moved = ctx.make_exif(ctx.when + dt.timedelta(hours=43), "120")
    renamed = encode(dec, quality=80, exif=ctx.make_exif(ctx.when + dt.timedelta(days=400), "120"))
    return [
        _pair(ctx, "edit-date-rewritten", Verdict.EDITED,
              encode(_u8(arr * 1.2 + 3), quality=92, exif=moved), "jpg"),
        _pair(ctx, "resave-date-rewritten", Verdict.DERIVATIVE, renamed, "jpg"),
    ]


def bursts_without_time(ctx: _Ctx) -> list[EvalPair]:
    """Two exposures in the same second (no sub-seconds), and in the same framing (tripod)."""
    _noise, _pair, _u8, encode, fit, _font, _rx, shot = _tools()
    rng = ctx.rng
    fw, fh = ctx.frame
    patch = fit(ctx.other, max(16, fw // 7))
    p1 = (round(fw * 0.35), round(fh * 0.45))
    p2 = (p1[0] + round(fw * 0.04), p1[1])
    s1 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5, subject=(patch, p1))
    s2 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5, subject=(patch, p2))
    t = ctx.when + dt.timedelta(seconds=50)
    same_second = ctx.make_exif(t, None)
    s3 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5)
    s4 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5)
    return [
        _pair(ctx, "burst-same-second", Verdict.BURST, encode(s2, quality=92, exif=same_second), "jpg",
              data_a=encode(s1, quality=92, exif=same_second)),
        _pair(ctx, "burst-tripod-no-exif", Verdict.BURST, encode(s4, quality=90), "jpg",
              data_a=encode(s3, quality=90)),
    ]


def hard_negatives(ctx: _Ctx) -> list[EvalPair]:
    """Different photographs that look alike: never the same picture."""
    _noise, _pair, _u8, encode, fit, _font, replace_jpeg_exif, shot = _tools()
    rng = ctx.rng
    fw, fh = ctx.frame
    out = []
    # the same subject hours later, from a little further left, in other light (no EXIF)
    later = shot(ctx.scene, ctx.frame, (-fw * 0.03, fh * 0.01), rng, sigma=4.0, gain=0.8,
                 angle=-2.5, zoom=1.05)
    out.append(_pair(ctx, "same-subject-later", Verdict.SIMILAR, encode(later, quality=90), "jpg",
                     data_a=replace_jpeg_exif(ctx.jpeg, None)))
    # on a tripod, days apart: the same framing, other light, a subject that came and went
    patch = fit(ctx.other, max(16, fw // 6))
    days = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5, gain=0.9,
                subject=(patch, (round(fw * 0.6), round(fh * 0.3))))
    out.append(_pair(ctx, "tripod-days-apart", Verdict.SIMILAR,
                     encode(days, quality=92, exif=ctx.make_exif(ctx.when + dt.timedelta(days=3), "400")),
                     "jpg"))
    # a tighter shot of the same subject taken minutes later (not a crop: its own exposure)
    tight = shot(ctx.scene, ctx.frame, (fw * 0.02, 0), rng, sigma=3.5, zoom=1.3)
    out.append(_pair(ctx, "zoomed-reshoot", Verdict.SIMILAR,
                     encode(tight, quality=92, exif=ctx.make_exif(ctx.when + dt.timedelta(minutes=7), "250")),
                     "jpg"))
    # a hash collision: another photo's detail over this photo's broad light and shade
    base = np.asarray(Image.fromarray(ctx.original).filter(ImageFilter.GaussianBlur(max(4, fw // 40))),
                      np.float32)
    other = np.asarray(fit(ctx.other, max(fw, fh)).resize(ctx.frame), np.float32)
    detail = other - np.asarray(Image.fromarray(_u8(other)).filter(ImageFilter.GaussianBlur(max(4, fw // 40))),
                                np.float32)
    collision = _u8(base + 1.5 * detail + _noise(rng, base.shape, 3.5))
    out.append(_pair(ctx, "hash-collision", Verdict.SIMILAR, encode(collision, quality=90), "jpg"))
    # the other photograph, desaturated and made to the same size: only the layout agrees
    grey_other = fit(ctx.other, max(fw, fh)).resize(ctx.frame).convert("L").convert("RGB")
    out.append(_pair(ctx, "different-photo-grey", Verdict.SIMILAR, encode(grey_other, quality=88), "jpg"))
    return out


GROUPS = {
    "filters": filters,
    "overlays": overlays,
    "conflicts": conflicts,
    "bursts-without-time": bursts_without_time,
    "hard-negatives": hard_negatives,
}
