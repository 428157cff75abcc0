"""Loss audit: what a platform removed from a collection, and what it kept in its place.

``compare(catalog, reference, other)`` takes the person's own copy (REFERENCE) and what a
platform still holds (OTHER: a downloaded export, a synced folder) and gives every file in
REFERENCE one status:

* ``present``: OTHER has the same bytes;
* ``same-picture``: OTHER has the same pixels, or the same picture re-compressed or resized
  (look-alike verdict ``same-pixels`` or ``derivative``);
* ``lookalike-only``: OTHER has only something that looks like it but is another photograph
  or another version (verdict ``edited``, ``burst`` or ``similar``): this original is gone there;
* ``missing``: OTHER has nothing like it;
* ``unreadable``: the file could not be read when it was scanned, so nothing can be said.

It also lists what OTHER holds that REFERENCE lacks. Nothing is claimed without evidence:
``present`` needs equal SHA-256s, ``same-picture`` a look-alike verdict that says so (equal
pixels, or the same whole frame with only compression noise between them).

Google Takeout exports rename and strip photos and put what they removed into JSON sidecars
(:mod:`.takeout`). Those are read: a sidecar's ``title`` (the original file name) brings the
renamed file and its original together for a comparison, its capture time and place are put
back for the comparison of metadata (so that a burst frame kept in place of its sibling is
not taken for the same picture), and the sidecars themselves are not counted as files the
reference lacks. Without sidecars, files are matched by their content alone.

Read-only: files are opened for reading only; the only writes are to the catalog (a scan of a
location not yet scanned, and the look-alike evidence cache).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from preservation import agent
from preservation.analyse import takeout
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD, EVIDENCE_VERSION, Evidence, Meta
from preservation.analyse.lookalikes.analysis import candidate_pairs
from preservation.analyse.lookalikes.evidence import compare_metadata, parse_capture
from preservation.analyse.lookalikes.framing import NOMINATING
from preservation.analyse.lookalikes.measure import PairToMeasure, content_meta, measure_pairs
from preservation.analyse.lookalikes.pair import PairResult, judge
from preservation.analyse.lookalikes.platform import merged_by, platform_views, sentence
from preservation.analyse.lookalikes.search import HASHES
from preservation.catalog import comparestore
from preservation.catalog import lookalikestore as lstore
from preservation.catalog.comparestore import FileRow
from preservation.catalog.engine import Catalog
from preservation.catalog.inventory import iso
from preservation.catalog.locations import get_location, resolve_locations
from preservation.catalog.models import Location
from preservation.errors import LocationError, UsageError
from preservation.progress import NoProgress, Progress
from preservation.scan.run import ScanOptions, scan
from preservation.units import plural as _n
from preservation.vocabulary import Verdict

#: Version of the JSON written by :meth:`CompareResult.to_json` (schemas/compare.json).
FORMAT_VERSION = 1


class Status(StrEnum):
    """What became of one REFERENCE file in OTHER."""

    PRESENT = "present"
    SAME_PICTURE = "same-picture"
    LOOKALIKE_ONLY = "lookalike-only"
    MISSING = "missing"
    UNREADABLE = "unreadable"


#: The statuses that mean "this original is gone from OTHER".
GONE = frozenset({Status.LOOKALIKE_ONLY, Status.MISSING})
#: Which look-alike verdicts keep a picture, and which only stand in for it.
STATUS_OF_VERDICT = {
    Verdict.IDENTICAL: Status.PRESENT,
    Verdict.SAME_PIXELS: Status.SAME_PICTURE,
    Verdict.DERIVATIVE: Status.SAME_PICTURE,
    Verdict.EDITED: Status.LOOKALIKE_ONLY,
    Verdict.BURST: Status.LOOKALIKE_ONLY,
    Verdict.SIMILAR: Status.LOOKALIKE_ONLY,
}
# the closest relationship first
_VERDICT_ORDER = {Verdict.IDENTICAL: 0, Verdict.SAME_PIXELS: 1, Verdict.DERIVATIVE: 2,
                  Verdict.EDITED: 3, Verdict.BURST: 4, Verdict.SIMILAR: 5}
# how a counterpart was found
BY_SHA256, BY_FINGERPRINTS, BY_TITLE = "sha256", "fingerprints", "sidecar-title"
#: A same-picture match that fits several REFERENCE photos taken at different times.
AMBIGUOUS = "ambiguous"


# --- results ------------------------------------------------------------------------------


@dataclass(slots=True)
class Side:
    """One of the two locations, as compared."""

    name: str
    root: str
    scanned_at: str | None  # last complete scan (UTC), None if never
    files: int = 0  # files taken into account (OTHER: without the platform's metadata files)
    reachable: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "root": self.root, "scanned_at": self.scanned_at,
                "files": self.files, "reachable": self.reachable}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Side:
        return cls(d["name"], d["root"], d.get("scanned_at"), int(d.get("files", 0)),
                   bool(d.get("reachable", True)))


@dataclass(slots=True)
class Counterpart:
    """The OTHER file named for a REFERENCE file, and what the comparison found."""

    path: str  # absolute, printable
    relative_path: str
    sha256: str | None
    verdict: Verdict
    explanation: str
    reasons: list[str] = field(default_factory=list)
    matched_by: str = BY_FINGERPRINTS
    title: str | None = None  # the original name, from the platform's sidecar
    sidecar: str | None = None  # the sidecar's path
    capture_time: str | None = None  # OTHER's capture time as compared
    capture_time_from_sidecar: bool = False
    # which published photo matchers would have merged the two (names), and that in plain words
    matchers: list[str] = field(default_factory=list)
    matchers_sentence: str | None = None


@dataclass(slots=True)
class Entry:
    """One REFERENCE file and its status in OTHER."""

    path: str  # absolute, printable
    relative_path: str
    sha256: str | None
    size: int
    capture_time: str | None
    status: Status
    other: Counterpart | None = None
    note: str | None = None  # for missing/unreadable: what was (not) looked for

    @property
    def explanation(self) -> str | None:
        return self.other.explanation if self.other is not None else self.note

    def to_json(self) -> dict[str, Any]:
        o = self.other
        return {
            "path": self.path, "relative_path": self.relative_path, "sha256": self.sha256,
            "size": self.size, "capture_time": self.capture_time, "status": str(self.status),
            "other_path": o.path if o else None,
            "other_relative_path": o.relative_path if o else None,
            "other_sha256": o.sha256 if o else None,
            "verdict": str(o.verdict) if o else None,
            "explanation": self.explanation,
            "reasons": list(o.reasons) if o else [],
            "matched_by": o.matched_by if o else None,
            "other_title": o.title if o else None,
            "other_sidecar": o.sidecar if o else None,
            "other_capture_time": o.capture_time if o else None,
            "capture_time_from_sidecar": o.capture_time_from_sidecar if o else False,
            "platform_matchers": list(o.matchers) if o else [],
            "platform_sentence": o.matchers_sentence if o else None,
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Entry:
        other = None
        if d.get("other_path") is not None and d.get("verdict") is not None:
            other = Counterpart(d["other_path"], d.get("other_relative_path") or "", d.get("other_sha256"),
                                Verdict(d["verdict"]), d.get("explanation") or "",
                                list(d.get("reasons") or []), d.get("matched_by") or BY_FINGERPRINTS,
                                d.get("other_title"), d.get("other_sidecar"), d.get("other_capture_time"),
                                bool(d.get("capture_time_from_sidecar")),
                                list(d.get("platform_matchers") or []), d.get("platform_sentence"))
        return cls(d["path"], d.get("relative_path") or "", d.get("sha256"), int(d.get("size") or 0),
                   d.get("capture_time"), Status(d["status"]), other,
                   None if other is not None else d.get("explanation"))


@dataclass(slots=True)
class OtherOnly:
    """A file OTHER holds that REFERENCE has neither the bytes nor the picture of."""

    path: str  # absolute, printable
    relative_path: str
    sha256: str | None
    size: int
    title: str | None = None  # the original name, from the platform's sidecar
    sidecar: str | None = None
    taken: str | None = None  # the sidecar's capture time (UTC)
    closest_reference: str | None = None  # the REFERENCE file it looks most like, if any
    verdict: Verdict | None = None
    explanation: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "relative_path": self.relative_path, "sha256": self.sha256,
                "size": self.size, "title": self.title, "sidecar": self.sidecar, "taken": self.taken,
                "closest_reference": self.closest_reference,
                "verdict": str(self.verdict) if self.verdict else None, "explanation": self.explanation}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> OtherOnly:
        return cls(d["path"], d.get("relative_path") or "", d.get("sha256"), int(d.get("size") or 0),
                   d.get("title"), d.get("sidecar"), d.get("taken"), d.get("closest_reference"),
                   Verdict(d["verdict"]) if d.get("verdict") else None, d.get("explanation"))


@dataclass(slots=True)
class TakeoutInfo:
    """What the platform's metadata files contributed."""

    metadata_files: int = 0  # JSON files recognised as Takeout metadata (not counted as photos)
    sidecars_matched: int = 0  # photos in OTHER that a sidecar describes
    renamed: int = 0  # of those, photos whose name differs from the sidecar's title
    capture_times_restored: int = 0  # comparisons that used a sidecar's capture time
    utc_offset: str | None = None  # the time zone inferred for sidecar times, when needed

    def to_json(self) -> dict[str, Any]:
        return {"metadata_files": self.metadata_files, "sidecars_matched": self.sidecars_matched,
                "renamed": self.renamed, "capture_times_restored": self.capture_times_restored,
                "utc_offset": self.utc_offset}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> TakeoutInfo:
        return cls(int(d.get("metadata_files", 0)), int(d.get("sidecars_matched", 0)),
                   int(d.get("renamed", 0)), int(d.get("capture_times_restored", 0)), d.get("utc_offset"))


