"""Decoding a file for look-alike evidence, through the fingerprint package's own pieces.

The bytes are read with :func:`preservation.fingerprint.reader.read_file` (read-only,
``O_NOFOLLOW``, never touching access times, change detection) and checked against the SHA-256
the catalog holds; the format comes from :mod:`preservation.fingerprint.formats`; the
decompression-bomb policy from :func:`preservation.fingerprint.decode.open_image`; EXIF orientation from
:mod:`preservation.fingerprint.exif` and it is applied exactly as the fingerprints applied it
(:func:`preservation.fingerprint.prepare.orient`; HEIC/HEIF pictures arrive upright from
libheif). The only difference from fingerprinting: pixels are decoded at full resolution
(same-pixels needs every pixel), or reduced through JPEG draft mode when the caller only needs
a picture of at least ``min_side`` pixels.
"""

from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass

from PIL import ImageFile

from preservation.fingerprint import decode as fp_decode  # registers HEIF, sets Pillow limits
from preservation.fingerprint import exif as fp_exif
from preservation.fingerprint import formats, prepare, reader

from .evidence import Decoded

_DECODER_ORIENTS = frozenset({"heic", "heif"})
_EXIF_FROM_DECODER = frozenset({"heic", "heif", "avif"})
_DRAFTABLE = frozenset({"JPEG", "MPO"})


class LoadError(Exception):
    """The picture could not be had; the message says why, in plain words."""


@dataclass(slots=True)
class Loaded:
    decoded: Decoded
    sha256: str
    format: str | None


def _read(path: bytes) -> tuple[io.BytesIO, bytes, str]:
    root, rel = os.path.split(os.path.abspath(path))
    res = reader.read_file(root or b"/", rel, ("sha256",), want_memory=lambda _h, _s: True)
    if res.problem is not None:
        raise LoadError(res.problem.message)
    if res.data is None:
        raise LoadError("the file is too large to decode in memory")
    return res.data, res.head, res.digests["sha256"]


def load(path: str | bytes | os.PathLike[str], *, expected_sha256: str | None = None,
         min_side: int | None = None) -> Loaded:
    """Decode ``path`` with EXIF orientation applied.

    ``min_side=None``: full resolution. Otherwise JPEGs may be decoded reduced (DCT scaling) as
    long as the long side stays at least ``min_side``. Raises :class:`LoadError`.
    """
    p = os.fsencode(path)
    data, head, sha = _read(p)
    if expected_sha256 and sha != expected_sha256:
        raise LoadError("the file has changed since it was catalogued (its SHA-256 differs); "
                        "scan it again")
    ident = formats.identify(head, data)
    info = ident.info
    if info is None or info.kind not in formats.DECODED_KINDS:
        raise LoadError(f"not a picture this version can decode ({ident.name or 'unknown format'})")
    data.seek(0)
    if info.kind == "raw":
        return _load_raw(data, info, sha)
    orientation: int | None = None
    if info.name not in _EXIF_FROM_DECODER:
        orientation = fp_exif.read_exif(data).orientation
        data.seek(0)
    try:
        im = fp_decode.open_image(data, info, data.getbuffer().nbytes)  # the scan's bomb policy
    except fp_decode.DecodeError as err:
        raise LoadError(err.problem.message) from None
    width, height = im.size
    reduced = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            if min_side is not None and im.format in _DRAFTABLE:
                scale = min_side / max(width, height)
                if scale < 0.5:
                    im.draft(None, (max(1, int(width * scale)), max(1, int(height * scale))))
                    reduced = im.size != (width, height)
            ImageFile.LOAD_TRUNCATED_IMAGES = False
            im.load()
        except Exception as exc:  # Pillow raises many kinds on damaged data
            raise LoadError(f"could not be decoded ({type(exc).__name__}: {exc})") from None
    if info.name in _DECODER_ORIENTS:
        orientation = None  # libheif applied the container's transforms while decoding
    elif info.name in _EXIF_FROM_DECODER:  # AVIF: Pillow hands its transforms over as EXIF
        block = fp_exif.tiff_block(im.info.get("exif"))
        orientation = fp_exif.read_exif(io.BytesIO(block)).orientation if block else None
    im = prepare.orient(im, orientation)
    full = (height, width) if orientation in (5, 6, 7, 8) else (width, height)
    return Loaded(Decoded(im, full, reduced), sha, ident.name)


def _load_raw(data: io.BytesIO, info: formats.FormatInfo, sha: str) -> Loaded:
    from preservation.fingerprint.raw import decode_raw

    try:
        dec = decode_raw(data, info, data.getbuffer().nbytes)
    except fp_decode.DecodeError as err:
        raise LoadError(err.problem.message) from None
    im = prepare.orient(dec.image, dec.apply_orientation)
    o = dec.orientation
    full = (dec.height, dec.width) if o in (5, 6, 7, 8) else (dec.width, dec.height)
    # a RAW is developed (preview or half size): never pixel-exact, so always "reduced"
    return Loaded(Decoded(im, full, True), sha, info.name)
