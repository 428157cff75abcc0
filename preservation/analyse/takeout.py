"""Google Takeout metadata files ("sidecars"): which photo each describes, and what it says.

A Takeout export renames and strips photos, and writes the facts it took from them into a JSON
file beside each one: ``IMG_1234.jpg.json`` (``IMG_1234.jpg.supplemental-metadata.json`` in
newer exports, cut short when the name would be too long: ``...supplemental-me.json``,
``...supp.json``). Copies of the same name get a counter that moves: the sidecar of
``IMG_1234(1).jpg`` is ``IMG_1234.jpg(1).json``. Long names are truncated, the photo's and the
sidecar's at different lengths. An edited copy (``IMG_1234-edited.jpg``) has no sidecar of its
own: it shares its original's. The fields read here:

* ``title``: the name the photo had when it was uploaded (the person's own file name);
* ``photoTakenTime.timestamp``: the capture time, in seconds since 1970 (UTC);
* ``geoData``: latitude, longitude and altitude (0.0, 0.0 when unknown).

Everything here is pure: the caller lists the names and reads the (small) JSON files,
read-only.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

#: Sidecars are small; a ".json" larger than this is not read as one.
MAX_SIDECAR_BYTES = 1 << 20
_SUPPLEMENTAL = "supplemental-metadata"
_COUNTER = re.compile(r"^(?P<base>.*?)\((?P<n>\d{1,4})\)$")
#: Suffixes Google Photos gives edited copies, in the languages seen in exports.
EDITED_SUFFIXES = ("edited", "bearbeitet", "modifié", "modificato", "editado", "bewerkt",
                   "redigerad", "redigeret", "muokattu", "edytowane", "編集済み")
#: Fields that mark a JSON file as Takeout metadata: a photo's sidecar has some of these ...
_TAKEOUT_KEYS = frozenset({"photoTakenTime", "creationTime", "geoData", "geoDataExif",
                           "photoLastModifiedTime", "googlePhotosOrigin"})
#: ... an album's ``metadata.json`` a title and a date ({"timestamp": ...}).
_ALBUM_KEYS = frozenset({"title", "date"})


@dataclass(frozen=True, slots=True)
class Sidecar:
    """What one Takeout metadata file says about one photo."""

    path: str  # absolute, printable
    title: str | None
    taken: int | None  # photoTakenTime, seconds since 1970 UTC
    latitude: float | None = None
    longitude: float | None = None
    altitude: float | None = None

    @property
    def taken_utc(self) -> datetime | None:
        return datetime.fromtimestamp(self.taken, UTC) if self.taken is not None else None

    @property
    def has_geo(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    def to_json(self) -> dict[str, Any]:
        t = self.taken_utc
        return {"path": self.path, "title": self.title,
                "taken": t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None,
                "latitude": self.latitude, "longitude": self.longitude, "altitude": self.altitude}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Sidecar:
        taken = d.get("taken")
        ts = int(datetime.strptime(taken, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()) \
            if taken else None
        return cls(d["path"], d.get("title"), ts, d.get("latitude"), d.get("longitude"),
                   d.get("altitude"))


def looks_like_sidecar_name(name: str) -> bool:
    return name.lower().endswith(".json")


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return None
    return None


def parse(data: bytes, path: str) -> Sidecar | None:
    """The sidecar in ``data``, or None when it is not Takeout metadata (or not JSON)."""
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    album = _ALBUM_KEYS.issubset(doc) and isinstance(doc.get("date"), dict) and "timestamp" in doc["date"]
    if not (_TAKEOUT_KEYS.intersection(doc) or album):
        return None
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    taken: int | None = None
    ptt = doc.get("photoTakenTime")
    if isinstance(ptt, dict):
        ts = _number(ptt.get("timestamp"))
        # 0 means "unknown" in exports; anything outside 1826-2100 is not a capture time
        if ts is not None and ts != 0 and -4.5e9 < ts < 4.1e9:
            taken = int(ts)
    lat = lon = alt = None
    for key in ("geoData", "geoDataExif"):
        geo = doc.get(key)
        if not isinstance(geo, dict):
            continue
        la, lo = _number(geo.get("latitude")), _number(geo.get("longitude"))
        if la is None or lo is None or (la == 0.0 and lo == 0.0):
            continue
        if -90 <= la <= 90 and -180 <= lo <= 180:
            lat, lon, alt = la, lo, _number(geo.get("altitude"))
            break
    return Sidecar(path, title, taken, lat, lon, alt)


def is_media_sidecar(sc: Sidecar) -> bool:
    """A photo's sidecar (not an album's metadata.json): it has a capture time or a place."""
    return sc.taken is not None or sc.has_geo


def _fold(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def name_key(name: str) -> str:
    """How file names are compared with a sidecar's title: NFC, case-insensitive."""
    return _fold(name)


def sidecar_base(name: str) -> tuple[str, int | None]:
    """The photo name a sidecar is for (possibly truncated) and its copy counter, if any.

    ``IMG.jpg.json`` -> (``IMG.jpg``, None); ``IMG.jpg(1).json`` -> (``IMG.jpg``, 1);
    ``IMG.jpg.supplemental-metadata(2).json`` -> (``IMG.jpg``, 2); ``IMG.jpg.supp.json`` ->
    (``IMG.jpg``, None).
    """
    base = name[:-5] if name.lower().endswith(".json") else name
    counter: int | None = None
    m = _COUNTER.match(base)
    if m:
        base, counter = m["base"], int(m["n"])
    head, dot, tail = base.rpartition(".")
    if dot and head and tail and _SUPPLEMENTAL.startswith(tail.lower()) and "." in head:
        base = head
        if counter is None:
            m = _COUNTER.match(base)
            if m:
                base, counter = m["base"], int(m["n"])
    return base, counter


