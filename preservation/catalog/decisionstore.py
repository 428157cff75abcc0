"""Catalog side of people's decisions (``appraisal`` events) and of open fixity changes.

A fixity change is *open* — a problem in ``verify``, ``status``, ``audit``, reports and exit
codes — from the first event that recorded other bytes at a file's path (a ``verify`` that read
them, or a ``scan`` that recorded them as the file's new version) until a person accepts it
(``preservation accept``, or ``scan --rehash`` in bulk: an ``accept-change`` decision naming the
file). A change is also closed when the file holds its old bytes again and no check since
found otherwise (it was restored from a backup). Recording does not close anything: a scan
keeps the old version's content row and every event, and only a person's decision does.

Decisions are written by :mod:`preservation.provenance.decisions` and read back here (a
:class:`DecisionRecord` per ``appraisal`` event).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation.catalog.chunks import chunked
from preservation.catalog.events import iter_events
from preservation.catalog.models import Content, Event, File, Location
from preservation.provenance.chain import format_time
from preservation.vocabulary import Decision, EventOutcome, EventType, FixityStatus

#: The words a person chose, as shown in the review page, reports and exports.
LABELS: dict[Decision, str] = {
    Decision.KEEP_BOTH: "different photos: keep both",
    Decision.AUTHORITATIVE: "this copy is the authoritative version",
    Decision.SAME_PICTURE: "same picture",
    Decision.NOT_SURE: "not sure",
    Decision.ACCEPT_CHANGE: "accept this change",
}


@dataclass(frozen=True, slots=True)
class FileRef:
    """One copy: a path in a location, and the content it held when the decision was made."""

    location: str
    path: str  # relative to the location's root, printable
    sha256: str | None = None

    @property
    def object_id(self) -> str:
        """How events name a file (``file:<location>/<path>``)."""
        return f"file:{self.location}/{self.path}"

    def to_json(self) -> dict[str, Any]:
        return {"location": self.location, "path": self.path, "sha256": self.sha256}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FileRef:
        return cls(str(d.get("location", "")), str(d.get("path", "")), d.get("sha256"))


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One recorded decision (an appraisal event), as read back from the chain."""

    seq: int
    time: datetime
    operator: str | None
    decision: Decision
    contents: tuple[str, ...]
    files: tuple[FileRef, ...] = ()
    authoritative: FileRef | None = None
    note: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    @property
    def subject(self) -> frozenset[str]:
        """What the decision is about: the set of contents (their SHA-256s)."""
        return frozenset(self.contents)

    @property
    def label(self) -> str:
        return LABELS[self.decision]

    @property
    def reviewed(self) -> str:
        """``reviewed by NAME on YYYY-MM-DD``."""
        return f"reviewed by {self.operator or 'an unnamed operator'} on {self.time.date().isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": format_time(self.time), "operator": self.operator,
                "decision": str(self.decision), "label": self.label,
                "contents": list(self.contents), "files": [f.to_json() for f in self.files],
                "authoritative": self.authoritative.to_json() if self.authoritative else None,
                "note": self.note, "context": dict(self.context), "event_hash": self.hash}


def from_event(ev: Event) -> DecisionRecord | None:
    """The decision an appraisal event records (None for another event, or one not readable)."""
    d = ev.detail if isinstance(ev.detail, dict) else {}
    if ev.type != EventType.APPRAISAL or "decision" not in d:
        return None
    try:
        code = Decision(d["decision"])
    except ValueError:
        return None
    auth = d.get("authoritative")
    return DecisionRecord(
        seq=ev.seq, time=ev.time, operator=ev.operator, decision=code,
        contents=tuple(d.get("contents") or ()),
        files=tuple(FileRef.from_json(f) for f in d.get("files") or () if isinstance(f, dict)),
        authoritative=FileRef.from_json(auth) if isinstance(auth, dict) else None,
        note=d.get("note"), context=dict(d.get("context") or {}), hash=ev.hash)