def _kept_phrase(kinds: dict[str, int]) -> str:
    burst, edited, similar = (kinds.get(str(v), 0) for v in (Verdict.BURST, Verdict.EDITED, Verdict.SIMILAR))
    parts = []
    if burst and edited:
        parts.append("a different burst frame or edit")
    elif burst:
        parts.append("a different burst frame")
    elif edited:
        parts.append("an edit")
    if similar:
        parts.append("a photo that only looks alike")
    if kinds.get(AMBIGUOUS):
        parts.append("a copy that matches several of them, taken at different times")
    return ", or ".join(parts) or "a look-alike"


@dataclass(slots=True)
class CompareResult:
    """A loss audit: REFERENCE (the person's copy) against OTHER (what the platform holds)."""

    reference: Side
    other: Side
    threshold: int
    entries: list[Entry] = field(default_factory=list)
    other_only: list[OtherOnly] = field(default_factory=list)
    takeout: TakeoutInfo = field(default_factory=TakeoutInfo)
    notes: list[str] = field(default_factory=list)
    created: str = ""
    scanned: list[str] = field(default_factory=list)  # locations scanned for this comparison
    registered: list[str] = field(default_factory=list)  # paths registered as new locations
    stats: dict[str, int] = field(default_factory=dict)

    # --- the numbers --------------------------------------------------------------------

    @property
    def counts(self) -> dict[str, int]:
        out = {str(s): 0 for s in Status}
        for e in self.entries:
            out[str(e.status)] += 1
        return out

    @property
    def gone(self) -> int:
        return sum(1 for e in self.entries if e.status in GONE)

    @property
    def kept_instead(self) -> dict[str, int]:
        """For lookalike-only files: what OTHER kept in their place (by verdict; ``ambiguous``: a
        copy of the same picture that matches several photos taken at different times)."""
        out = {str(Verdict.EDITED): 0, str(Verdict.BURST): 0, str(Verdict.SIMILAR): 0, AMBIGUOUS: 0}
        for e in self.entries:
            if e.status == Status.LOOKALIKE_ONLY and e.other is not None:
                k = str(e.other.verdict) if STATUS_OF_VERDICT[e.other.verdict] == Status.LOOKALIKE_ONLY \
                    else AMBIGUOUS
                out[k] += 1
        return out

    @property
    def ok(self) -> bool:
        """Everything in REFERENCE is still in OTHER (as the same bytes or the same picture)."""
        return all(e.status in (Status.PRESENT, Status.SAME_PICTURE) for e in self.entries)

    # --- the words ----------------------------------------------------------------------

    @property
    def headline(self) -> str:
        c = self.counts
        total = len(self.entries)
        if total == 0:
            return f"{self.reference.name} has no files to compare."
        if self.ok:
            return (f"All {_n(total, 'file')} in {self.reference.name} are still on the platform: "
                    f"{c['present']:,} as identical copies and {c['same-picture']:,} as the same "
                    "picture re-compressed or resized.")
        gone, alike = self.gone, c["lookalike-only"]
        verb = "is" if gone == 1 else "are"
        text = f"{_n(gone, 'original')} {verb} gone from the platform" if gone else \
            "No original is known to be gone from the platform"
        if alike:
            text += f"; for {alike:,} of them the platform kept {_kept_phrase(self.kept_instead)}"
        elif gone:
            text += ", with nothing like them left there" if gone > 1 else ", with nothing like it left there"
        if c["unreadable"]:
            n = c["unreadable"]
            text += f"; {_n(n, 'file')} could not be read and {'was' if n == 1 else 'were'} not compared"
        return text + "."

    @property
    def sentences(self) -> list[str]:
        c = self.counts
        total = len(self.entries)
        ref, oth = self.reference.name, self.other.name
        out = [self.headline]
        if total:
            out.append(f"Of {_n(total, 'file')} in {ref}, {oth} holds {c['present']:,} as identical "
                       f"copies and {c['same-picture']:,} as the same picture re-compressed, resized or "
                       f"stripped of metadata; {c['lookalike-only']:,} only as a look-alike (another "
                       f"burst frame, an edit or a similar photo) and {c['missing']:,} not at all.")
        if self.other_only:
            out.append(f"{oth} also holds {_n(len(self.other_only), 'file')} that {ref} lacks.")
        t = self.takeout
        if t.metadata_files:
            out.append(f"Read {_n(t.metadata_files, 'platform metadata file')} (Google Takeout): "
                       f"{t.sidecars_matched:,} photos described, {t.renamed:,} of them renamed by the "
                       f"platform; {t.capture_times_restored:,} capture times taken from them for the "
                       "comparison.")
        out.append("Nothing was changed in either location.")
        return out

    @property
    def problem_count(self) -> int:
        """REFERENCE files not in OTHER as the same bytes or the same picture (the
        :class:`~preservation.errors.HasProblems` protocol)."""
        return sum(e.status not in (Status.PRESENT, Status.SAME_PICTURE) for e in self.entries)

    # --- JSON ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "preservation-compare",
            "version": FORMAT_VERSION,
            "created": self.created,
            "agent": agent(),
            "threshold": self.threshold,
            "evidence_version": EVIDENCE_VERSION,
            "reference": self.reference.to_json(),
            "other": self.other.to_json(),
            "ok": self.ok,
            "summary": {
                "total": len(self.entries),
                "counts": self.counts,
                "gone": self.gone,
                "kept_instead": self.kept_instead,
                "other_only": len(self.other_only),
                "headline": self.headline,
                "sentences": self.sentences,
            },
            "entries": [e.to_json() for e in self.entries],
            "other_only": [o.to_json() for o in self.other_only],
            "takeout": self.takeout.to_json(),
            "notes": list(self.notes),
            "scanned": list(self.scanned),
            "registered": list(self.registered),
            "stats": dict(self.stats),
        }

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> CompareResult:
        """The result again from :meth:`to_json`'s output (e.g. a ``compare.json`` file)."""
        if not isinstance(d, dict) or d.get("kind") != "preservation-compare":
            raise UsageError("This is not the JSON of 'preservation compare --json'.")
        if int(d.get("version", 0)) > FORMAT_VERSION:
            raise UsageError(f"This comparison was written by a newer version (format {d.get('version')}); "
                             "update preservation to read it.")
        try:
            return cls(Side.from_json(d["reference"]), Side.from_json(d["other"]), int(d["threshold"]),
                       [Entry.from_json(e) for e in d.get("entries", [])],
                       [OtherOnly.from_json(o) for o in d.get("other_only", [])],
                       TakeoutInfo.from_json(d.get("takeout") or {}), list(d.get("notes") or []),
                       d.get("created") or "", list(d.get("scanned") or []),
                       list(d.get("registered") or []), dict(d.get("stats") or {}))
        except (KeyError, TypeError, ValueError) as exc:
            raise UsageError(f"The comparison JSON is incomplete or damaged ({type(exc).__name__}: {exc}).") from exc


