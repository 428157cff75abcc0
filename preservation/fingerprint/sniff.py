"""Identify a file's format from its first bytes (magic numbers), never from its name.

Covers the images and camera RAW formats we decode, ISO-BMFF containers (HEIC/HEIF/AVIF/CR3,
MP4/MOV/3GP by their ``ftyp`` brands), TIFF-based RAW (DNG, NEF, ARW... told apart from plain
TIFF by their first IFD) and a few common documents. Everything else is left to puremagic
(see :mod:`.formats`). Pure functions of bytes; nothing here raises on malformed input.
"""

from __future__ import annotations

import struct
from typing import TypeAlias

Bytes: TypeAlias = bytes | bytearray | memoryview

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"mif2", b"mif3"})
_MP4_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})

# TIFF "Make" (lower-cased prefix) -> RAW format, when IFD0 looks like a raw file's.
_RAW_MAKERS: tuple[tuple[bytes, str], ...] = (
    (b"nikon", "nef"),
    (b"sony", "arw"),
    (b"canon", "cr2"),
    (b"pentax", "pef"),
    (b"ricoh", "pef"),
    (b"samsung", "srw"),
    (b"olympus", "orf"),
    (b"om digital", "orf"),
    (b"panasonic", "rw2"),
    (b"leica", "rw2"),
    (b"hasselblad", "3fr"),
    (b"phase one", "iiq"),
    (b"kodak", "dcr"),
    (b"leaf", "mos"),
    (b"mamiya", "mos"),
    (b"fujifilm", "raf"),
)

_TAG_NEW_SUBFILE_TYPE = 254
_TAG_PHOTOMETRIC = 262
_TAG_MAKE = 271
_TAG_SUB_IFDS = 330
_TAG_DNG_VERSION = 50706
_PHOTOMETRIC_CFA = 32803
_PHOTOMETRIC_LINEAR_RAW = 34892


def _ftyp(head: bytes) -> str | None:
    """ISO base media file: decide from the major and compatible brands of the ftyp box."""
    box_size = int.from_bytes(head[0:4], "big")
    major = head[8:12]
    end = min(len(head), box_size if 16 <= box_size <= 4096 else 16)
    compatible = {head[i : i + 4] for i in range(16, end - 3, 4)}
    if major == b"crx ":
        return "cr3"
    if major in _AVIF_BRANDS:
        return "avif"
    if major in _HEIC_BRANDS:
        return "heic"
    if major in _HEIF_BRANDS:
        if compatible & _AVIF_BRANDS:
            return "avif"
        if compatible & _HEIC_BRANDS:
            return "heic"
        return "heif"
    if major == b"qt  ":
        return "mov"
    if major in _MP4_AUDIO_BRANDS:
        return "m4a"
    if major.startswith((b"3gp", b"3g2")):
        return "3gp"
    if major in (b"jp2 ", b"jpx "):
        return "jp2"
    if compatible & _AVIF_BRANDS:
        return "avif"
    if compatible & _HEIC_BRANDS:
        return "heic"
    return "mp4"


def _tiff_ifd0(data: Bytes, little: bool) -> dict[int, tuple[int, int, int]] | None:
    """IFD0 entries ``tag -> (type, count, value_or_offset)``; None if it is not in ``data``."""
    e = "<" if little else ">"
    try:
        (offset,) = struct.unpack_from(e + "I", data, 4)
        (count,) = struct.unpack_from(e + "H", data, offset)
        if count > 1000:
            return None
        entries: dict[int, tuple[int, int, int]] = {}
        for i in range(count):
            tag, typ, n, value = struct.unpack_from(e + "HHII", data, offset + 2 + 12 * i)
            if typ == 3 and n == 1:  # SHORT stored in the first two bytes of the value field
                (value,) = struct.unpack_from(e + "H", data, offset + 2 + 12 * i + 8)
            entries[tag] = (typ, n, value)
    except struct.error:
        return None
    return entries


def _tiff_ascii(data: Bytes, entry: tuple[int, int, int], little: bool) -> bytes:
    typ, n, value = entry
    if typ != 2:
        return b""
    if n <= 4:
        raw = value.to_bytes(4, "little" if little else "big")[:n]
    else:
        raw = bytes(data[value : value + min(n, 64)])
    return raw.split(b"\0", 1)[0].strip().lower()


