"""EXIF: what is extracted, how it is normalised, and damaged blocks."""

from __future__ import annotations

import json
import logging
from fractions import Fraction

import pytest
from exifread.utils import Ratio

from preservation.fingerprint import exif
from preservation.fingerprint.limits import MAX_TEXT_LENGTH
from preservation.vocabulary import ProblemCode

from .conftest import FP
from .helpers import codes, encode, exif_bytes, noise_image, rational, whole_picture

FULL = exif_bytes(
    {
        0x010F: "Canon",
        0x0110: "Canon EOS R6",
        0x0112: 1,
        0x0131: "Firmware 1.5",
        0x013B: "Jane Doe",
        0x8298: "(c) 2021 Jane Doe",
        0x0132: "2021:05:02 08:00:00",
    },
    {
        0x9003: "2021:05:01 10:11:12",
        0x9004: "2021:05:01 10:11:13",
        0x9291: "045",
        0x9011: "+02:00",
        0x829A: rational(1, 125),
        0x829D: rational(28, 10),
        0x8827: 400,
        0x920A: rational(50, 1),
        0xA434: "RF24-105mm F4 L IS USM",
        0xA420: "abc123",
    },
    {
        1: "S",
        2: (rational(33), rational(51), rational(3540, 100)),
        3: "E",
        4: (rational(151), rational(12), rational(3000, 100)),
        5: b"\x00",
        6: rational(1234, 10),
        7: (rational(8), rational(11), rational(12)),
        29: "2021:05:01",
    },
)


def test_full_exif_from_a_jpeg(fp: FP) -> None:
    result = fp(encode(noise_image(), "JPEG", exif=FULL), "IMG_0001.JPG")
    info = result.image
    assert info is not None and result.problems == []
    assert info.capture_time == "2021-05-01T10:11:12.045+02:00"
    assert (info.camera_make, info.camera_model, info.orientation) == ("Canon", "Canon EOS R6", 1)
    e = info.exif
    assert e["LensModel"] == "RF24-105mm F4 L IS USM"
    assert e["Software"] == "Firmware 1.5"
    assert e["Artist"] == "Jane Doe" and e["Copyright"] == "(c) 2021 Jane Doe"
    assert e["ImageUniqueID"] == "abc123"
    assert e["DateTime"] == "2021:05:02 08:00:00"
    assert e["DateTimeDigitized"] == "2021:05:01 10:11:13"
    assert e["ExposureTime"] == pytest.approx(1 / 125)
    assert e["FNumber"] == pytest.approx(2.8)
    assert e["ISO"] == 400
    assert e["FocalLength"] == pytest.approx(50.0)
    assert e["GPSLatitude"] == pytest.approx(-(33 + 51 / 60 + 35.4 / 3600), abs=1e-6)
    assert e["GPSLongitude"] == pytest.approx(151 + 12 / 60 + 30 / 3600, abs=1e-6)
    assert e["GPSAltitude"] == pytest.approx(123.4)
    assert e["GPSDateTime"] == "2021-05-01T08:11:12Z"
    json.dumps(e, allow_nan=False)


def test_below_sea_level(fp: FP) -> None:
    data = exif_bytes(gps={1: "N", 2: (rational(31), rational(0), rational(0)), 3: "E",
                           4: (rational(35), rational(30), rational(0)), 5: b"\x01",
                           6: rational(430)})
    result = fp(encode(noise_image(), "JPEG", exif=data), "deadsea.jpg")
    assert result.image is not None
    assert result.image.exif["GPSAltitude"] == -430.0
    assert result.image.exif["GPSLongitude"] == 35.5


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "TIFF"])
def test_exif_from_other_containers(fp: FP, fmt: str) -> None:
    result = fp(encode(noise_image(), fmt, exif=FULL), f"x.{fmt.lower()}")
    assert result.image is not None, result.problems
    assert result.image.capture_time == "2021-05-01T10:11:12.045+02:00"
    assert result.image.camera_model == "Canon EOS R6"


def test_exif_from_heic_and_avif(fp: FP) -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()
    for fmt, name in (("HEIF", "x.heic"), ("AVIF", "x.avif")):
        result = fp(encode(noise_image(), fmt, exif=FULL), name)
        assert result.image is not None, result.problems
        assert result.problems == []
        assert result.image.camera_make == "Canon", fmt
        assert result.image.capture_time == "2021-05-01T10:11:12.045+02:00", fmt