def load_json(path: str | os.PathLike[str]) -> CompareResult:
    """Read a file written from ``preservation compare --json``, checked against its schema."""
    from preservation.schemas import problems

    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError as exc:
        raise UsageError(f"{os.fspath(path)} does not exist.") from exc
    except (OSError, ValueError) as exc:
        raise UsageError(f"{os.fspath(path)} cannot be read as JSON: {exc}") from exc
    ours = isinstance(data, dict) and data.get("kind") == "preservation-compare"
    newer = ours and isinstance(data.get("version"), int) and data["version"] > FORMAT_VERSION
    found = problems("compare", data, limit=3) if ours and not newer else []
    if found:  # (another kind of file, or a newer version: from_json says so)
        raise UsageError(f"{os.fspath(path)} is not a complete comparison from 'preservation compare "
                         "--json' (schemas/compare.json): " + "; ".join(found) + ".",
                         hint="Make it again with 'preservation compare REFERENCE OTHER --json > FILE'.")
    return CompareResult.from_json(data)


# --- locations ------------------------------------------------------------------------------


@dataclass(slots=True)
class Prepared:
    reference: Location
    other: Location
    scanned: list[str] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _resolve(catalog: Catalog, target: str, operator: str | None, registered: list[str]) -> Location:
    """A location by name, or by its root folder (registered on the fly, as scan does)."""
    resolved = resolve_locations(catalog, [target], verb="compare", register=True, operator=operator)
    registered.extend(resolved.registered)
    return resolved.locations[0]