def _tiff_family(data: Bytes) -> str:
    """``tiff`` or the TIFF-based RAW format the first IFD reveals."""
    if bytes(data[8:11]) == b"CR\x02":
        return "cr2"
    little = bytes(data[:2]) == b"II"
    ifd = _tiff_ifd0(data, little)
    if ifd is None:
        return "tiff"
    if _TAG_DNG_VERSION in ifd:
        return "dng"
    make_entry = ifd.get(_TAG_MAKE)
    if make_entry is None:
        return "tiff"
    make = _tiff_ascii(data, make_entry, little)
    photometric = ifd.get(_TAG_PHOTOMETRIC, (0, 0, 0))[2]
    subfile = ifd.get(_TAG_NEW_SUBFILE_TYPE, (0, 0, 0))[2]
    looks_raw = (
        _TAG_SUB_IFDS in ifd
        or subfile == 1  # IFD0 holds a reduced-size preview: the raw data is elsewhere
        or photometric in (_PHOTOMETRIC_CFA, _PHOTOMETRIC_LINEAR_RAW)
    )
    if looks_raw:
        for prefix, name in _RAW_MAKERS:
            if make.startswith(prefix):
                return name
    return "tiff"


def _bmp(head: bytes) -> bool:
    if len(head) < 18:
        return False
    dib = int.from_bytes(head[14:18], "little")
    return dib in (12, 16, 40, 52, 56, 64, 108, 124)


def _zip(head: bytes) -> str:
    """Tell common ZIP-based document formats from a plain ZIP by their first member."""
    name_len = int.from_bytes(head[26:28], "little")
    extra_len = int.from_bytes(head[28:30], "little")
    name = head[30 : 30 + name_len]
    if name == b"mimetype":
        start = 30 + name_len + extra_len
        mime = head[start : start + 80]
        for prefix, fmt in (
            (b"application/epub+zip", "epub"),
            (b"application/vnd.oasis.opendocument.text", "odt"),
            (b"application/vnd.oasis.opendocument.spreadsheet", "ods"),
            (b"application/vnd.oasis.opendocument.presentation", "odp"),
        ):
            if mime.startswith(prefix):
                return fmt
    if name == b"[Content_Types].xml" or name.startswith((b"word/", b"xl/", b"ppt/", b"_rels/")):
        for marker, fmt in ((b"word/", "docx"), (b"xl/", "xlsx"), (b"ppt/", "pptx")):
            if marker in head:
                return fmt
    return "zip"


def sniff(head: bytes) -> str | None:
    """Canonical format name from the first bytes, or None when not one we know by heart."""
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return _tiff_family(head)
    if head[4:8] == b"ftyp":
        return _ftyp(head)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:2] == b"BM" and _bmp(head):
        return "bmp"
    if head[:4] in (b"II+\x00", b"MM\x00+"):
        return "tiff"  # BigTIFF
    if head[:4] in (b"IIRO", b"IIRS", b"MMOR"):
        return "orf"
    if head[:4] == b"IIU\x00":
        return "rw2"
    if head[:16] == b"FUJIFILMCCD-RAW ":
        return "raf"
    if head[:4] == b"\x00MRM":
        return "mrw"
    if head[:4] == b"FOVb":
        return "x3f"
    if head[:14] == b"II\x1a\x00\x00\x00HEAPCCDR":
        return "crw"
    if head[:12] == b"\x00\x00\x00\x0cjP  \r\n\x87\n":
        return "jp2"
    if head[:4] == b"\xff\x4f\xff\x51":
        return "j2k"
    if head[:2] == b"\xff\x0a" or head[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return "jxl"
    if head[:4] == b"8BPS":
        return "psd"
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:4] == b"PK\x03\x04":
        return _zip(head)
    if head[4:8] in (b"moov", b"mdat", b"wide"):
        return "mov"  # QuickTime without an ftyp box (older cameras)
    return None


def refine_tiff(data: Bytes) -> str:
    """Re-examine a TIFF whose first IFD lay beyond the head, using the whole file."""
    return _tiff_family(data)
