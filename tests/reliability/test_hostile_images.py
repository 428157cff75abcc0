"""Hostile pictures: decompression bombs in every decoded container (HEIC included), files cut
at every stage, EXIF blocks written wrong in every way a camera or an attacker can, and
Hypothesis driving the header sizes and the EXIF directory structure."""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import shutil
import struct
import tempfile

import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from preservation.fingerprint import exif, fingerprint_file, limits
from preservation.fingerprint.model import Fingerprint
from preservation.fingerprint.perceptual import WHOLE
from preservation.vocabulary import ProblemCode
from tests.fingerprint.conftest import FP, PHOTOS
from tests.fingerprint.helpers import codes, encode, noise_image, png_claiming
from tests.reliability.exifbuild import (
    ASCII,
    LONG,
    RATIONAL,
    SHORT,
    SLONG,
    SRATIONAL,
    SSHORT,
    Entry,
    app1,
    ascii_entry,
    rationals,
    tiff,
)

pillow_heif.register_heif_opener()
BOMB = ProblemCode.DECOMPRESSION_BOMB
CORRUPT = ProblemCode.CORRUPT_IMAGE


# --- decompression bombs ---------------------------------------------------------------------

def heic_claiming(width: int, height: int) -> bytes:
    """A real 64 x 64 HEIC whose image-extent box (``ispe``) claims ``width`` x ``height``."""
    data = bytearray(encode(Image.new("RGB", (64, 64), (10, 200, 30)), "HEIF", quality=50))
    at = data.index(b"ispe")
    data[at + 8 : at + 16] = struct.pack(">II", width, height)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    """A one-pixel GIF whose logical screen claims ``width`` x ``height``."""
    return (b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00"
            + b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def tiff_claiming(width: int, height: int) -> bytes:
    """An 8 x 8 grey TIFF whose width and length tags claim ``width`` x ``height``."""
    data = bytearray(encode(Image.new("L", (8, 8)), "TIFF"))
    ifd = int.from_bytes(data[4:8], "little")
    for i in range(int.from_bytes(data[ifd : ifd + 2], "little")):
        entry = ifd + 2 + 12 * i
        tag = int.from_bytes(data[entry : entry + 2], "little")
        if tag in (256, 257):
            data[entry + 2 : entry + 4] = (4).to_bytes(2, "little")  # LONG
            data[entry + 8 : entry + 12] = (width if tag == 256 else height).to_bytes(4, "little")
    return bytes(data)


CLAIMING = {"png": png_claiming, "gif": gif_claiming, "tif": tiff_claiming, "heic": heic_claiming}


@pytest.mark.parametrize(("width", "height", "why"), [
    (40_000, 40_000, "more than the 1,000 megapixels limit"),  # over the hard cap
    (20_000, 15_000, "far too little for a real picture"),  # 300 MP in a few hundred bytes
    (100_000, 100_000, "10,000 megapixels"),  # over Pillow's own 2-gigapixel refusal too
])
def test_heic_decompression_bomb_is_refused_from_its_header(fp: FP, width: int, height: int,
                                                           why: str) -> None:
    data = heic_claiming(width, height)
    assert len(data) < 1000
    result = fp(data, "bomb.heic")
    assert result.format == "heic"
    assert codes(result) == [BOMB] and why in result.problems[0].message
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.hashes == []


def test_heic_claiming_a_size_its_picture_does_not_have_is_corrupt(fp: FP) -> None:
    """Below every cap (a 200 MP phone photo's size), libheif finds the real picture smaller."""
    result = fp(heic_claiming(16_320, 12_240), "liar.heic")
    assert codes(result) == [CORRUPT] and result.hashes == []


_TMP = tempfile.mkdtemp(prefix="hostile-")  # Hypothesis cannot use function-scoped tmp_path
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _fingerprint(data: bytes, name: str) -> Fingerprint:
    with open(os.path.join(_TMP, name), "wb") as f:
        f.write(data)
    result = fingerprint_file(os.fsencode(_TMP), os.fsencode(name))
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.size == len(data)
    return result


# Either side up to each format's field size; small enough to decode, or past the soft cap.
_SIDE = st.integers(1, 2**31 - 1)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(CLAIMING)), width=_SIDE, height=_SIDE)
def test_claimed_size_refused_exactly_when_the_policy_says(kind: str, width: int, height: int) -> None:
    """Whatever size a tiny file's header claims: refused as a bomb exactly when the policy
    says so, else decoded or found corrupt; never an exception, never a full-size decode."""
    if kind == "gif":
        width, height = width % 65_536 or 1, height % 65_536 or 1
    if 4_000_000 < width * height <= limits.SOFT_CAP_PIXELS:
        height = max(1, 4_000_000 // width)  # a real size, decoded for real: too slow to fuzz
    data = CLAIMING[kind](width, height)
    result = _fingerprint(data, f"claim.{kind}")
    refused = limits.pixel_limit_reason(width, height, len(data)) is not None
    assert (BOMB in codes(result)) == refused, (width, height, codes(result))
    if refused:
        assert result.hashes == []
    else:
        assert codes(result) in ([], [CORRUPT]), codes(result)


# --- truncated files ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["JPEG", "HEIF", "AVIF"])
def test_cut_at_every_stage_is_corrupt_but_hashed(fp: FP, fmt: str) -> None:
    """A photo cut short in its header, its metadata, its picture data, or by its last byte."""
    with Image.open(PHOTOS / "coffee.jpg") as im:
        data = encode(im.convert("RGB"), fmt, quality=80)
    box = data.find(b"mdat")
    cuts = {12, 24, 40, 100, 200, len(data) // 2, len(data) - 2, len(data) - 1}
    if box > 0:
        cuts |= {box - 4, box + 8}  # just before the picture data, and just inside it
    for cut in sorted(cuts):
        result = fp(data[:cut], f"cut{cut}.img")
        assert codes(result) == [CORRUPT], (fmt, cut, codes(result))
        assert "truncated or damaged" in result.problems[0].message
        assert result.sha256 == hashlib.sha256(data[:cut]).hexdigest()
        assert result.hashes == [] and result.format in ("jpeg", "heic", "avif")


# --- EXIF written wrong ------------------------------------------------------------------------

def _jpeg_with(block: bytes) -> bytes:
    return encode(noise_image(), "JPEG", exif=app1(block))


def _sane(result: Fingerprint) -> dict[str, object]:
    """The picture was still fingerprinted and the EXIF dict is plain, bounded JSON."""
    assert result.image is not None and {h.algorithm for h in result.hashes} >= set(WHOLE), codes(result)
    assert set(codes(result)) <= {ProblemCode.METADATA}
    values = result.image.exif
    json.dumps(values, allow_nan=False)
    for value in values.values():
        assert isinstance(value, str | int | float) and not isinstance(value, bool)
        if isinstance(value, str):
            assert len(value) <= limits.MAX_TEXT_LENGTH + len("…[truncated]")
            assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in value)
    return values


DTO = 0x9003  # DateTimeOriginal


@pytest.mark.parametrize("date", ["0000:01:01 00:00:00", "0000:00:00 00:00:00", "9999:12:31 23:59:59",
                                  "-001:01:01 00:00:00", "2021:13:45 99:99:99"])
def test_absurd_capture_dates_are_kept_as_text_but_not_believed(fp: FP, date: str) -> None:
    result = fp(_jpeg_with(tiff([ascii_entry(0x010F, "Acme")], [ascii_entry(DTO, date)])), "d.jpg")
    values = _sane(result)
    assert values["DateTimeOriginal"] == date  # what the camera wrote, for the archivist
    assert result.image is not None and result.image.capture_time is None  # never sorted by it


def test_negative_sizes_and_values(fp: FP) -> None:
    block = tiff([(0x0100, SLONG, 1, struct.pack(">i", -1)),  # ImageWidth -1
                  (0x0101, SLONG, 1, struct.pack(">i", -2**31))],
                 [(0xA002, SLONG, 1, struct.pack(">i", -640)),  # PixelXDimension
                  (0x920A, SRATIONAL, 1, rationals((-50, 1), signed=True)),  # FocalLength
                  (0x829A, SRATIONAL, 1, rationals((-1, 125), signed=True)),  # ExposureTime
                  (0x829D, RATIONAL, 1, rationals((0, 0))),  # FNumber 0/0
                  (0x8827, SSHORT, 1, struct.pack(">h", -100))])  # ISO
    result = fp(_jpeg_with(block), "negative.jpg")
    values = _sane(result)
    assert result.image is not None and (result.image.width, result.image.height) == (64, 48)
    assert values["ISO"] == -100 and values["FocalLength"] == -50  # recorded as written
    assert values["ExposureTime"] == pytest.approx(-1 / 125)
    assert values["FNumber"] == "0/0"


@pytest.mark.parametrize("kind", ["count-4-GB", "count-2-GB-past-end", "65535-entries", "type-0",
                                  "type-200", "exif-ifd-is-ifd0", "exif-ifd-past-end"])
def test_lying_directory_structure(fp: FP, kind: str) -> None:
    make = [ascii_entry(0x010F, "Acme")]
    block = {
        "count-4-GB": tiff([(0x010F, ASCII, 0xFFFFFFFF, 0x10)]),
        "count-2-GB-past-end": tiff([(0x0110, ASCII, 0x7FFFFFFF, 0xFFFFFFF0), *make]),
        "65535-entries": tiff(make, ifd0_count=0xFFFF),
        "type-0": tiff([(0x0110, 0, 4, b"abcd"), *make]),
        "type-200": tiff([(0x0110, 200, 4, b"abcd"), *make]),
        "exif-ifd-is-ifd0": tiff(make, [ascii_entry(DTO, "2021:05:01 10:11:12")], exif_at=8),
        "exif-ifd-past-end": tiff(make, [], exif_at=0x7FFFFFFF),
    }[kind]
    result = fp(_jpeg_with(block), "lying.jpg")
    values = _sane(result)
    if kind != "count-4-GB":
        assert values.get("Make") == "Acme"  # what could be read was kept
    if kind == "exif-ifd-past-end":
        assert codes(result) == [ProblemCode.METADATA]
        assert "EXIF sub-directory" in result.problems[0].message


def test_wrong_types(fp: FP) -> None:
    block = tiff([(0x010F, RATIONAL, 1, rationals((1, 3))),  # Make as a number
                  (0x0112, ASCII, 2, b"6\0"),  # Orientation as text
                  (0x0110, SHORT, 3, struct.pack(">HHH", 65, 66, 67))],  # Model as numbers
                 [(DTO, LONG, 1, struct.pack(">I", 20210501)),  # a date as a number
                  (0x8827, ASCII, 4, b"abc\0")])  # ISO as text
    result = fp(_jpeg_with(block), "types.jpg")
    values = _sane(result)
    assert result.image is not None and result.image.orientation == 6
    assert values["Make"] == "0.3333333333333333" and values["ISO"] == "abc"
    assert result.image.capture_time is None


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])
def test_a_one_megabyte_text_value_is_cut(fp: FP, fmt: str) -> None:
    """JPEG's APP1 holds 64 kB; PNG, TIFF and WebP carry EXIF of any size."""
    block = tiff([ascii_entry(0x013B, "A" * (1 << 20))], [ascii_entry(DTO, "2021:05:01 10:11:12")])
    result = fp(encode(noise_image(), fmt, exif=app1(block)), f"big.{fmt.lower()}")
    values = _sane(result)
    assert values["Artist"] == "A" * limits.MAX_TEXT_LENGTH + "…[truncated]"
    assert result.image is not None and result.image.capture_time == "2021-05-01T10:11:12"


