"""EXIF metadata through exifread, normalised to a small JSON-serialisable dict.

The dict keeps the EXIF tag names an archivist would search for (``DateTimeOriginal``,
``Make``, ``GPSLatitude``...). Values are cleaned: text without NULs or control characters,
cut at ``MAX_TEXT_LENGTH`` with a ``…[truncated]`` marker; rationals as floats (``"n/0"`` when
the denominator is zero); GPS as signed decimal degrees and metres. Absurd values are kept as
text where harmless and never crash anything; ``capture_time`` is only set from a plausible
date.

exifread reports damage through the ``exifread`` logger. That logger is routed here (it no
longer propagates to the root logger, so a scan's terminal is not flooded) and the warnings of
the file being read become one ``metadata`` Problem.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, BinaryIO

import exifread
from exifread.core.exceptions import ExifError

from ..vocabulary import ProblemCode
from .limits import MAX_TEXT_LENGTH
from .model import Problem

_TRUNCATED = "…[truncated]"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]+")
_DATE = re.compile(
    r"^(\d{4})[:\-/.](\d{1,2})[:\-/.](\d{1,2})(?:[ T]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?"
)
_SUBSEC = re.compile(r"^\d{1,9}$")
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
MIN_YEAR, MAX_YEAR = 1800, 2200  # a capture time outside this is treated as unset

# (output key, exifread keys in order of preference, kind)
_FIELDS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Make", ("Image Make",), "text"),
    ("Model", ("Image Model",), "text"),
    ("LensMake", ("EXIF LensMake",), "text"),
    ("LensModel", ("EXIF LensModel",), "text"),
    ("BodySerialNumber", ("EXIF BodySerialNumber",), "text"),
    ("Software", ("Image Software",), "text"),
    ("Artist", ("Image Artist",), "text"),
    ("Copyright", ("Image Copyright",), "text"),
    ("ImageDescription", ("Image ImageDescription",), "text"),
    ("ImageUniqueID", ("EXIF ImageUniqueID",), "text"),
    ("DateTime", ("Image DateTime",), "text"),
    ("DateTimeOriginal", ("EXIF DateTimeOriginal", "Image DateTimeOriginal"), "text"),
    ("DateTimeDigitized", ("EXIF DateTimeDigitized",), "text"),
    ("SubSecTime", ("EXIF SubSecTime",), "text"),
    ("SubSecTimeOriginal", ("EXIF SubSecTimeOriginal",), "text"),
    ("SubSecTimeDigitized", ("EXIF SubSecTimeDigitized",), "text"),
    ("OffsetTime", ("EXIF OffsetTime",), "text"),
    ("OffsetTimeOriginal", ("EXIF OffsetTimeOriginal",), "text"),
    ("OffsetTimeDigitized", ("EXIF OffsetTimeDigitized",), "text"),
    ("Orientation", ("Image Orientation",), "number"),
    ("ExposureTime", ("EXIF ExposureTime",), "number"),
    ("FNumber", ("EXIF FNumber",), "number"),
    ("ISO", ("EXIF ISOSpeedRatings", "EXIF PhotographicSensitivity"), "number"),
    ("FocalLength", ("EXIF FocalLength",), "number"),
    ("FocalLengthIn35mmFilm", ("EXIF FocalLengthIn35mmFilm",), "number"),
)


@dataclass(slots=True)
class ExifResult:
    exif: dict[str, Any] = field(default_factory=dict)
    orientation: int | None = None  # 1..8 when valid
    capture_time: str | None = None
    make: str | None = None
    model: str | None = None
    problem: Problem | None = None


# ------------------------------------------------------------------------ logging capture


class _Capture(logging.Handler):
    """Collects exifread's warnings for the file being read, per thread, instead of printing."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self._local = threading.local()

    def start(self) -> None:
        self._local.records = []

    def stop(self) -> list[str]:
        records: list[str] = getattr(self._local, "records", None) or []
        self._local.records = None
        return records

    def emit(self, record: logging.LogRecord) -> None:
        records: list[str] | None = getattr(self._local, "records", None)
        if records is None or len(records) >= 5 or isinstance(record.msg, ExifError):
            return  # not reading, enough already, or "no EXIF here" (not damage)
        if record.msg == "Possibly corrupted field %s in %s IFD":
            return  # text that is not UTF-8 (e.g. Latin-1 "©"): decoded here, not damage
        try:
            records.append(record.getMessage())
        except Exception:
            records.append(str(record.msg))


_CAPTURE = _Capture()
_LOG = logging.getLogger("exifread")
_LOG.addHandler(_CAPTURE)
_LOG.propagate = False
if _LOG.level == logging.NOTSET or _LOG.level < logging.WARNING:
    _LOG.setLevel(logging.WARNING)