def prepare(catalog: Catalog, reference: str, other: str, *, rescan: bool = False,
            scan_options: ScanOptions | None = None, progress: Progress | None = None) -> Prepared:
    """Resolve both arguments; scan what has never been scanned (or both, with ``rescan``)."""
    options = scan_options or ScanOptions()
    registered: list[str] = []
    ref = _resolve(catalog, reference, options.operator, registered)
    oth = _resolve(catalog, other, options.operator, registered)
    if ref.id == oth.id:
        raise UsageError(f"{reference} and {other} are the same location ({ref.name!r}); "
                         "compare two different locations.")
    out = Prepared(ref, oth, registered=registered)
    for loc in (ref, oth):
        if not (rescan or loc.last_scan_at is None or loc.name in registered):
            continue
        report = scan(catalog, [loc.name], options, progress or NoProgress())
        out.scanned.append(loc.name)
        ls = report.locations[0]
        if ls.status != "complete":
            if loc.last_scan_at is None:
                raise LocationError(f"Cannot compare: {ls.message or loc.name + ' could not be scanned.'}")
            out.notes.append(f"{loc.name} could not be scanned now ({ls.message}); it is compared as "
                             f"recorded by its last scan.")
        elif ls.problems:
            out.notes.append(f"The scan of {loc.name} found {_n(ls.problems, 'problem')} "
                             "(see 'preservation files --problems').")
    with catalog.session() as s:  # fresh rows: scan times
        out.reference, out.other = get_location(s, ref.name), get_location(s, oth.name)
    return out