def probably_sidecar(name: str, names: Iterable[str]) -> bool:
    """Whether a JSON file that cannot be read is, by its name alone, a photo's sidecar: it names
    a file beside it, or has the newer exports' suffix."""
    if not looks_like_sidecar_name(name):
        return False
    base, counter = sidecar_base(name)
    if name[:-5].lower().rpartition(".")[2].startswith("supp"):
        return True
    wanted = _with_counter(base, counter) if counter is not None else base
    folded = {_fold(n) for n in names}
    return _fold(wanted) in folded and _fold(wanted) != _fold(name)


def _with_counter(name: str, n: int) -> str:
    stem, ext = os.path.splitext(name)
    return f"{stem}({n}){ext}"


def _edited_variants(photo: str, names: dict[str, str]) -> list[str]:
    stem, ext = os.path.splitext(photo)
    out = []
    for suffix in EDITED_SUFFIXES:
        hit = names.get(_fold(f"{stem}-{suffix}{ext}"))
        if hit is not None:
            out.append(hit)
    return out


def match_directory(names: Iterable[str], sidecars: dict[str, Sidecar]) -> dict[str, tuple[Sidecar, bool]]:
    """Which sidecar describes which photo in one folder.

    ``names``: every file name in the folder; ``sidecars``: the parsed sidecars by file name.
    Returns photo name -> (sidecar, is an edited copy sharing its original's sidecar). A photo
    claimed by two sidecars keeps the one that names it most exactly.
    """
    photos = [n for n in names if n not in sidecars and not looks_like_sidecar_name(n)]
    exact = {n: n for n in photos}
    folded: dict[str, str] = {}
    for n in photos:
        folded.setdefault(_fold(n), n)
    out: dict[str, tuple[Sidecar, bool, int]] = {}  # photo -> (sidecar, edited, rank: lower wins)

    def claim(photo: str | None, sc: Sidecar, rank: int, edited: bool = False) -> bool:
        if photo is None:
            return False
        held = out.get(photo)
        if held is None or rank < held[2]:
            out[photo] = (sc, edited, rank)
        return True

    for sname, sc in sorted(sidecars.items()):
        if not is_media_sidecar(sc) and sc.title is None:
            continue
        base, counter = sidecar_base(sname)
        wanted = _with_counter(base, counter) if counter is not None else base
        photo = exact.get(wanted) or folded.get(_fold(wanted))
        rank = 0
        if photo is None and counter is None and sc.title:
            # the title, when the sidecar's name was cut short but the photo's was not
            photo = exact.get(sc.title) or folded.get(_fold(sc.title))
            rank = 1
        if photo is None:
            # both names truncated: the only photo whose name starts with the sidecar's base
            stem = os.path.splitext(base)[0] if counter is not None else base
            starts = [n for n in photos if _fold(n).startswith(_fold(stem))
                      and (counter is None or f"({counter})" in n)]
            if len(starts) == 1:
                photo, rank = starts[0], 2
        if claim(photo, sc, rank) and photo is not None:
            for edited in _edited_variants(photo, folded):
                claim(edited, sc, 3, edited=True)
        elif photo is None:
            # the original is gone, an edited copy remains: it still has this sidecar
            for edited in _edited_variants(wanted, folded):
                claim(edited, sc, 3, edited=True)
    return {k: (v[0], v[1]) for k, v in out.items()}


# --- capture times ------------------------------------------------------------------------------

def _parsed(capture_time: str | None) -> datetime | None:
    """An ISO date and time (``2019-06-21T10:00:12.700+02:00``), or None for anything else."""
    text = (capture_time or "").strip()
    if "T" not in text:  # a date alone is not a capture time
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def offset_of(capture_time: str | None) -> timedelta | None:
    """The UTC offset written in an ISO capture time (EXIF OffsetTimeOriginal), if any."""
    t = _parsed(capture_time)
    return t.utcoffset() if t is not None else None


def wall_clock(capture_time: str | None) -> datetime | None:
    """The local date and time of an ISO capture time (seconds; no zone)."""
    t = _parsed(capture_time)
    return t.replace(tzinfo=None, microsecond=0) if t is not None else None


def local_time(taken: int, offset: timedelta) -> str:
    """A sidecar's capture time as an ISO wall-clock time in the given UTC offset."""
    t = datetime.fromtimestamp(taken, timezone(offset))
    total = int(offset.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


def infer_offset(samples: Iterable[tuple[datetime, int]], *, slack: float = 2.0) -> timedelta | None:
    """The time zone a set of (local wall-clock time, UTC timestamp) pairs agree on.

    Each pair is the same moment written twice (a photo's EXIF time and its sidecar's); their
    difference is the UTC offset, a whole number of quarter hours. None unless most pairs agree.
    """
    votes: dict[int, int] = {}
    n = 0
    for wall, ts in samples:
        n += 1
        utc = datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)
        delta = (wall - utc).total_seconds()
        quarters = round(delta / 900)
        if abs(delta - quarters * 900) <= slack and abs(quarters) <= 14 * 4:
            votes[quarters] = votes.get(quarters, 0) + 1
    if not votes:
        return None
    quarters, count = max(votes.items(), key=lambda kv: (kv[1], -abs(kv[0])))
    return timedelta(seconds=quarters * 900) if count * 2 > n else None
