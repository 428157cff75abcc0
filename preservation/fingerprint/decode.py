"""Open and decode an in-memory image with Pillow, at reduced size where the format allows.

Process-wide Pillow settings made here, once, on import:

* ``pillow_heif.register_heif_opener()``: HEIC/HEIF through libheif (AVIF is Pillow's own).
* ``Image.MAX_IMAGE_PIXELS = limits.HARD_CAP_PIXELS``: Pillow's default (179 MP hard error)
  would refuse a real 200 MP phone photo. Our own policy (:mod:`.limits`) is checked first from
  the header; Pillow's error, now above 2 gigapixels, stays as a second net. Pillow's warnings
  are recorded and dropped while we open and decode, so they never reach the terminal.
* ``ImageFile.LOAD_TRUNCATED_IMAGES`` is forced back to False before every decode: if anything
  in the process set it, truncated files would decode silently with grey bands and we would
  fingerprint a damaged picture as if it were whole.
"""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from typing import Any

import pillow_heif
from PIL import Image, ImageFile

from ..vocabulary import ProblemCode
from . import limits
from .exif import clean_text
from .formats import FormatInfo
from .model import Problem
from .prepare import decode_size

pillow_heif.register_heif_opener()
Image.MAX_IMAGE_PIXELS = limits.HARD_CAP_PIXELS

_DRAFTABLE = frozenset({"JPEG", "MPO"})


@dataclass(slots=True)
class Decoded:
    image: Image.Image  # loaded; JPEG/MPO possibly DCT-reduced
    width: int  # as stored in the header (before any reduction or orientation)
    height: int
    mode: str  # the decoded mode ("RGB", "L", "CMYK", "I;16"...)
    pil_format: str  # "JPEG", "MPO", "PNG", "HEIF"...
    info: dict[Any, Any]


class DecodeError(Exception):
    """Decoding stopped; ``problem`` says why. Header facts, when known, are kept."""

    def __init__(
        self, problem: Problem, width: int | None = None, height: int | None = None,
        mode: str | None = None,
    ) -> None:
        super().__init__(problem.message)
        self.problem = problem
        self.width = width
        self.height = height
        self.mode = mode


def _detail(exc: BaseException) -> str:
    text = clean_text(str(exc)) or "no detail"
    return f"{type(exc).__name__}: {text[:200]}"


def corrupt(label: str, exc: BaseException) -> Problem:
    return Problem(
        ProblemCode.CORRUPT_IMAGE,
        f"This {label.split(' ', 1)[-1]} could not be decoded: it is truncated or damaged "
        f"({_detail(exc)}). Its bytes were hashed, but it has no look-alike fingerprints.",
    )


def bomb(reason: str) -> Problem:
    return Problem(ProblemCode.DECOMPRESSION_BOMB, reason)


def _pillow_bomb_reason(exc: Image.DecompressionBombError) -> str:
    """Pillow refused first (over twice our hard cap): say so in our words."""
    found = re.search(r"\((\d+) pixels\)", str(exc))
    if found:
        return limits.too_many_pixels(int(found[1]))
    return f"The image claims too many pixels to be decoded safely ({_detail(exc)})."


def lying_header(label: str, width: int, height: int, why: str) -> Problem:
    return Problem(
        ProblemCode.CORRUPT_IMAGE,
        f"This {label.split(' ', 1)[-1]}'s header promises a {width} x {height} picture, but {why}: "
        "the header is damaged or the picture data is missing. Its bytes were hashed, but it has "
        "no look-alike fingerprints (a damaged picture would look like every other one).",
    )


