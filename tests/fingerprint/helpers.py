"""Build test images in code (seeded, deterministic)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from preservation.fingerprint.model import Fingerprint, PerceptualHash
from preservation.fingerprint.perceptual import WHOLE


def whole_picture(hashes: list[PerceptualHash]) -> bool:
    """True when ``hashes`` are exactly the whole-picture hashes and PDQ (trimmed views aside)."""
    return sorted(h.algorithm for h in hashes if not h.algorithm.endswith("-trim")) == sorted([*WHOLE, "pdq"])


def encode(im: Image.Image, fmt: str, **kw: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **kw)
    return buf.getvalue()


def hashes(fp: Fingerprint) -> dict[str, str]:
    return {h.algorithm: h.value for h in fp.hashes}


def distance(a: Fingerprint, b: Fingerprint, algorithm: str) -> int:
    x, y = hashes(a)[algorithm], hashes(b)[algorithm]
    return bin(int(x, 16) ^ int(y, 16)).count("1")


def max_distance(a: Fingerprint, b: Fingerprint) -> int:
    return max(distance(a, b, alg) for alg in ("phash", "dhash", "ahash", "whash", "colorhash"))


def codes(fp: Fingerprint) -> list[str]:
    return [p.code for p in fp.problems]


def exif_bytes(tags: dict[int, Any] | None = None, exif_ifd: dict[int, Any] | None = None,
               gps: dict[int, Any] | None = None) -> bytes:
    exif = Image.Exif()
    for k, v in (tags or {}).items():
        exif[k] = v
    if exif_ifd:
        sub = exif.get_ifd(0x8769)
        for k, v in exif_ifd.items():
            sub[k] = v
    if gps:
        g = exif.get_ifd(0x8825)
        for k, v in gps.items():
            g[k] = v
    return exif.tobytes()


def rational(n: int, d: int = 1) -> IFDRational:
    return IFDRational(n, d)


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int, payload: bytes = b"") -> bytes:
    """A small, well-formed PNG header claiming ``width`` x ``height`` 8-bit grey pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(payload or b"\0" * 1024)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def noise_image(size: tuple[int, int] = (64, 48), seed: int = 1) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8))


def make_dng(rgb: Image.Image, orientation: int = 1, make: bytes = b"Preservation") -> bytes:
    """A minimal uncompressed Bayer (RGGB) DNG built from an RGB picture (LibRaw reads it)."""
    arr = np.asarray(rgb.convert("RGB"), dtype=np.uint16)
    h, w = arr.shape[0] // 2 * 2, arr.shape[1] // 2 * 2
    arr = arr[:h, :w]
    cfa = np.empty((h, w), dtype=np.uint16)
    cfa[0::2, 0::2] = arr[0::2, 0::2, 0]
    cfa[0::2, 1::2] = arr[0::2, 1::2, 1]
    cfa[1::2, 0::2] = arr[1::2, 0::2, 1]
    cfa[1::2, 1::2] = arr[1::2, 1::2, 2]
    pixels = (cfa.astype(np.uint32) * 257).astype("<u2").tobytes()
    entries: list[tuple[int, int, int, bytes]] = []

    def add(tag: int, typ: int, values: Any) -> None:
        if typ == 2:
            payload = values + b"\0"
            count = len(payload)
        elif typ in (5, 10):
            fmt = "<II" if typ == 5 else "<ii"
            payload = b"".join(struct.pack(fmt, *v) for v in values)
            count = len(values)
        else:
            code = {1: "B", 3: "H", 4: "I"}[typ]
            payload = struct.pack(f"<{len(values)}{code}", *values)
            count = len(values)
        entries.append((tag, typ, count, payload))

    add(254, 4, [0]); add(256, 4, [w]); add(257, 4, [h]); add(258, 3, [16])  # noqa: E702
    add(259, 3, [1]); add(262, 3, [32803]); add(271, 2, make)  # noqa: E702
    add(272, 2, b"DNG Test"); add(273, 4, [0]); add(274, 3, [orientation])  # noqa: E702
    add(277, 3, [1]); add(278, 4, [h]); add(279, 4, [len(pixels)]); add(284, 3, [1])  # noqa: E702
    add(33421, 3, [2, 2]); add(33422, 1, [0, 1, 1, 2])  # noqa: E702
    add(50706, 1, [1, 4, 0, 0]); add(50707, 1, [1, 1, 0, 0])  # noqa: E702
    add(50708, 2, b"Preservation DNG Test"); add(50717, 4, [65535])  # noqa: E702
    add(50721, 10, [(1, 1), (0, 1), (0, 1), (0, 1), (1, 1), (0, 1), (0, 1), (0, 1), (1, 1)])
    add(50728, 5, [(1, 1), (1, 1), (1, 1)]); add(50778, 3, [21])  # noqa: E702
    entries.sort()
    data_off = 8 + 2 + 12 * len(entries) + 4
    extra = b""
    body = []
    for tag, typ, count, payload in entries:
        if len(payload) <= 4:
            body.append((tag, typ, count, payload.ljust(4, b"\0")))
        else:
            extra += b"\0" * (len(extra) % 2)
            body.append((tag, typ, count, struct.pack("<I", data_off + len(extra))))
            extra += payload
    extra += b"\0" * (len(extra) % 2)
    strip_off = data_off + len(extra)
    out = bytearray(b"II*\0" + struct.pack("<I", 8) + struct.pack("<H", len(entries)))
    for tag, typ, count, val in body:
        out += struct.pack("<HHI", tag, typ, count) + (struct.pack("<I", strip_off) if tag == 273 else val)
    out += struct.pack("<I", 0) + extra + pixels
    return bytes(out)