@pytest.mark.parametrize(
    ("original", "subsec", "offset", "expected"),
    [
        ("2021:05:01 10:11:12", None, None, "2021-05-01T10:11:12"),
        ("2021:05:01 10:11:12", "7", "-05:00", "2021-05-01T10:11:12.7-05:00"),
        ("2021-05-01T10:11:12", "123456789", "+0530", "2021-05-01T10:11:12.123456789+05:30"),
        ("2021:05:01 10:11:12\x00\x00", " 12 ", None, "2021-05-01T10:11:12.12"),
        ("2021:05:01 10:11:12", "abc", "+99:00", "2021-05-01T10:11:12"),
        ("0000:00:00 00:00:00", None, None, None),
        ("9999:12:31 23:59:59", None, None, None),
        ("1799:12:31 23:59:59", None, None, None),
        ("2021:02:30 10:00:00", None, None, None),
        ("2021:05:01 25:00:00", None, None, None),
        ("    :  :     :  :  ", None, None, None),
        ("2021:05:01", None, None, None),
        ("", None, None, None),
        (None, None, None, None),
        (12345, None, None, None),
    ],
)
def test_capture_time(original: object, subsec: object, offset: object, expected: str | None
                      ) -> None:
    assert exif.capture_time(original, subsec, offset) == expected


def test_absurd_values_are_tolerated(fp: FP) -> None:
    data = exif_bytes(
        {0x010F: "Ac\x01me\x7f\x00garbage after NUL", 0x0110: "M" * 5000, 0x0112: 42,
         0x013B: "\x00\x00\x00"},
        {0x9003: "9999:99:99 99:99:99", 0x829A: rational(1, 0), 0x8827: 0},
    )
    result = fp(encode(noise_image(), "JPEG", exif=data), "odd.jpg")
    info = result.image
    assert info is not None
    assert info.camera_make == "Ac me"
    assert info.camera_model is not None
    assert len(info.camera_model) == MAX_TEXT_LENGTH + len("…[truncated]")
    assert info.camera_model.endswith("…[truncated]")
    assert info.orientation is None and info.exif["Orientation"] == 42
    assert info.capture_time is None
    assert info.exif["ExposureTime"] == "1/0"
    assert "Artist" not in info.exif
    json.dumps(info.exif, allow_nan=False)
    assert whole_picture(result.hashes)  # an out-of-range orientation is simply not applied


def test_interpret_wrong_types() -> None:
    result = exif.interpret({
        "Image Make": [67, 97, 110, 111, 110, 0],  # text stored as bytes
        "Image Model": 123,  # a number where text belongs
        "Image Orientation": "6",
        "EXIF ISOSpeedRatings": [Ratio(800, 1), 100],
        "EXIF FNumber": [(2.8,)],
        "EXIF FocalLength": [Ratio(10**30, 1)],
        "EXIF ExposureTime": [],
        "GPS GPSLatitude": [Ratio(1, 0), Ratio(0, 1), Ratio(0, 1)],
        "GPS GPSLongitude": [Ratio(10, 1)],
        "GPS GPSAltitude": "high",
        "Image Copyright": b"\xa9 Jos\xe9",  # Latin-1, not UTF-8
    })
    e = result.exif
    assert e["Make"] == "Canon" and e["Model"] == "123"
    assert result.orientation == 6
    assert e["ISO"] == 800 and isinstance(e["ISO"], int) and e["FNumber"] == 2.8
    assert e["FocalLength"] == str(10**30)  # beyond int64: kept exactly, as text
    assert "ExposureTime" not in e and "GPSLatitude" not in e and "GPSAltitude" not in e
    assert e["Copyright"] == "© José"
    json.dumps(e, allow_nan=False)


def test_latitude_out_of_range_is_dropped() -> None:
    result = exif.interpret({
        "GPS GPSLatitude": [Ratio(91, 1), Ratio(0, 1), Ratio(0, 1)],
        "GPS GPSLongitude": [Ratio(10, 1), Ratio(0, 1), Ratio(0, 1)],
    })
    assert "GPSLatitude" not in result.exif and "GPSLongitude" not in result.exif


def test_clean_text() -> None:
    assert exif.clean_text("  a\tb\nc\x00d ") == "a b c"
    assert exif.clean_text(b"\x00\x00lead") == "lead"
    assert exif.clean_text("\ud800x") == "x"
    assert exif.clean_text(Fraction(1, 2)) == "0.5"
    assert exif.clean_text([]) is None


