"""Catalog side of people's decisions (``appraisal`` events) and of open fixity changes.

A fixity change is *open* — a problem in ``verify``, ``status``, ``audit``, reports and exit
codes — from the first event that recorded other bytes at a file's path (a ``verify`` that read
them, or a ``scan`` that recorded them as the file's new version) until a person accepts it
(``preservation accept``, or ``scan --rehash`` in bulk: an ``accept-change`` decision naming the
file). A change is also closed when the file holds its old bytes again and no check since
found otherwise (it was restored from a backup). Recording does not close anything: a scan
keeps the old version's content row and every event, and only a person's decision does.

Decisions are written and read by :mod:`preservation.provenance.decisions`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation.catalog.models import Content, Event, File, Location
from preservation.vocabulary import Decision, EventOutcome, EventType, FixityStatus


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
    from preservation.provenance.decisions import iter_decisions

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
        for i in range(0, len(names), 500):
            for r in s.execute(select(File.id, File.path, File.state, File.last_verify_status,
                                      Content.sha256)
                               .join(Location, File.location_id == Location.id)
                               .outerjoin(Content, File.content_id == Content.id)
                               .where(Location.name == loc, File.path.in_(names[i:i + 500]))):
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
