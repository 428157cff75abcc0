"""What an image file's pixels and metadata tell: ImageInfo and perceptual hashes.

One decode per file (reduced where the format allows), one working image, every hash from it.
EXIF comes from exifread over the in-memory bytes (JPEG, PNG, TIFF and TIFF-based RAW). For
WebP, HEIC/HEIF and AVIF, exifread reads the EXIF block the decoder extracted instead: its own
finders for those containers assume an ``Exif\\0\\0`` prefix that spec-conforming writers (libwebp,
libheif) do not write, and read nothing or garbage. For HEIF-family files the container's own
transforms (``irot``/``imir``) decide how the picture is shown: libheif applies them while
decoding (so HEIC pixels arrive upright and EXIF orientation is only reported), and Pillow's
AVIF plugin turns them into the EXIF orientation it hands over (so AVIF pixels are oriented here
like any other format's). Pillow's TIFF plugin, too, applies the TIFF orientation tag on load.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from ..vocabulary import ProblemCode
from . import perceptual, prepare
from .decode import DecodeError, count_frames, load_image, lying_header, open_image
from .exif import ExifResult, read_exif, tiff_block
from .formats import FormatInfo
from .model import ImageInfo, PerceptualHash, Problem

# Decoders that apply the orientation themselves: libheif (irot/imir) and Pillow's TIFF
# plugin (``ImageOps.exif_transpose`` in ``load_end``). Their pixels arrive upright.
_DECODER_ORIENTS = frozenset({"heic", "heif", "tiff"})
_EXIF_FROM_DECODER = frozenset({"webp", "heic", "heif", "avif"})
_TIFF_BASED_RAW = frozenset(
    {"dng", "cr2", "nef", "arw", "pef", "srw", "orf", "rw2", "3fr", "iiq", "dcr", "mos"}
)


@dataclass(slots=True)
class ImageOutcome:
    format: str  # refined by the decoder ("mpo")
    image: ImageInfo | None = None
    hashes: list[PerceptualHash] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _info(
    width: int, height: int, mode: str, frames: int, orientation: int | None,
    meta: ExifResult, is_grey: bool | None,
) -> ImageInfo:
    return ImageInfo(
        width=width,
        height=height,
        mode=mode,
        frames=frames,
        orientation=orientation,
        exif=meta.exif,
        capture_time=meta.capture_time,
        camera_make=meta.make,
        camera_model=meta.model,
        is_grey=is_grey,
    )


def _exif_block(info: dict[Any, Any]) -> ExifResult:
    """EXIF from the block a decoder extracted (``im.info["exif"]``)."""
    block = tiff_block(info.get("exif"))
    return read_exif(io.BytesIO(block), expect_block=True) if block else ExifResult()


def _raw_exif(data: io.BytesIO, fmt: FormatInfo) -> ExifResult:
    if fmt.name in _TIFF_BASED_RAW:
        data.seek(0)
        return read_exif(data)
    if fmt.name == "raf":  # EXIF lives in the embedded JPEG whose offset the header gives
        view = data.getbuffer()
        try:
            offset = int.from_bytes(view[84:88], "big")
            length = int.from_bytes(view[88:92], "big")
            chunk = bytes(view[offset : offset + min(length, 256 << 10)])
        finally:
            view.release()
        return read_exif(io.BytesIO(chunk))
    return ExifResult()


def _flat(working: Image.Image) -> bool:
    """Every pixel of the working image the same colour."""
    extrema = working.getextrema()
    bands = extrema if isinstance(extrema[0], tuple) else (extrema,)
    return all(lo == hi for lo, hi in bands)


# Formats a camera or a phone writes: a photo in one of these never decodes to one flat colour
_PHOTO_FORMATS = frozenset({"jpeg", "mpo", "heic", "heif", "avif"})
PHOTO_PIXELS = 1_000_000


def _hashes(
    im: Image.Image, orientation: int | None, mode: str, fmt: FormatInfo,
    problems: list[Problem], *, refuse_flat: tuple[int, int] | None = None,
) -> tuple[list[PerceptualHash], bool | None]:
    """Perceptual hashes and greyness; ``refuse_flat`` (the header's size): a picture that
    decodes to one flat colour is corrupt, not hashed."""
    try:
        im = prepare.canonical(im)
        working = prepare.working_image(im, orientation)
        if refuse_flat is not None and _flat(working):
            problems.append(lying_header(fmt.label, *refuse_flat,
                                         "it decodes to one flat colour (unless it really is a blank picture)"))
            return [], None
        trimmed = prepare.trimmed_working_image(im, orientation, working)
        hashes = perceptual.compute(working, trimmed)
        if perceptual.pdq_library() is not None:  # without pdqhash: no PDQ, and reports say so
            hashes.append(perceptual.pdq(prepare.pdq_image(im, orientation)))
        return hashes, prepare.is_grey(working, mode)
    except Exception as exc:  # an exotic pixel layout Pillow cannot convert
        problems.append(
            Problem(
                ProblemCode.UNSUPPORTED_IMAGE,
                f"The pixels of this {fmt.label.split(' ', 1)[-1]} (mode {mode}) could not be "
                f"prepared for look-alike fingerprints ({type(exc).__name__}: {exc}).",
            )
        )
        return [], None


def _analyse_raw(data: io.BytesIO, fmt: FormatInfo, file_size: int) -> ImageOutcome:
    from .raw import decode_raw  # keeps rawpy entirely out of the common path

    problems: list[Problem] = []
    try:
        decoded = decode_raw(data, fmt, file_size)
    except DecodeError as err:
        return ImageOutcome(fmt.name, None, [], [err.problem])
    meta = _raw_exif(data, fmt)
    if meta.problem:
        problems.append(meta.problem)
    hashes, grey = _hashes(decoded.image, decoded.apply_orientation, "RGB", fmt, problems)
    orientation = meta.orientation or decoded.orientation
    info = _info(decoded.width, decoded.height, "RGB", 1, orientation, meta, grey)
    return ImageOutcome(fmt.name, info, hashes, problems)


def undecodable(fmt: FormatInfo) -> ImageOutcome:
    """An image format we recognise but cannot decode (JPEG XL)."""
    label = fmt.label[0].upper() + fmt.label[1:]
    return ImageOutcome(
        fmt.name,
        problems=[
            Problem(
                ProblemCode.UNSUPPORTED_IMAGE,
                f"{label} cannot be decoded by this version; its bytes were hashed, but it has "
                "no look-alike fingerprints.",
            )
        ],
    )


def analyse(data: io.BytesIO, fmt: FormatInfo, file_size: int) -> ImageOutcome:
    """Decode once, read EXIF, hash. Never raises for a bad file."""
    if fmt.kind == "raw":
        return _analyse_raw(data, fmt, file_size)
    if fmt.kind != "image":
        return undecodable(fmt)

    problems: list[Problem] = []
    meta = ExifResult()
    try:
        im = open_image(data, fmt, file_size)
        if fmt.name in _EXIF_FROM_DECODER:
            meta = _exif_block(im.info)
        else:
            position = data.tell()
            meta = read_exif(data, expect_block=bool(im.info.get("exif")))
            data.seek(position)
        decoded = load_image(im, fmt)
    except DecodeError as err:
        problems.append(err.problem)
        info = None
        if err.width is not None and err.height is not None:
            info = _info(err.width, err.height, err.mode or "", 1, meta.orientation, meta, None)
        if meta.problem:
            problems.append(meta.problem)
        return ImageOutcome(fmt.name, info, [], problems)

    name = "mpo" if decoded.pil_format == "MPO" else fmt.name
    if meta.problem:
        problems.append(meta.problem)
    if fmt.name in _DECODER_ORIENTS:
        apply = None
        original = decoded.info.get("original_orientation")
        reported = original if isinstance(original, int) and 1 <= original <= 8 else None
        reported = reported or meta.orientation
    else:
        apply = reported = meta.orientation
    # a flat picture where the header promises a photo (a camera's, or a megapixel one)
    promises_photo = name in _PHOTO_FORMATS and (
        bool(meta.make or meta.model) or decoded.width * decoded.height >= PHOTO_PIXELS)
    hashes, grey = _hashes(decoded.image, apply, decoded.mode, fmt, problems,
                           refuse_flat=(decoded.width, decoded.height) if promises_photo else None)
    if promises_photo and not hashes and any(p.code == ProblemCode.CORRUPT_IMAGE for p in problems):
        return ImageOutcome(name, None, [], problems)
    frames = count_frames(decoded.image)
    info = _info(decoded.width, decoded.height, decoded.mode, frames, reported, meta, grey)
    return ImageOutcome(name, info, hashes, problems)