def _corrupt_exif_jpeg(kind: str) -> bytes:
    """A JPEG whose EXIF block is damaged in one of a few real-world ways."""
    good = encode(noise_image(), "JPEG", exif=exif_bytes(
        {0x010F: "Acme", 0x0110: "X"}, {0x9003: "2021:05:01 10:11:12"}))
    start = good.index(b"Exif\x00\x00") + 6
    assert good[start : start + 4] == b"MM\x00*"  # Pillow writes big-endian
    broken = bytearray(good)
    if kind == "ifd0-offset":  # the first directory points outside the block
        broken[start + 4 : start + 8] = b"\x7f\xff\xff\xff"
    elif kind == "exif-offset":  # the camera-settings directory points outside it
        i = broken.index(b"\x87\x69\x00\x04", start)
        broken[i + 8 : i + 12] = b"\x00\xff\xff\xff"
    elif kind == "zeroed":  # the block's bytes overwritten
        length = int.from_bytes(good[start - 8 : start - 6], "big") - 8
        broken[start : start + length] = b"\x00" * length
    return bytes(broken)


@pytest.mark.parametrize("kind", ["ifd0-offset", "exif-offset", "zeroed"])
def test_broken_exif_is_a_metadata_problem_and_fingerprint_continues(
    fp: FP, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="exifread")  # exifread 3.3+ logs every step at DEBUG
    reached_root = _Recorder()
    logging.getLogger().addHandler(reached_root)
    try:
        result = fp(_corrupt_exif_jpeg(kind), "broken-exif.jpg")
    finally:
        logging.getLogger().removeHandler(reached_root)
    assert codes(result) == [ProblemCode.METADATA]
    assert result.sha256 and whole_picture(result.hashes) and result.image is not None
    message = result.problems[0].message
    assert "EXIF" in message and "damaged" in message and "Traceback" not in message
    if kind == "exif-offset":
        assert result.image.camera_make == "Acme"  # what could be read was kept
        assert result.image.capture_time is None
    out = capsys.readouterr()
    assert out.err == "" and out.out == ""  # nothing printed on the terminal
    # exifread's records stay with the EXIF reader: none reaches the root logger (whose handlers
    # would print them during a scan). pytest 9.1+ also captures non-propagating loggers, so
    # caplog itself holds exifread's DEBUG chatter: what matters is where records go, and that
    # the project's own loggers did not warn about what became the file's Problem.
    assert logging.getLogger("exifread").propagate is False
    assert not [r for r in reached_root.records if r.name.startswith("exifread")]
    assert not [r for r in caplog.records
                if r.name.startswith("preservation") and r.levelno >= logging.WARNING]


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_exifread_warnings_become_the_problem_not_output(
    fp: FP, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import exifread as real_exifread

    def noisy(*a: object, **kw: object) -> dict[str, object]:
        logging.getLogger("exifread").warning("Possibly corrupted IFD: %s", "EXIF")
        return {}

    monkeypatch.setattr(real_exifread, "process_file", noisy)
    result = fp(encode(noise_image(), "JPEG"), "noisy.jpg")
    assert codes(result) == [ProblemCode.METADATA]
    assert "Possibly corrupted IFD: EXIF" in result.problems[0].message
    assert capsys.readouterr().err == ""


def test_exifread_exception_is_a_metadata_problem(
    fp: FP, monkeypatch: pytest.MonkeyPatch
) -> None:
    import exifread as real_exifread

    def broken(*a: object, **kw: object) -> dict[str, object]:
        raise IndexError("list index out of range")

    monkeypatch.setattr(real_exifread, "process_file", broken)
    result = fp(encode(noise_image(), "JPEG"), "x.jpg")
    assert codes(result) == [ProblemCode.METADATA] and whole_picture(result.hashes)
    assert "IndexError" in result.problems[0].message


def test_no_exif_is_not_a_problem(fp: FP) -> None:
    result = fp(encode(noise_image(), "JPEG"), "plain.jpg")
    assert result.problems == []
    assert result.image is not None and result.image.exif == {}
    assert result.image.capture_time is None


def test_gif_and_bmp_have_no_exif_and_no_problem(fp: FP) -> None:
    for fmt in ("GIF", "BMP"):
        result = fp(encode(noise_image(), fmt), f"x.{fmt.lower()}")
        assert result.problems == [] and result.image is not None and result.image.exif == {}