# --- sidecars --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Sidecars:
    metadata_ids: set[int] = field(default_factory=set)  # OTHER files that are platform metadata
    by_file: dict[int, tuple[takeout.Sidecar, bool]] = field(default_factory=dict)  # photo -> sidecar


def _read_small(root: bytes, rel: bytes, limit: int) -> bytes:
    from preservation.fingerprint.reader import open_regular

    fd = open_regular(root, rel)
    try:
        chunks, total = [], 0
        while total <= limit:
            b = os.read(fd, 1 << 16)
            if not b:
                break
            chunks.append(b)
            total += len(b)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_sidecars(loc: Location, files: Sequence[FileRow], notes: list[str]) -> _Sidecars:
    """Find and read the Takeout metadata files among ``files`` (read-only)."""
    out = _Sidecars()
    by_dir: dict[str, list[FileRow]] = defaultdict(list)
    for f in files:
        by_dir[f.dir].append(f)
    unreadable = 0
    for _d, group in sorted(by_dir.items()):
        parsed: dict[str, takeout.Sidecar] = {}
        names = {f.name for f in group}
        for f in group:
            if not takeout.looks_like_sidecar_name(f.name) or f.size > takeout.MAX_SIDECAR_BYTES:
                continue
            try:
                data = _read_small(loc.root_bytes, f.path_bytes, takeout.MAX_SIDECAR_BYTES)
            except Exception:  # unreadable now (drive gone? permissions?)
                unreadable += 1
                if takeout.probably_sidecar(f.name, names):  # by its name: not a photo either
                    out.metadata_ids.add(f.id)
                continue
            sc = takeout.parse(data, f.absolute)
            if sc is not None:
                parsed[f.name] = sc
                out.metadata_ids.add(f.id)
        if not parsed:
            continue
        by_name = {f.name: f for f in group}
        for photo, (sc, edited) in takeout.match_directory([f.name for f in group], parsed).items():
            out.by_file[by_name[photo].id] = (sc, edited)
    if unreadable:
        notes.append(f"{_n(unreadable, 'JSON file')} in {loc.name} could not be read to check for "
                     "platform metadata; renamed files they describe were matched by content only.")
    return out


# --- evidence ------------------------------------------------------------------------------------


def _distances(values: dict[int, dict[tuple[str, str, str], int]], a: int, b: int) -> dict[str, int]:
    out: dict[str, int] = {}
    va, vb = values.get(a, {}), values.get(b, {})
    for key, x in va.items():
        if key[0] in HASHES and key in vb:
            d = (x ^ vb[key]).bit_count()
            out[key[0]] = min(d, out.get(key[0], 64))
    return out


def _offset_text(off: timedelta) -> str:
    total = int(off.total_seconds())
    sign = "-" if total < 0 else "+"
    total = abs(total)
    return f"{sign}{total // 3600:02d}:{total % 3600 // 60:02d}"


# --- the audit --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Judged:
    other_file: FileRow
    result: PairResult
    matched_by: str
    sidecar: takeout.Sidecar | None
    capture_time: str | None
    restored: bool
    distance: int
    # other REFERENCE files, taken at other times, that this OTHER file matches as well
    ambiguous_with: list[str] = field(default_factory=list)

    @property
    def status(self) -> Status:
        st = STATUS_OF_VERDICT[self.result.verdict]
        return Status.LOOKALIKE_ONLY if st == Status.SAME_PICTURE and self.ambiguous_with else st

    @property
    def explanation(self) -> str:
        if not self.ambiguous_with:
            return self.result.explanation
        names = ", ".join(self.ambiguous_with[:3]) + (" ..." if len(self.ambiguous_with) > 3 else "")
        return (f"{self.result.explanation} But this copy matches {len(self.ambiguous_with) + 1} photos "
                f"taken at different times (also {names}); which one the platform kept cannot be told "
                "without its capture time, so none of them is counted as kept.")

    def sort_key(self) -> tuple[int, int, int, int, str]:
        return (0 if self.status == Status.SAME_PICTURE else 1, _VERDICT_ORDER[self.result.verdict],
                0 if self.matched_by == BY_TITLE else 1, self.distance, self.other_file.path)


def _mark_ambiguous(judged: dict[tuple[int, int], _Judged], infos: dict[int, lstore.ContentInfo],
                    names: dict[int, str]) -> None:
    """One OTHER picture cannot be the same picture as several different exposures.

    When an OTHER file is "the same picture" of REFERENCE files whose capture times differ (a
    tripod burst, once the platform stripped the time), the pixels cannot say which one was kept:
    none is counted as kept.
    """
    claims: dict[int, list[int]] = defaultdict(list)
    for (x, y), j in judged.items():
        if STATUS_OF_VERDICT[j.result.verdict] == Status.SAME_PICTURE:
            claims[y].append(x)
    for y, xs in claims.items():
        if len(xs) < 2:
            continue
        times = {t[0] for t in (parse_capture(infos[x].capture_time) for x in xs) if t is not None}
        if len(times) < 2:
            continue  # copies of one exposure (or nothing known): no contradiction
        for x in xs:
            judged[(x, y)].ambiguous_with = sorted(names[o] for o in xs if o != x)


