"""Hypothesis: random and mutated bytes never make fingerprinting raise."""

from __future__ import annotations

import atexit
import hashlib
import io
import json
import os
import shutil
import tempfile
from fractions import Fraction
from typing import Any

import pytest
from exifread.utils import Ratio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from preservation.fingerprint import exif, fingerprint_file, sniff
from preservation.vocabulary import ProblemCode

from .conftest import PHOTOS
from .helpers import encode, exif_bytes, noise_image

_MAGICS = [
    b"",
    b"\xff\xd8\xff\xe1",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"II*\x00\x08\x00\x00\x00",
    b"MM\x00*\x00\x00\x00\x08",
    b"RIFF\x00\x00\x00\x00WEBPVP8X",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    b"\x00\x00\x00\x18ftypavif\x00\x00\x00\x00avifmif1",
    b"BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00",
    b"FUJIFILMCCD-RAW ",
    b"PK\x03\x04",
    b"%PDF-",
]
_SEEDS = [
    (PHOTOS / "chelsea.jpg").read_bytes()[:6000],
    encode(noise_image((24, 16)), "PNG"),
    encode(noise_image((24, 16)), "JPEG", exif=exif_bytes({0x010F: "Acme", 0x0112: 6},
                                                          {0x9003: "2021:01:01 00:00:00"})),
    encode(noise_image((24, 16)), "TIFF"),
    encode(noise_image((24, 16)), "WEBP"),
    encode(noise_image((24, 16)), "GIF"),
]
_NAMES = st.sampled_from(["x.jpg", "x.png", "x.heic", "x.dng", "x", "x.txt", "IMG.JPG"])
_VALID_CODES = {c.value for c in ProblemCode}
_TMP = tempfile.mkdtemp(prefix="fp-fuzz-")  # Hypothesis cannot use function-scoped tmp_path
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 2))
    if kind == 0:
        return draw(st.sampled_from(_MAGICS)) + draw(st.binary(max_size=2048))
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        pos = draw(st.integers(0, len(data) - 1))
        data[pos] = draw(st.integers(0, 255))
    if kind == 2:
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def _check(data: bytes, name: str) -> None:
    path = os.path.join(_TMP, name)
    with open(path, "wb") as f:
        f.write(data)
    result = fingerprint_file(os.fsencode(_TMP), os.fsencode(name), algorithms=("md5",))
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.digests["md5"] == hashlib.md5(data).hexdigest()
    assert result.size == len(data)
    for problem in result.problems:
        assert problem.code in _VALID_CODES and problem.message
    if result.image is not None:
        json.dumps(result.image.exif, allow_nan=False)
    for h in result.hashes:
        int(h.value, 16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(), name=_NAMES)
def test_fingerprint_never_raises(data: bytes, name: str) -> None:
    _check(data, name)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=512))
def test_sniff_never_raises(head: bytes) -> None:
    assert sniff.sniff(head) is None or isinstance(sniff.sniff(head), str)


@settings(max_examples=300, deadline=None)
@given(prefix=st.sampled_from([b"II*\x00", b"MM\x00*", b"\xff\xd8\xff\xe1\x00\x40Exif\x00\x00"]),
       body=st.binary(max_size=1024))
def test_read_exif_never_raises(prefix: bytes, body: bytes) -> None:
    result = exif.read_exif(io.BytesIO(prefix + body))
    json.dumps(result.exif, allow_nan=False)
    assert result.orientation is None or 1 <= result.orientation <= 8


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=2000),
    st.binary(max_size=2000),
    st.builds(Ratio, st.integers(-(2**40), 2**40), st.integers(-(2**40), 2**40)),
    st.builds(Fraction, st.integers(-(10**6), 10**6), st.integers(1, 10**6)),
)
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=6) | st.tuples(inner),
                       max_leaves=12)
_KEYS = st.sampled_from([
    "Image Make", "Image Model", "Image Orientation", "EXIF DateTimeOriginal",
    "EXIF SubSecTimeOriginal", "EXIF OffsetTimeOriginal", "EXIF ExposureTime", "EXIF FNumber",
    "EXIF ISOSpeedRatings", "EXIF FocalLength", "GPS GPSLatitude", "GPS GPSLatitudeRef",
    "GPS GPSLongitude", "GPS GPSLongitudeRef", "GPS GPSAltitude", "GPS GPSAltitudeRef",
    "GPS GPSDate", "GPS GPSTimeStamp", "Image Copyright", "EXIF LensModel", "Image ExifOffset",
])


class _Tag:
    def __init__(self, values: Any) -> None:
        self.values = values


@pytest.mark.slow
@settings(max_examples=250, deadline=None)
@given(st.dictionaries(_KEYS, _VALUES | _VALUES.map(_Tag), max_size=12))
def test_exif_normaliser_never_raises(tags: dict[str, Any]) -> None:
    result = exif.interpret(tags)
    json.dumps(result.exif, allow_nan=False)
    for value in result.exif.values():
        assert isinstance(value, str | int | float)
        if isinstance(value, str):
            assert "\x00" not in value and len(value) <= 600
            value.encode("utf-8")  # no lone surrogates
    assert result.orientation is None or 1 <= result.orientation <= 8
    assert result.capture_time is None or result.capture_time[:4].isdigit()
