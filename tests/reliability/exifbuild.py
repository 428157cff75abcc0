"""Hand-built EXIF (TIFF-structured) blocks with any type, count and offset, however wrong.

Pillow's EXIF writer only writes well-formed blocks; cameras and editors do not. Each entry is
``(tag, type, count, value)``: ``value`` is the payload (bytes, written inline or after the
directory as its size requires) or an ``int``, written as the raw offset/value field so that it
can point anywhere. Big-endian ("MM"), as Pillow writes.
"""

from __future__ import annotations

import struct

Entry = tuple[int, int, int, "bytes | int"]

ASCII, SHORT, LONG, RATIONAL, SSHORT, SLONG, SRATIONAL = 2, 3, 4, 5, 8, 9, 10
EXIF_IFD = 0x8769


def text(s: str | bytes) -> bytes:
    return (s.encode("latin-1") if isinstance(s, str) else s) + b"\0"


def rationals(*pairs: tuple[int, int], signed: bool = False) -> bytes:
    return b"".join(struct.pack(">ii" if signed else ">II", n, d) for n, d in pairs)


def ascii_entry(tag: int, s: str | bytes) -> Entry:
    data = text(s)
    return (tag, ASCII, len(data), data)


def _directory(entries: list[Entry], at: int, count: int | None) -> tuple[bytes, bytes]:
    """The directory written at offset ``at`` and the data area that follows it."""
    n = len(entries) if count is None else count
    data_at = at + 2 + 12 * len(entries) + 4
    head = bytearray(struct.pack(">H", n))
    extra = bytearray()
    for tag, typ, cnt, value in entries:
        if isinstance(value, int):
            field = struct.pack(">I", value & 0xFFFFFFFF)
        elif len(value) <= 4:
            field = value.ljust(4, b"\0")
        else:
            extra += b"\0" * (len(extra) % 2)
            field = struct.pack(">I", data_at + len(extra))
            extra += value
        head += struct.pack(">HHI", tag, typ, cnt & 0xFFFFFFFF) + field
    head += struct.pack(">I", 0)
    return bytes(head), bytes(extra)


def tiff(ifd0: list[Entry], exif: list[Entry] | None = None, *, ifd0_count: int | None = None,
         exif_at: int | None = None) -> bytes:
    """A bare TIFF-structured EXIF block. ``exif`` becomes the EXIF sub-directory, linked from
    IFD0 (at ``exif_at`` if given: any offset, even IFD0's own, or past the end)."""
    entries = list(ifd0)
    if exif is not None:
        entries.append((EXIF_IFD, LONG, 1, 0))  # patched below
    head, extra = _directory(entries, 8, ifd0_count)
    out = bytearray(b"MM\x00*" + struct.pack(">I", 8) + head + extra)
    if exif is not None:
        sub_at = len(out) + len(out) % 2
        out += b"\0" * (len(out) % 2)
        sub_head, sub_extra = _directory(exif, sub_at, None)
        out += sub_head + sub_extra
        pos = 8 + 2 + 12 * (len(entries) - 1) + 8
        out[pos:pos + 4] = struct.pack(">I", sub_at if exif_at is None else exif_at)
    return bytes(out)


def app1(block: bytes) -> bytes:
    """The block as Pillow's ``exif=`` argument wants it (JPEG APP1 / PNG eXIf / WebP EXIF)."""
    return b"Exif\x00\x00" + block