def compare(catalog: Catalog, reference: str, other: str, *, threshold: int = DEFAULT_THRESHOLD,
            jobs: int | None = None, use_cache: bool = True, rescan: bool = False,
            scan_options: ScanOptions | None = None, progress: Progress | None = None,
            evidence_progress: Callable[[int, int], None] | None = None) -> CompareResult:
    """Audit OTHER against REFERENCE (location names or folders; see the module docstring).

    Folders that are not registered are registered and scanned, as ``preservation scan`` does;
    locations never scanned are scanned first, and both with ``rescan``. ``threshold``: the
    look-alike search's Hamming distance (of 64 bits). ``jobs``: worker processes for comparing
    pictures (default: all cores). ``use_cache``: re-use and store look-alike evidence.
    """
    if not 0 <= threshold <= 32:
        raise UsageError(f"--threshold must be between 0 and 32 bits (of 64), not {threshold}.")
    prep = prepare(catalog, reference, other, rescan=rescan, scan_options=scan_options, progress=progress)
    result = compare_locations(catalog, prep.reference, prep.other, threshold=threshold, jobs=jobs,
                               use_cache=use_cache, evidence_progress=evidence_progress)
    result.scanned, result.registered = prep.scanned, prep.registered
    result.notes[:0] = prep.notes
    return result