# --------------------------------------------------------------------------- normalisers


def _values(tag: Any) -> Any:
    return getattr(tag, "values", tag)


def clean_text(value: Any) -> str | None:
    """Printable text, or None when nothing printable is left."""
    value = _values(value)
    if isinstance(value, bytes | bytearray | memoryview):
        raw = bytes(value[: MAX_TEXT_LENGTH * 4]).lstrip(b"\0").split(b"\0", 1)[0]
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", "replace")
    elif isinstance(value, str):
        text = value.lstrip("\0").split("\0", 1)[0]
    elif isinstance(value, list | tuple):
        items = list(value[: MAX_TEXT_LENGTH * 4])
        if items and all(isinstance(i, int) and 0 <= i <= 255 for i in items):
            return clean_text(bytes(items))
        text = " ".join(str(_number(i)) for i in items[:16])
    elif value is None:
        return None
    else:
        text = str(_number(value))
    text = _CONTROL.sub(" ", text).strip()
    if not text:
        return None
    if len(text) > MAX_TEXT_LENGTH:
        text = text[:MAX_TEXT_LENGTH] + _TRUNCATED
    return text


def _number(value: Any) -> int | float | str | None:
    """A JSON-safe number: int, finite float, "n/0" for a zero-denominator rational."""
    value = _values(value)
    if isinstance(value, list | tuple):
        if not value:
            return None
        value = value[0]
        if isinstance(value, list | tuple):  # exifread wraps floats in 1-tuples
            value = value[0] if value else None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else str(value)
    if isinstance(value, Fraction):
        num, den = value.numerator, value.denominator
        if den == 0:
            return f"{num}/0"
        if den == 1:
            return _number(num)
        try:
            result = num / den
        except (OverflowError, ZeroDivisionError):
            return f"{num}/{den}"
        return result if math.isfinite(result) else f"{num}/{den}"
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str | bytes):
        text = clean_text(value)
        if text is None:
            return None
        try:
            return _number(int(text))
        except ValueError:
            pass
        try:
            parsed = float(text)
        except ValueError:
            return text
        return parsed if math.isfinite(parsed) else text
    return None


def _float(value: Any) -> float | None:
    number = _number(value)
    return float(number) if isinstance(number, int | float) else None


def _gps_coordinate(tag: Any, ref: Any, limit: float) -> float | None:
    values = _values(tag)
    if not isinstance(values, list | tuple) or not values:
        return None
    parts = [_float(v) for v in values[:3]]
    if any(p is None for p in parts):
        return None
    degrees = 0.0
    for p, scale in zip(parts, (1.0, 60.0, 3600.0), strict=False):
        assert p is not None
        degrees += p / scale
    if (clean_text(ref) or "").upper()[:1] in ("S", "W"):
        degrees = -degrees
    if not math.isfinite(degrees) or abs(degrees) > limit:
        return None
    return round(degrees, 7)


def _gps_altitude(tag: Any, ref: Any) -> float | None:
    altitude = _float(tag)
    if altitude is None or abs(altitude) > 100_000:
        return None
    ref_value = _values(ref)
    if isinstance(ref_value, bytes | bytearray):
        below = ref_value[:1] == b"\x01"
    elif isinstance(ref_value, str):
        below = ref_value.strip().lower().startswith(("1", "below"))
    else:
        below = _number(ref_value) == 1
    return round(-altitude if below else altitude, 3)


def _gps_datetime(date_tag: Any, time_tag: Any) -> str | None:
    date = clean_text(date_tag)
    times = _values(time_tag)
    if not date or not isinstance(times, list | tuple) or len(times) < 3:
        return None
    m = _DATE.match(date)
    hms = [_float(t) for t in times[:3]]
    if not m or any(v is None for v in hms):
        return None
    h, mi, s = (int(v) for v in hms if v is not None)
    try:
        moment = _dt.datetime(int(m[1]), int(m[2]), int(m[3]), h, mi, s)
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    return moment.isoformat() + "Z"


def capture_time(original: Any, subsec: Any = None, offset: Any = None) -> str | None:
    """ISO 8601 from EXIF DateTimeOriginal (+ sub-seconds, + offset); None if implausible."""
    text = clean_text(original)
    if not text:
        return None
    m = _DATE.match(text)
    if not m or m[4] is None:
        return None
    try:
        moment = _dt.datetime(
            int(m[1]), int(m[2]), int(m[3]), int(m[4]), int(m[5]), int(m[6] or 0)
        )
    except ValueError:
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    result = moment.strftime("%Y-%m-%dT%H:%M:%S")
    sub = clean_text(subsec)
    if sub and _SUBSEC.match(sub.strip()):
        result += "." + sub.strip()
    off = clean_text(offset)
    om = _OFFSET.match(off.strip()) if off else None
    if om and int(om[2]) <= 14 and int(om[3]) < 60:
        result += f"{om[1]}{om[2]}:{om[3]}"
    return result