# Hypothesis builds the directories themselves: any tag, type, count and value or offset.
_TAGS = st.sampled_from([0x010F, 0x0110, 0x0112, 0x0131, 0x0132, 0x013B, 0x8298, 0x8825, DTO,
                         0x9004, 0x9011, 0x9291, 0x829A, 0x829D, 0x8827, 0x920A, 0xA002, 0xA434])
_ENTRY = st.tuples(_TAGS, st.integers(0, 14) | st.integers(0, 65535),
                   st.sampled_from([0, 1, 2, 4, 8, 0x7FFFFFFF, 0xFFFFFFFF]) | st.integers(0, 64),
                   st.binary(max_size=64) | st.integers(0, 2**32 - 1))
_ENTRIES = st.lists(_ENTRY, max_size=10)


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ifd0=_ENTRIES, sub=st.none() | _ENTRIES, count=st.none() | st.integers(0, 65535),
       exif_at=st.none() | st.integers(0, 2**32 - 1))
def test_any_directory_structure_never_raises(ifd0: list[Entry], sub: list[Entry] | None,
                                              count: int | None, exif_at: int | None) -> None:
    block = tiff(ifd0, sub, ifd0_count=count, exif_at=exif_at)
    result = exif.read_exif(io.BytesIO(block))
    json.dumps(result.exif, allow_nan=False)
    assert result.orientation is None or 1 <= result.orientation <= 8
    assert result.capture_time is None or 1800 <= int(result.capture_time[:4]) <= 2200
    if len(block) < 65_000:  # what fits a JPEG's APP1: the whole fingerprint, end to end
        _sane(_fingerprint(_jpeg_with(block), "fuzz.jpg"))