def compare_locations(catalog: Catalog, ref: Location, oth: Location, *,
                      threshold: int = DEFAULT_THRESHOLD, jobs: int | None = None,
                      use_cache: bool = True,
                      evidence_progress: Callable[[int, int], None] | None = None) -> CompareResult:
    """The audit itself, over two registered locations as last scanned."""
    notes: list[str] = []
    stats: dict[str, int] = {}
    with catalog.session() as s:
        ref_files = list(comparestore.present_files(s, ref))
        oth_all = list(comparestore.present_files(s, oth))
    sidecars = read_sidecars(oth, oth_all, notes)
    oth_files = [f for f in oth_all if f.id not in sidecars.metadata_ids]
    side_ref = Side(ref.name, ref.root, iso(ref.last_scan_at), len(ref_files), os.path.isdir(ref.root_bytes))
    side_oth = Side(oth.name, oth.root, iso(oth.last_scan_at), len(oth_files), os.path.isdir(oth.root_bytes))
    result = CompareResult(side_ref, side_oth, threshold,
                           created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), notes=notes, stats=stats)
    tk = result.takeout
    tk.metadata_files = len(sidecars.metadata_ids)
    tk.sidecars_matched = sum(1 for f in oth_files if f.id in sidecars.by_file)
    tk.renamed = sum(1 for f in oth_files if f.id in sidecars.by_file and sidecars.by_file[f.id][0].title
                     and takeout.name_key(sidecars.by_file[f.id][0].title or "") != takeout.name_key(f.name))

    ref_by_content: dict[int, list[FileRow]] = defaultdict(list)
    oth_by_content: dict[int, list[FileRow]] = defaultdict(list)
    for f in ref_files:
        if f.content_id is not None:
            ref_by_content[f.content_id].append(f)
    for f in oth_files:
        if f.content_id is not None:
            oth_by_content[f.content_id].append(f)
    unreadable_other = sum(1 for f in oth_files if f.content_id is None)
    if unreadable_other:
        notes.append(f"{_n(unreadable_other, 'file')} in {oth.name} could not be read when scanned; a file "
                     f"reported missing might be among them.")

    # candidate pairs: close fingerprints (search restricted to the two locations) ...
    with catalog.session() as s:
        families = lstore.hash_families(s, [ref.id, oth.id], NOMINATING)
    comparable = {int(c) for fam in families if fam.algorithm in HASHES for c in fam.content_ids}
    kept = candidate_pairs(families, threshold, stats=stats)
    ref_ids, oth_ids = set(ref_by_content), set(oth_by_content)
    pairs: dict[tuple[int, int], tuple[dict[str, int], str]] = {}
    for (ca, cb), dist in kept.items():
        for x, y in ((ca, cb), (cb, ca)):
            if x in ref_ids and y in oth_ids and (x not in oth_ids or y not in ref_ids):
                pairs[(x, y)] = (dist, BY_FINGERPRINTS)
    # ... and renamed files brought together with their originals by the sidecar's title
    ref_by_name: dict[str, list[FileRow]] = defaultdict(list)
    for f in ref_files:
        ref_by_name[takeout.name_key(f.name)].append(f)
    titled: set[tuple[int, int]] = set()
    for f in oth_files:
        sc = sidecars.by_file.get(f.id, (None, False))[0]
        if sc is None or not sc.title or f.content_id is None or not f.is_picture:
            continue
        for r in ref_by_name.get(takeout.name_key(sc.title), []):
            if (r.content_id is not None and r.is_picture and r.content_id != f.content_id
                    and (r.content_id, f.content_id) not in pairs
                    and (r.content_id not in oth_ids or f.content_id not in ref_ids)):
                titled.add((r.content_id, f.content_id))
    involved = sorted({c for p in pairs for c in p} | {c for p in titled for c in p})
    with catalog.session() as s:
        infos = lstore.contents(s, involved)
        values = lstore.hash_values(s, sorted({c for p in titled for c in p}))
    for key in sorted(titled):
        pairs[key] = (_distances(values, *key), BY_TITLE)
    stats["pairs_compared"] = len(pairs)
    stats["pairs_from_titles"] = len(titled)

    # evidence, REFERENCE as "a" (so a measurement cached the other way round will not do):
    # from the cache or computed now
    todo = [PairToMeasure(key, infos[key[0]], infos[key[1]],
                          [f.absolute_bytes for f in ref_by_content[key[0]]],
                          [f.absolute_bytes for f in oth_by_content[key[1]]],
                          pairs[key][0], either_way=False) for key in sorted(pairs)]
    measured = measure_pairs(catalog, todo, jobs=jobs, use_cache=use_cache, progress=evidence_progress)
    evidence = {m.key: m.evidence for m in measured}
    stats["evidence_from_cache"] = sum(m.cached for m in measured)
    stats["evidence_computed"] = sum(not m.cached for m in measured)
    stats["pairs_not_compared"] = sum(m.not_compared for m in measured)
    if stats["pairs_not_compared"]:
        notes.append(f"{_n(stats['pairs_not_compared'], 'pair')} of pictures could not be compared (a file "
                     "unreadable or changed since its scan); those are reported as look-alikes, not as kept.")

    # the platform's capture times, in the reference's time zone
    loc_offset = _infer_offset(oth_files, ref_by_name, sidecars)
    if loc_offset is not None:
        tk.utc_offset = _offset_text(loc_offset)

    def judge_pair(x: int, y: int) -> _Judged | None:
        ev_json = evidence[(x, y)]
        dist, how = pairs[(x, y)]
        names = {takeout.name_key(f.name) for f in ref_by_content[x]}
        files = oth_by_content[y]

        def pref(f: FileRow) -> tuple[int, str]:
            sc = sidecars.by_file.get(f.id, (None, False))[0]
            if sc is not None and sc.title and takeout.name_key(sc.title) in names:
                return (0, f.path)
            if takeout.name_key(f.name) in names:
                return (1, f.path)
            return (2 if sc is not None else 3, f.path)

        chosen = min(files, key=pref)
        sc = sidecars.by_file.get(chosen.id, (None, False))[0]
        meta_a = content_meta(infos[x])
        meta_b, restored = _restore(content_meta(infos[y]), sc, meta_a.capture_time, loc_offset)
        ev = Evidence.from_json(ev_json)
        if restored:
            ev.metadata = compare_metadata(meta_a, meta_b)
        res = judge(ev)
        if how == BY_TITLE and res.verdict == Verdict.SIMILAR:
            return None  # the same name, but nothing says it is the same photograph
        return _Judged(chosen, res, how, sc, meta_b.capture_time,
                       restored and meta_b.capture_time != infos[y].capture_time,
                       min(dist.values(), default=64))

    judged: dict[tuple[int, int], _Judged] = {}
    for x, y in sorted(pairs):
        j = judge_pair(x, y)
        if j is not None:
            judged[(x, y)] = j
    _mark_ambiguous(judged, infos, {cid: fs[0].path for cid, fs in ref_by_content.items()})
    by_ref: dict[int, list[_Judged]] = defaultdict(list)
    by_oth: dict[int, list[tuple[int, _Judged]]] = defaultdict(list)
    for (x, y), j in judged.items():
        by_ref[x].append(j)
        by_oth[y].append((x, j))

    identical = judge(Evidence(bytes_equal=True, pixels_equal=True))
    for f in ref_files:
        result.entries.append(_entry(f, oth, oth_by_content, by_ref, comparable, identical, sidecars))
    tk.capture_times_restored = sum(1 for e in result.entries if e.other and e.other.capture_time_from_sidecar)
    _explain_by_matchers(catalog, result.entries)

    # what OTHER holds that REFERENCE lacks (neither the bytes nor the picture)
    for f in oth_files:
        cid = f.content_id
        if cid is not None and cid in ref_ids:
            continue
        close = sorted(by_oth.get(cid, []) if cid is not None else [], key=lambda t: t[1].sort_key())
        if any(STATUS_OF_VERDICT[j.result.verdict] == Status.SAME_PICTURE for _x, j in close):
            continue  # the reference has this picture (at least as good)
        sc = sidecars.by_file.get(f.id, (None, False))[0]
        item = OtherOnly(f.absolute, f.path, f.sha256, f.size, sc.title if sc else None,
                         sc.path if sc else None, sc.to_json()["taken"] if sc else None)
        if close:
            x, j = close[0]
            item.closest_reference = ref_by_content[x][0].absolute
            item.verdict, item.explanation = j.result.verdict, j.explanation
        result.other_only.append(item)
    return result


