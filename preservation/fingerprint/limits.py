"""Size and pixel limits for fingerprinting, and the decompression-bomb policy.

Reading
-------
Files are read in ``CHUNK_SIZE`` pieces into one reusable buffer. The first ``HEAD_SIZE`` bytes
identify the format. An image we can decode whose size is at most ``MEMORY_CAP_BYTES`` is kept
in memory (one buffer, decoded from there, never re-read); anything else is only streamed
through the digests, so memory stays constant however large the file (a 20 GB video or disk
image costs one 1 MiB buffer).

Decompression bombs
-------------------
A picture's memory and time cost is set by the pixel count its header claims, not by its file
size: a 50 kB PNG can claim 100000 x 100000 pixels. Real photos are large too (a 200-megapixel
phone photo is 16320 x 12240), so the policy is two-tier, applied to the header dimensions
before any pixel is decoded:

* ``HARD_CAP_PIXELS`` (1 gigapixel): never decoded, whatever the file size. Far beyond any
  phone or camera (the largest sensors are ~400 MP); only stitched panoramas and scans exceed
  it, and those are still inventoried and hashed, just not perceptually fingerprinted.
* ``SOFT_CAP_PIXELS`` (250 megapixels): above it the file must also carry at least
  ``MIN_BYTES_PER_PIXEL`` bytes of data per claimed pixel. Real photos of that size are tens of
  megabytes (0.1-0.5 byte per pixel for JPEG, more for PNG/TIFF); a file with less than one
  byte per hundred pixels is a synthetic flood of identical pixels.

Below the soft cap everything is decoded: JPEG (and MPO) at 1/8 scale through libjpeg's DCT
scaling, so a 200 MP photo needs about 3 MP of memory; other formats at full size (at most
250 MP x 4 bytes = 1 GB for the largest allowed non-JPEG picture).

Pillow's own guard (``Image.MAX_IMAGE_PIXELS``, 89 MP warning / 179 MP error by default) would
refuse the 200 MP photo, so :mod:`.decode` raises it to ``HARD_CAP_PIXELS`` (Pillow then only
errors above 2 gigapixels, a second safety net) and silences its warning: this policy is
stricter and explains itself.
"""

from __future__ import annotations

CHUNK_SIZE = 1 << 20  # 1 MiB reads
HEAD_SIZE = 64 << 10  # first bytes used to identify the format
MEMORY_CAP_BYTES = 512 << 20  # larger images are streamed and not decoded

HARD_CAP_PIXELS = 1_000_000_000
SOFT_CAP_PIXELS = 250_000_000
MIN_BYTES_PER_PIXEL = 0.01

# Pages of a TIFF are counted up to this many (walking a hostile IFD chain costs time).
MAX_FRAMES_COUNTED = 10_000

# EXIF text values longer than this are cut, with a visible marker.
MAX_TEXT_LENGTH = 512


def _mp(pixels: int) -> str:
    return f"{pixels / 1e6:,.0f} megapixels"


def too_many_pixels(pixels: int) -> str:
    return (
        f"The image claims {pixels:,} pixels ({_mp(pixels)}), more than the "
        f"{_mp(HARD_CAP_PIXELS)} limit, so it was not decoded (a file claiming a huge "
        "picture is how 'decompression bombs' exhaust memory). Its bytes were still hashed."
    )


def pixel_limit_reason(width: int, height: int, file_size: int) -> str | None:
    """Why an image of ``width`` x ``height`` in ``file_size`` bytes must not be decoded.

    ``None`` when it may be decoded. The reason is a plain sentence for a report.
    """
    pixels = max(0, width) * max(0, height)
    if pixels > HARD_CAP_PIXELS:
        return (
            f"The image claims {width} x {height} pixels ({_mp(pixels)}), more than the "
            f"{_mp(HARD_CAP_PIXELS)} limit, so it was not decoded (a file claiming a huge "
            "picture is how 'decompression bombs' exhaust memory). Its bytes were still hashed."
        )
    if pixels > SOFT_CAP_PIXELS and file_size < pixels * MIN_BYTES_PER_PIXEL:
        return (
            f"The image claims {width} x {height} pixels ({_mp(pixels)}) but the file holds only "
            f"{file_size:,} bytes, far too little for a real picture that large, so it was not "
            "decoded (likely a 'decompression bomb'). Its bytes were still hashed."
        )
    return None
