"""The one working image every perceptual hash is computed from.

Recipe (recorded as ``PREP`` in every hash's params, identical for every source format, so a
JPEG and its PNG conversion get comparable hashes):

1. **Decode reduced.** JPEG/MPO are decoded through libjpeg's DCT scaling (``Image.draft``) at
   the smallest of 1/1..1/8 that keeps the picture's long side at least ``DECODE_SIZE`` (256,
   what PDQ needs, see below); a 12 MP photo (4032 x 3024) decodes straight to 504 x 378.
   Other formats decode at full size.
2. **Canonical pixels.** Palette, 1-bit, CMYK, YCbCr... become RGB or L; 16-bit and 32-bit
   greys are scaled to 8 bits (not clipped); transparency is composited on white.
3. **Box-reduce** by the integer factor nearest to (long side / working size): the same block
   averaging DCT scaling does, so a 4032 x 3024 PNG is reduced by 32 exactly like its JPEG
   (1/8 by libjpeg, then 1/4 here) to 126 x 95; a 600 x 400 picture by 5, to 120 x 80. Only the
   last, less-than-1.5x step is left to the (costlier) Lanczos filter.
4. **Orient** per EXIF orientation (``ImageOps.exif_transpose`` semantics) *before* steps 3
   and 5, so a rotated or mirrored copy is resampled exactly like the upright one (box
   reduction leaves a partial box on one edge, which mirroring would move). Only above
   ``ORIENT_FIRST_MAX_PIXELS`` (huge non-JPEG pictures) is the box reduction done first, to
   avoid a second full-size copy; there a one-pixel edge difference is negligible.
5. **Lanczos** to ``WORKING_SIZE`` (128) on the long side, upscaling small images too, so the
   hashes do not depend on the source resolution.

Why 128: every hash reduces the picture much further. The largest grid any of them samples is
pHash's 32 x 32 (DCT input), so 128 still gives Lanczos 4x oversampling to anti-alias; wHash
reads 8 x 8 averages of a 64 x 64 square (ImageHash's own natural scale for a 128 x 96 input);
aHash/dHash use 8 x 8 and 9 x 8; colorhash is a histogram, for which 12k pixels are plenty.
Larger working sizes change no hash bit in practice (the same five photos hash identically
from 600 x 400 and from a 12 MP upscale) but cost time in exactly the parts that scale with
pixel count (Lanczos, wHash's wavelets, colorhash's HSV histogram): measured per 12 MP photo,
256 px costs ~10 ms over the decode floor, 128 px ~4 ms. The decode is the same either way:
libjpeg's 1/8 DCT scaling of a 12 MP photo (504 x 378) already covers any working size <= 504.

**PDQ** (Meta's 256-bit hash, :func:`pdq_image`) reads the same decode, not the 128 working image:
it reduces the picture to 64 x 64 with its own box (Jarosz) filters and needs a larger input to
stay faithful to the reference implementation. Measured on the reference's own test images
(``tests/fingerprint/data/pdq``): from a 128-pixel decode the hashes were up to 36 bits of 256
away from the published ones, from 256 pixels and more at most 16, the tolerance the reference's
own tests allow across decoders. So the decode keeps at least 256 pixels on the long side
(``v2`` of the recipe; ``v1`` decoded at 128, which changed nothing for photos of 2048 pixels
and more), and PDQ gets it oriented and box-reduced by the integer factor that keeps the long
side between 256 and 511 (a 12 MP photo: 504 x 378 as decoded).
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageChops

WORKING_SIZE = 128
DECODE_SIZE = 256  # the long side a reduced decode keeps at least (PDQ's input)
PREP = "v2:rgb8,alpha-on-white,exif-oriented,decode-256,box-reduce,lanczos-128"
PDQ_PREP = "v2:rgb8,alpha-on-white,exif-oriented,decode-256,box-reduce-256"
ORIENT_FIRST_MAX_PIXELS = 16_000_000

_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

_GREY_TOLERANCE = 12  # channel spread JPEG chroma noise may add to a grey picture
_GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "F", "I;16", "I;16L", "I;16B", "I;16N"})


def target_size(width: int, height: int, size: int = WORKING_SIZE) -> tuple[int, int]:
    """``width`` x ``height`` scaled so the long side is ``size`` (each side >= 1)."""
    longest = max(width, height, 1)
    scale = size / longest
    return max(1, round(width * scale)), max(1, round(height * scale))


def decode_size(width: int, height: int) -> tuple[int, int]:
    """The least size a reduced decode keeps (``Image.draft``'s request)."""
    return target_size(width, height, DECODE_SIZE)


def _grey8(im: Image.Image) -> Image.Image:
    """16/32-bit integer or float greys to 8-bit L by scaling, never by clipping."""
    arr = np.asarray(im)
    if im.mode == "F":
        arr = np.nan_to_num(arr.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
        top = 1.0 if arr.size and float(arr.max()) <= 1.0 else 255.0
        out = np.clip(arr * (255.0 / top), 0, 255)
    else:
        arr = arr.astype(np.int64)
        wide = im.mode.startswith("I;16") or (arr.size and int(arr.max()) > 255)
        out = np.clip(arr, 0, 65535) >> 8 if wide else np.clip(arr, 0, 255)
    return Image.fromarray(out.astype(np.uint8), "L")


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        "transparency" in im.info and im.mode in ("P", "L", "RGB")
    )


def canonical(im: Image.Image) -> Image.Image:
    """RGB or L pixels; transparency composited on white."""
    mode = im.mode
    if mode in ("RGB", "L") and "transparency" not in im.info:
        return im
    if mode in ("F", "I") or mode.startswith("I;16"):
        return _grey8(im)
    if _has_alpha(im):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        background.alpha_composite(rgba)
        return background.convert("L" if mode in ("L", "LA", "La") else "RGB")
    if mode == "1":
        return im.convert("L")
    return im.convert("RGB")


def orient(im: Image.Image, orientation: int | None) -> Image.Image:
    method = _TRANSPOSE.get(orientation or 1)
    return im.transpose(method) if method is not None else im


def _upright_reduced(im: Image.Image, orientation: int | None, factor: int) -> Image.Image:
    """Canonical pixels, oriented, box-reduced by ``factor`` (orientation first but for huge
    pictures, see the module doc)."""
    im = canonical(im)
    orient_first = im.width * im.height <= ORIENT_FIRST_MAX_PIXELS
    if orient_first:
        im = orient(im, orientation)
    if factor >= 2:
        im = im.reduce(factor)
    if not orient_first:
        im = orient(im, orientation)
    return im


def working_image(im: Image.Image, orientation: int | None) -> Image.Image:
    """The RGB working image (long side WORKING_SIZE) from a decoded, possibly drafted image."""
    im = _upright_reduced(im, orientation, int(max(im.size) / WORKING_SIZE + 0.5))
    size = target_size(*im.size)
    if im.size != size:
        im = im.resize(size, Image.Resampling.LANCZOS)
    return im if im.mode == "RGB" else im.convert("RGB")


def pdq_image(im: Image.Image, orientation: int | None) -> Image.Image:
    """PDQ's RGB input from the same decode: oriented, box-reduced to a long side of 256..511."""
    im = _upright_reduced(im, orientation, max(im.size) // DECODE_SIZE)
    return im if im.mode == "RGB" else im.convert("RGB")


def is_grey(working: Image.Image, source_mode: str) -> bool:
    """True when the pixels carry no colour (tolerating JPEG chroma noise)."""
    if source_mode in _GREY_MODES:
        return True
    r, g, b = working.split()
    spread = ImageChops.lighter(
        ImageChops.lighter(ImageChops.difference(r, g), ImageChops.difference(g, b)),
        ImageChops.difference(r, b),
    )  # per pixel max - min of the three channels
    coloured = sum(spread.histogram()[_GREY_TOLERANCE + 1 :])
    return coloured <= (working.width * working.height) // 1000


# --- uniform borders (letterbox, padding, screenshot bars) -------------------------------------

#: Version of the border-trimming recipe, recorded in the params of every trimmed-view hash.
TRIM = "t1:85%<=24,15%,3%,25%"
_BAND_SHARE = 0.85  # a line is a bar when this share of its pixels is within tolerance ...
_BAND_TOLERANCE = 24  # ... of the bar colour (levels of 255, any channel)
_MAX_STRIP = 0.15  # text or icons on a bar (status bar, caption) cover at most this share of a side
_MIN_TRIM = 0.03  # trims below this share of a side are noise (JPEG ringing, a dark edge)
_MIN_KEEP = 0.25  # a picture trimmed to less than this share of its area is not trimmed


def _side(lines: np.ndarray) -> int:
    """How many lines (``lines[i]`` is the i-th line from this edge inward) are bars.

    The edge line must be uniform; its colour is the bar's. Inward, a strip of other lines no
    taller than 15 % of the side between uniform lines of the bar's colour is crossed (text or
    icons on a bar: a phone's status bar, a caption band), and the trim ends after the last
    uniform line.
    """
    colour = np.median(lines[0], axis=0).astype(np.int16)
    near = (np.abs(lines.astype(np.int16) - colour) <= _BAND_TOLERANCE).all(axis=2).mean(axis=1)
    uniform = near >= _BAND_SHARE
    gap = max(1, int(_MAX_STRIP * len(lines)))
    end = 0
    while end < len(lines) and uniform[end]:
        end += 1
        if end < len(lines) and not uniform[end]:
            ahead = np.flatnonzero(uniform[end:end + gap + 1])
            if ahead.size and end > 0:
                end += int(ahead[0])
    return end


def trim_box(working: Image.Image) -> tuple[float, float, float, float] | None:
    """The picture inside uniform bars, as fractions (left, top, right, bottom), or None.

    Bars are lines (rows or columns, from each edge inward) in which nearly every pixel has the
    colour of the edge: black or white letterbox and pillarbox bars, padding, and bars with text
    or icons on them (a phone's status and navigation bars, a caption band). Trims of less than
    3 % of a side are ignored, and so is a trim that would keep less than a quarter of the area
    (a plain picture, not bars around one).
    """
    arr = np.asarray(working.convert("RGB"))
    h, w = arr.shape[:2]
    if h < 8 or w < 8:
        return None
    top = bottom = left = right = 0
    for step in range(4):  # rows, then columns of what is left, rows again, columns again
        inner = arr[top:h - bottom, left:w - right]
        side, limit = (inner, _MIN_TRIM * h) if step % 2 == 0 else (inner.transpose(1, 0, 2), _MIN_TRIM * w)
        a, b = _side(side), _side(side[::-1])
        a, b = (a if a >= limit else 0), (b if b >= limit else 0)
        nt, nb, nl, nr = (top + a, bottom + b, left, right) if step % 2 == 0 else (top, bottom, left + a, right + b)
        kept_w, kept_h = w - nl - nr, h - nt - nb
        if kept_w < 8 or kept_h < 8 or kept_w * kept_h < _MIN_KEEP * w * h:
            continue  # this step would leave too little: a plain picture, not bars around one
        top, bottom, left, right = nt, nb, nl, nr
    if not (top or bottom or left or right):
        return None
    return left / w, top / h, (w - right) / w, (h - bottom) / h


def trimmed_working_image(im: Image.Image, orientation: int | None,
                          working: Image.Image) -> Image.Image | None:
    """The working image of the picture inside uniform bars (see :func:`trim_box`), or None.

    The bars are found on the working image (cheap); the crop is taken from the decoded
    image (finer) and prepared exactly like the whole picture.
    """
    box = trim_box(working)
    if box is None:
        return None
    full = orient(canonical(im), orientation)
    w, h = full.size
    crop = full.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))
    return working_image(crop, None)
