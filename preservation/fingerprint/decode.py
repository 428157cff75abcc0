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