def interpret(tags: Mapping[str, Any]) -> ExifResult:
    """Normalise exifread's tag dict (or anything shaped like it). Never raises."""
    exif: dict[str, Any] = {}
    for out_key, keys, kind in _FIELDS:
        for key in keys:
            if key in tags:
                value = clean_text(tags[key]) if kind == "text" else _number(tags[key])
                if value is not None:
                    exif[out_key] = value
                    break
    lat = _gps_coordinate(tags.get("GPS GPSLatitude"), tags.get("GPS GPSLatitudeRef"), 90.0)
    lon = _gps_coordinate(tags.get("GPS GPSLongitude"), tags.get("GPS GPSLongitudeRef"), 180.0)
    if lat is not None and lon is not None:
        exif["GPSLatitude"] = lat
        exif["GPSLongitude"] = lon
    if "GPS GPSAltitude" in tags:
        alt = _gps_altitude(tags["GPS GPSAltitude"], tags.get("GPS GPSAltitudeRef"))
        if alt is not None:
            exif["GPSAltitude"] = alt
    gps_time = _gps_datetime(tags.get("GPS GPSDate"), tags.get("GPS GPSTimeStamp"))
    if gps_time is not None:
        exif["GPSDateTime"] = gps_time

    orientation = exif.get("Orientation")
    make, model = exif.get("Make"), exif.get("Model")
    return ExifResult(
        exif=exif,
        orientation=orientation if isinstance(orientation, int) and 1 <= orientation <= 8 else None,
        capture_time=capture_time(
            exif.get("DateTimeOriginal"),
            exif.get("SubSecTimeOriginal"),
            exif.get("OffsetTimeOriginal"),
        ),
        make=make if isinstance(make, str) else None,
        model=model if isinstance(model, str) else None,
    )


def _damage(tags: Mapping[str, Any], expect_block: bool) -> str | None:
    """exifread is lenient: it returns what it can, silently. Notice what it could not read."""
    if not tags:
        return "an EXIF block is present but none of it could be read" if expect_block else None
    for pointer, prefix, what in (
        ("Image ExifOffset", "EXIF ", "the camera settings and dates (EXIF sub-directory)"),
        ("Image GPSInfo", "GPS ", "the location (GPS sub-directory)"),
    ):
        if pointer in tags and not any(k.startswith(prefix) for k in tags):
            return f"{what} could not be read"
    return None


def camera_label(make: str | None, model: str | None) -> str | None:
    """"Canon EOS R6", not "Canon Canon EOS R6": most makers repeat the make in the model."""
    make, model = (make or "").strip(), (model or "").strip()
    if make and model.lower().startswith(make.split()[0].lower()):
        return model
    return f"{make} {model}".strip() or None


def tiff_block(raw: object) -> bytes:
    """The bare TIFF stream inside an EXIF block a decoder extracted (``im.info["exif"]``)."""
    if not isinstance(raw, bytes) or not raw:
        return b""
    starts = [i for i in (raw.find(b"II*\x00", 0, 16), raw.find(b"MM\x00*", 0, 16)) if i >= 0]
    return raw[min(starts):] if starts else raw


def read_exif(source: BinaryIO, *, expect_block: bool = False) -> ExifResult:
    """Read and normalise the EXIF of an in-memory file (or a bare TIFF-structured block).

    ``expect_block``: the decoder saw an EXIF block, so finding nothing means it is damaged.
    """
    _CAPTURE.start()
    try:
        tags = exifread.process_file(source, details=False, extract_thumbnail=False)
    except Exception as exc:  # exifread on damaged data raises many kinds of errors
        _CAPTURE.stop()
        return ExifResult(
            problem=Problem(
                ProblemCode.METADATA,
                "The EXIF metadata is damaged and could not be read "
                f"({type(exc).__name__}: {clean_text(str(exc)) or 'no detail'}); "
                "the rest of the file was fingerprinted.",
            )
        )
    warnings = _CAPTURE.stop()
    result = interpret(tags)
    damage = clean_text(warnings[0]) if warnings else _damage(tags, expect_block)
    if damage:
        result.problem = Problem(
            ProblemCode.METADATA,
            f"The EXIF metadata is damaged ({damage}); what could be read was kept.",
        )
    return result
