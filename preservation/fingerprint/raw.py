"""Camera RAW through the optional ``rawpy`` (LibRaw), imported only when a RAW file turns up.

Pixels for the perceptual hashes come from the camera's embedded preview when it is at least
working-size (a JPEG the camera rendered from the same exposure: fast, and it looks like the
camera's own JPEG of that shot), otherwise from a half-size LibRaw rendering (camera white
balance, 8 bits). Without rawpy the file is still inventoried with its digests and format, and
gets one ``unsupported-image`` problem explaining how to add the extra.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from PIL import Image

from ..vocabulary import ProblemCode
from . import limits
from .decode import DecodeError, bomb, corrupt
from .formats import FormatInfo
from .model import Problem
from .prepare import WORKING_SIZE, decode_size

RAW_EXTRA_MESSAGE = (
    "This camera RAW file was inventoried and its bytes hashed, but decoding it for look-alike "
    "fingerprints needs the optional extra: pip install 'preservation[raw]'"
)

# LibRaw's ``sizes.flip`` (dcraw bits: 1 mirror columns, 2 mirror rows, 4 swap axes) as the
# equivalent EXIF orientation.
_FLIP_TO_ORIENTATION = {0: 1, 1: 2, 2: 4, 3: 3, 4: 5, 5: 8, 6: 6, 7: 7}


@dataclass(slots=True)
class RawDecoded:
    image: Image.Image  # loaded, RGB
    width: int  # the sensor image as stored (before orientation)
    height: int
    orientation: int  # EXIF-equivalent orientation of the RAW
    apply_orientation: int | None  # what is still to apply to ``image`` (None: already upright)


def _preview(raw: Any, rawpy: Any) -> Image.Image | None:
    """The embedded preview, decoded at reduced size, if usable; None otherwise."""
    try:
        thumb = raw.extract_thumb()
    except Exception:  # no preview, or a kind LibRaw cannot extract
        return None
    im: Image.Image
    try:
        if thumb.format == rawpy.ThumbFormat.JPEG:
            im = Image.open(io.BytesIO(thumb.data), formats=["JPEG"])
            w, h = im.size
            if limits.pixel_limit_reason(w, h, len(thumb.data)) is not None:
                return None
            im.draft("RGB", decode_size(w, h))
            im.load()
        else:
            im = Image.fromarray(thumb.data)
    except Exception:  # a damaged preview: fall back to rendering the RAW data
        return None
    return im if max(im.size) >= WORKING_SIZE else None


def decode_raw(data: io.BytesIO, fmt: FormatInfo, file_size: int) -> RawDecoded:
    """Decode a RAW for fingerprinting. Raises DecodeError with the reason."""
    try:
        import rawpy
    except ImportError:
        raise DecodeError(Problem(ProblemCode.UNSUPPORTED_IMAGE, RAW_EXTRA_MESSAGE)) from None
    raw = None
    try:
        raw = rawpy.imread(data)
        sizes = raw.sizes
        width, height = int(sizes.width), int(sizes.height)
        reason = limits.pixel_limit_reason(width, height, file_size)
        if reason is not None:
            raise DecodeError(bomb(reason), width, height, "RGB")
        orientation = _FLIP_TO_ORIENTATION.get(int(sizes.flip), 1)
        preview = _preview(raw, rawpy)
        if preview is not None:
            return RawDecoded(preview, width, height, orientation, orientation)
        rgb = raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8)
        return RawDecoded(Image.fromarray(rgb), width, height, orientation, None)
    except DecodeError:
        raise
    except Exception as exc:  # LibRaw errors on damaged or unsupported files
        if type(exc).__name__ in ("LibRawFileUnsupportedError", "NotSupportedError"):
            problem = Problem(
                ProblemCode.UNSUPPORTED_IMAGE,
                f"This {fmt.label.split(' ', 1)[-1]} is not supported by the installed LibRaw "
                "(often a camera newer than the library); its bytes were hashed, but it has no "
                "look-alike fingerprints.",
            )
            raise DecodeError(problem) from None
        raise DecodeError(corrupt(fmt.label, exc)) from None
    finally:
        if raw is not None:
            raw.close()