# SOF markers of arithmetic-coded JPEG, which can spend less than a bit on a block
_ARITHMETIC_SOF = frozenset({0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _sof_marker(view: memoryview) -> int | None:
    """The frame marker (0xC0..0xCF) of a JPEG, walking its segments from the start."""
    pos = 2
    while pos + 4 <= len(view):
        if view[pos] != 0xFF:
            return None
        marker = view[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return marker
        if marker == 0xDA:  # scan data before any frame: not a JPEG we can judge
            return None
        pos += 2 + int.from_bytes(view[pos + 2:pos + 4], "big")
    return None


def jpeg_data_shortfall(im: Image.Image, data: io.BytesIO, file_size: int) -> int | None:
    """The bytes a Huffman-coded JPEG of the header's size needs at least, when the file has
    fewer (a lying header: a small picture under a header claiming a huge one), else None.

    Every 8x8 block of every component costs at least one bit of Huffman code (its DC value),
    so a file of fewer than ``blocks / 8`` bytes cannot hold the picture its header promises.
    """
    layers = getattr(im, "layer", None)
    if not layers:
        return None
    view = data.getbuffer()
    try:
        marker = _sof_marker(view)
    finally:
        view.release()
    if marker is None or marker in _ARITHMETIC_SOF:
        return None
    width, height = im.size
    hmax = max(h for _id, h, _v, _q in layers) or 1
    vmax = max(v for _id, _h, v, _q in layers) or 1

    def blocks_across(size: int, factor: int, most: int) -> int:  # ceil(ceil(size * f / max) / 8)
        return -(-math.ceil(size * factor / most) // 8)

    blocks = sum(blocks_across(width, h, hmax) * blocks_across(height, v, vmax) for _id, h, v, _q in layers)
    need = blocks // 8
    return need if file_size < need else None


def open_image(data: io.BytesIO, fmt: FormatInfo, file_size: int) -> Image.Image:
    """Parse the header of ``data`` as ``fmt`` and check the size it claims. Nothing decoded."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            im = Image.open(data, formats=list(fmt.pil_formats))
        except Image.DecompressionBombError as exc:
            raise DecodeError(bomb(_pillow_bomb_reason(exc))) from None
        except Exception as exc:  # Pillow raises many types on hostile bytes
            raise DecodeError(corrupt(fmt.label, exc)) from None
    width, height = im.size
    if width <= 0 or height <= 0:
        raise DecodeError(corrupt(fmt.label, ValueError(f"size {width} x {height}")))
    if im.format in _DRAFTABLE:
        need = jpeg_data_shortfall(im, data, file_size)
        if need is not None:
            raise DecodeError(lying_header(fmt.label, width, height,
                                           f"its {file_size:,} bytes cannot hold one (it needs at "
                                           f"least {need:,})"))
    reason = limits.pixel_limit_reason(width, height, file_size)
    if reason is not None:
        raise DecodeError(bomb(reason), width, height, im.mode)
    return im


def load_image(im: Image.Image, fmt: FormatInfo) -> Decoded:
    """Decode an opened image, JPEG/MPO at the smallest DCT scale that keeps ``DECODE_SIZE``."""
    width, height = im.size
    mode = im.mode
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            if im.format in _DRAFTABLE:
                im.draft("RGB", decode_size(width, height))
            promised = im.size  # the header's size, or its DCT-reduced size
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            im.load()
        except Image.DecompressionBombError as exc:
            raise DecodeError(bomb(_pillow_bomb_reason(exc)), width, height, mode) from None
        except MemoryError:
            problem = Problem(
                ProblemCode.UNSUPPORTED_IMAGE,
                f"There was not enough memory to decode this {width} x {height} picture; its "
                "bytes were hashed, but it has no look-alike fingerprints.",
            )
            raise DecodeError(problem, width, height, mode) from None
        except Exception as exc:
            raise DecodeError(corrupt(fmt.label, exc), width, height, mode) from None
    if im.size != promised:
        raise DecodeError(lying_header(fmt.label, width, height,
                                       f"it decodes to {im.size[0]} x {im.size[1]}"))
    return Decoded(im, width, height, im.mode, im.format or "", im.info)


def count_frames(im: Image.Image) -> int:
    """Frames/pages/pictures in the file; 1 when it cannot tell. May move ``im`` off frame 0.

    TIFF pages are counted by walking the IFD chain, at most ``limits.MAX_FRAMES_COUNTED`` of
    them (a hostile file can chain millions of tiny IFDs); other formats state their count in
    a header or are walked without decoding.
    """
    try:
        with warnings.catch_warnings(record=True):
            warnings.simplefilter("always")
            if im.format == "TIFF":
                frames = 1
                try:
                    while frames < limits.MAX_FRAMES_COUNTED:
                        im.seek(frames)
                        frames += 1
                except EOFError:
                    pass
                return frames
            return max(1, int(getattr(im, "n_frames", 1)))
    except Exception:
        return 1