def _explain_by_matchers(catalog: Catalog, entries: Sequence[Entry]) -> None:
    """When OTHER kept a look-alike in place of an original: which published matcher (PDQ,
    pHash, dHash) would have taken the two for one photo, and so explains that choice."""
    kept = [e for e in entries if e.status == Status.LOOKALIKE_ONLY and e.other is not None
            and e.sha256 and e.other.sha256]
    views = platform_views(catalog, [(e.sha256 or "", e.other.sha256 or "") for e in kept if e.other])
    for e, view in zip(kept, views, strict=True):
        assert e.other is not None
        e.other.matchers = [r.matcher.name for r in merged_by(view)]
        e.other.matchers_sentence = sentence(view, e.other.explanation)


def _infer_offset(oth_files: Sequence[FileRow], ref_by_name: dict[str, list[FileRow]],
                  sidecars: _Sidecars) -> timedelta | None:
    """The time zone of the sidecars' capture times, from photos whose EXIF time is known too."""
    samples: list[tuple[datetime, int]] = []
    for f in oth_files:
        sc, edited = sidecars.by_file.get(f.id, (None, False))
        if sc is None or sc.taken is None or edited:
            continue
        own = takeout.wall_clock(f.capture_time)
        if own is not None:
            samples.append((own, sc.taken))
            continue
        for r in ref_by_name.get(takeout.name_key(sc.title or ""), []):
            wall = takeout.wall_clock(r.capture_time)
            if wall is not None:
                samples.append((wall, sc.taken))
    return takeout.infer_offset(samples)


def _restore(meta: Meta, sc: takeout.Sidecar | None, reference_time: str | None,
             loc_offset: timedelta | None) -> tuple[Meta, bool]:
    """OTHER's metadata with what the platform moved into its sidecar put back."""
    if sc is None:
        return meta, False
    out = replace(meta, exif=dict(meta.exif))
    changed = False
    if not out.capture_time and sc.taken is not None:
        off = takeout.offset_of(reference_time)
        if off is None:
            off = loc_offset
        if off is not None:
            out.capture_time = takeout.local_time(sc.taken, off)
            changed = True
    if sc.has_geo and out.exif.get("GPSLatitude") in (None, ""):
        out.exif["GPSLatitude"], out.exif["GPSLongitude"] = sc.latitude, sc.longitude
        changed = True
    return out, changed


def _entry(f: FileRow, oth: Location, oth_by_content: dict[int, list[FileRow]],
           by_ref: dict[int, list[_Judged]], comparable: set[int], identical: PairResult,
           sidecars: _Sidecars) -> Entry:
    e = Entry(f.absolute, f.path, f.sha256, f.size, f.capture_time, Status.MISSING)
    cid = f.content_id
    if cid is None:
        e.status = Status.UNREADABLE
        e.note = (f"This file could not be read when it was scanned ({f.problem_detail or f.problem or 'unreadable'}); "
                  "nothing can be said about it.")
        return e
    if cid in oth_by_content:
        key = takeout.name_key(f.name)
        same = sorted(oth_by_content[cid], key=lambda o: (takeout.name_key(o.name) != key, o.path))
        o = same[0]
        sc = sidecars.by_file.get(o.id, (None, False))[0]
        e.status = Status.PRESENT
        e.other = Counterpart(o.absolute, o.path, o.sha256, Verdict.IDENTICAL, identical.explanation,
                              list(identical.reasons), BY_SHA256, sc.title if sc else None,
                              sc.path if sc else None, o.capture_time)
        return e
    found = sorted(by_ref.get(cid, []), key=_Judged.sort_key)
    if found:
        j = found[0]
        e.status = j.status
        o = j.other_file
        reasons = list(j.result.reasons) + (["ambiguous-counterpart"] if j.ambiguous_with else [])
        e.other = Counterpart(o.absolute, o.path, o.sha256, j.result.verdict, j.explanation,
                              reasons, j.matched_by, j.sidecar.title if j.sidecar else None,
                              j.sidecar.path if j.sidecar else None, j.capture_time, j.restored)
        return e
    if cid in comparable:
        e.note = f"Nothing in {oth.name} has the same bytes or looks like it."
    else:
        e.note = (f"No identical copy in {oth.name}. This file is not a picture whose content can be "
                  "compared, so only exact copies were looked for.")
    return e


__all__ = ["GONE", "STATUS_OF_VERDICT", "CompareResult", "Counterpart", "Entry", "OtherOnly", "Side",
           "Status", "TakeoutInfo", "compare", "compare_locations", "load_json", "prepare", "read_sidecars"]