def iter_decisions(s: Session) -> Iterator[DecisionRecord]:
    """Every recorded decision, oldest first (chain order)."""
    for ev in iter_events(s, type=EventType.APPRAISAL):
        rec = from_event(ev)
        if rec is not None:
            yield rec


@dataclass
class OpenChange:
    """A file whose bytes changed, and nobody has accepted the change yet."""

    file_id: int
    location: str
    path: str
    state: str  # the file row's state (present, missing)
    baseline_sha256: str  # the bytes last accepted (before the first open change)
    recorded_sha256: str | None  # the bytes the catalog now records for the file
    found_sha256: str | None  # the bytes last read at the path
    first_detected: datetime
    last_detected: datetime
    detected_by: list[str] = field(default_factory=list)  # "verify", "scan", in order
    events: list[int] = field(default_factory=list)  # seq of the change events

    @property
    def recorded_by_scan(self) -> bool:
        """The new bytes were recorded as the file's new version (by a scan)."""
        return self.recorded_sha256 != self.baseline_sha256


def _change_events(s: Session) -> list[Event]:
    status = Event.detail["status"].as_string()
    return list(s.scalars(select(Event).where(
        Event.type == EventType.FIXITY_CHECK, Event.outcome == EventOutcome.FAILURE,
        status == FixityStatus.CHANGED).order_by(Event.seq)))


def _accepted_up_to(s: Session) -> dict[tuple[str, str], int]:
    """For each file (location, path), the seq of the latest decision accepting its change."""
    out: dict[tuple[str, str], int] = {}
    for d in iter_decisions(s):
        if d.decision == Decision.ACCEPT_CHANGE:
            for f in d.files:
                out[(f.location, f.path)] = max(out.get((f.location, f.path), 0), d.seq)
    return out


def open_changes(s: Session, locations: Iterable[str] | None = None) -> list[OpenChange]:
    """Open fixity changes (see the module doc), in location and path order; only those of the
    named ``locations`` if given. Files of a location no longer registered are left out."""
    wanted = None if locations is None else set(locations)
    accepted = _accepted_up_to(s)
    pending: dict[tuple[str, str], list[Event]] = defaultdict(list)
    for e in _change_events(s):
        d = e.detail or {}
        loc, path = d.get("location"), d.get("path")
        if not isinstance(loc, str) or not isinstance(path, str):
            continue
        if wanted is not None and loc not in wanted:
            continue
        ref = (loc, path)
        if e.seq > accepted.get(ref, 0):
            pending[ref].append(e)
    if not pending:
        return []
    by_loc: dict[str, list[str]] = defaultdict(list)
    for ref in pending:
        by_loc[ref[0]].append(ref[1])
    rows: dict[tuple[str, str], Any] = {}
    for loc, names in by_loc.items():
        for chunk in chunked(names):
            for r in s.execute(select(File.id, File.path, File.state, File.last_verify_status,
                                      Content.sha256)
                               .join(Location, File.location_id == Location.id)
                               .outerjoin(Content, File.content_id == Content.id)
                               .where(Location.name == loc, File.path.in_(chunk))):
                rows[(loc, r.path)] = r
    out: list[OpenChange] = []
    for ref, events in pending.items():
        row = rows.get(ref)
        if row is None:
            continue
        first = events[0].detail
        baseline = first.get("previous_sha256") or first.get("sha256")
        if not isinstance(baseline, str):
            continue
        last = events[-1].detail
        found = last.get("found_sha256") or last.get("sha256")
        # the old bytes are back (a later scan recorded them, no check since found others)
        if row.sha256 == baseline and row.last_verify_status in (None, FixityStatus.OK):
            continue
        out.append(OpenChange(
            row.id, ref[0], ref[1], row.state, baseline, row.sha256, found,
            events[0].time, events[-1].time,
            ["verify" if "found_sha256" in e.detail else "scan" for e in events],
            [e.seq for e in events]))
    out.sort(key=lambda c: (c.location, c.path))
    return out
