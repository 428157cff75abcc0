"""Catalog side of fixity audits (``preservation verify``): what is due, and what was found.

The verify engine (:mod:`preservation.analyse.fixity`) reads files and decides each one's
status; this module chooses which files to read, in which order, and records the outcome.

Order and resumption: files are read least recently verified first, never-verified ones before
all others, a page at a time (keyset pagination over ``ix_files_location_verified``). A run
stopped by ``--max-time`` or killed leaves the files it did not reach with their old (or no)
verification time, so the next run starts with exactly those.

Events: every problem gets its own event, written in the same transaction as the file's
verification record; files found intact get none (the run's summary event counts them), so a
million intact files cost one event, not a million.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from preservation import paths
from preservation.catalog.chunks import chunked
from preservation.catalog.events import append_event, event_record, events_for
from preservation.catalog.inventory import find_file, iso
from preservation.catalog.models import Content, File, Location, Run
from preservation.vocabulary import EventOutcome, EventType, FileState, FixityStatus


def label(location: str, rel: bytes) -> str:
    """How events name one path of one location (as the scan does)."""
    return f"file:{location}/{paths.printable(rel)}"


@dataclass(frozen=True, slots=True)
class Due:
    """A catalogued file with a recorded SHA-256, to be read and compared."""

    id: int
    rel: bytes
    size: int
    sha256: str
    state: str
    last_verified_at: datetime | None


@dataclass(slots=True)
class Check:
    """What one verify found for one catalogued path (``new`` files have no row: ``id`` None)."""

    status: FixityStatus
    rel: bytes
    id: int | None = None
    size: int | None = None
    expected: str | None = None  # the recorded SHA-256
    found: str | None = None  # the SHA-256 read now
    state: str | None = None  # the row's state before this check
    other: bytes | None = None  # moved: the new path; missing: a path that still has the bytes
    problem: str | None = None  # vocabulary.ProblemCode, for unreadable
    message: str = ""


Cursor = tuple[datetime | None, int]  # (last_verified_at, id) of the last file handed out


def _due(location_id: int, run_id: int, stale_before: datetime | None,
         verified_only: bool = False) -> list[ColumnElement[bool]]:
    """Files of the location with a recorded hash not yet checked by this run.

    A path recorded missing whose bytes are catalogued as present elsewhere in the same
    location (a rename since recorded by a scan, a duplicate removed) is no longer checked:
    nothing of it is lost. Other missing paths stay due: a loss is reported every time.
    With ``stale_before`` (--older-than), only files last verified before then, never verified,
    or whose last check found a problem. With ``verified_only`` (``preservation audit``), only
    files verified before: a file hashed by a scan but never verified is not read again.
    """
    other = aliased(File)
    elsewhere = exists().where(other.location_id == File.location_id,
                               other.content_id == File.content_id,
                               other.state == FileState.PRESENT)
    where: list[ColumnElement[bool]] = [
        File.location_id == location_id,
        File.content_id.is_not(None),
        or_(File.verify_run_id.is_(None), File.verify_run_id != run_id),
        or_(File.state == FileState.PRESENT, and_(File.state == FileState.MISSING, ~elsewhere)),
    ]
    if stale_before is not None:
        where.append(or_(File.last_verified_at.is_(None), File.last_verified_at < stale_before,
                         File.last_verify_status != FixityStatus.OK))
    if verified_only:
        where.append(File.last_verified_at.is_not(None))
    return where


def count_due(s: Session, location_id: int, run_id: int,
              stale_before: datetime | None, *, verified_only: bool = False) -> tuple[int, int]:
    """(files, bytes) still due in this run."""
    n, size = s.execute(select(func.count(), func.coalesce(func.sum(File.size), 0)).where(
        *_due(location_id, run_id, stale_before, verified_only))).one()
    return int(n), int(size)


def next_due(s: Session, location_id: int, run_id: int, stale_before: datetime | None,
             after: Cursor | None, limit: int, *, verified_only: bool = False) -> list[Due]:
    """The next page of due files after ``after``: never verified first (by id), then by
    last verification time."""
    cols = select(File.id, File.path_bytes, File.size, Content.sha256, File.state,
                  File.last_verified_at).join(Content, File.content_id == Content.id).where(
        *_due(location_id, run_id, stale_before, verified_only))
    rows: list[Any] = []
    if after is None or after[0] is None:
        q = cols.where(File.last_verified_at.is_(None))
        if after is not None:
            q = q.where(File.id > after[1])
        rows = list(s.execute(q.order_by(File.id).limit(limit)))
        if len(rows) < limit:
            rows += s.execute(cols.where(File.last_verified_at.is_not(None)).order_by(
                File.last_verified_at, File.id).limit(limit - len(rows)))
    else:  # a row-value comparison, so that the index is entered at the cursor
        rows = list(s.execute(cols.where(tuple_(File.last_verified_at, File.id) > tuple_(*after))
                              .order_by(File.last_verified_at, File.id).limit(limit)))
    return [Due(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows]


def gone(s: Session, ids: Sequence[int]) -> list[Due]:
    """The rows (with a recorded hash) of paths a walk no longer found."""
    out: list[Due] = []
    for chunk in chunked(ids):
        out += [Due(*r) for r in s.execute(select(
            File.id, File.path_bytes, File.size, Content.sha256, File.state, File.last_verified_at,
        ).join(Content, File.content_id == Content.id).where(File.id.in_(chunk)))]
    return out


def present_copy(s: Session, location_id: int, sha256: str, not_id: int) -> bytes | None:
    """Another path of the location recorded with the same bytes, if any."""
    return s.scalar(select(File.path_bytes).join(Content, File.content_id == Content.id).where(
        File.location_id == location_id, Content.sha256 == sha256, File.id != not_id,
        File.state == FileState.PRESENT).order_by(File.path_bytes).limit(1))


def unhashed(s: Session, location_id: int) -> int:
    """Present files without a recorded hash (unreadable when scanned): nothing to verify."""
    return s.scalar(select(func.count()).select_from(File).where(
        File.location_id == location_id, File.state == FileState.PRESENT,
        File.content_id.is_(None))) or 0


def oldest_verification(s: Session, location_id: int, *, or_hashed: bool = False) -> datetime | None:
    """Every due file of the location was checked at or after this time. ``or_hashed``: a file
    never verified counts from when a scan hashed it (after a ``verified_only`` run)."""
    when = func.coalesce(File.last_verified_at, File.hashed_at) if or_hashed else File.last_verified_at
    return s.scalar(select(func.min(when)).where(
        File.location_id == location_id, File.state == FileState.PRESENT,
        File.content_id.is_not(None)))


def record_checks(s: Session, location: Location, run_id: int, checks: Sequence[Check],
                  when: datetime, operator: str | None) -> None:
    """Record a batch of checks of catalogued files, with one event per problem."""
    def stamp(ids: list[int], **values: Any) -> None:
        for chunk in chunked(ids):
            s.execute(update(File).where(File.id.in_(chunk)).values(
                last_verified_at=when, verify_run_id=run_id, **values))

    # (a path recorded missing whose file is back is present again)
    stamp([c.id for c in checks if c.status == FixityStatus.OK and c.id is not None],
          last_verify_status=FixityStatus.OK, state=FileState.PRESENT)
    for c in checks:
        if c.status == FixityStatus.OK or c.id is None:
            continue
        gone = c.status in (FixityStatus.MISSING, FixityStatus.MOVED)
        stamp([c.id], last_verify_status=c.status,
              state=FileState.MISSING if gone else FileState.PRESENT)
        _event(s, location, run_id, c, operator)


def _event(s: Session, location: Location, run_id: int, c: Check, operator: str | None) -> None:
    path = paths.printable(c.rel)
    detail: dict[str, Any] = {"location": location.name, "path": path, "status": c.status,
                              "sha256": c.expected, "run": run_id, "message": c.message}
    objects = [f"sha256:{c.expected}", label(location.name, c.rel)]
    etype, outcome = EventType.FIXITY_CHECK, EventOutcome.FAILURE
    if c.status == FixityStatus.CHANGED:
        detail["found_sha256"] = c.found
        objects.insert(1, f"sha256:{c.found}")
    elif c.status == FixityStatus.UNREADABLE:
        detail["problem"] = c.problem
    elif c.status == FixityStatus.MOVED:
        assert c.other is not None
        detail["moved_to"] = paths.printable(c.other)
        objects.append(label(location.name, c.other))
        outcome = EventOutcome.SUCCESS  # the bytes are intact, at another path
    elif c.status == FixityStatus.MISSING:
        if c.other is not None:
            detail["copy_at"] = paths.printable(c.other)
        if c.state == FileState.PRESENT:  # first seen gone: the loss itself
            etype, outcome = EventType.DELETION_DETECTED, EventOutcome.WARNING
    append_event(s, etype, outcome, operator=operator, objects=objects, detail=detail)


def file_history(s: Session, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Every event concerning one file (its path, or its recorded bytes wherever they are),
    and its verification record: the ``history`` command's content."""
    f, loc = find_file(s, path)
    sha = f.content.sha256 if f.content else None
    by_path, by_bytes = label(loc.name, f.path_bytes), f"sha256:{sha}" if sha else None
    run = s.get(Run, f.verify_run_id) if f.verify_run_id else None
    events = []
    for e in events_for(s, [o for o in (by_path, by_bytes) if o]):
        via = [v for v, o in (("path", by_path), ("content", by_bytes)) if o in e.objects]
        events.append({**event_record(e), "time": iso(e.time), "via": via})
    return {
        "location": loc.name,
        "path": f.path,
        "absolute_path": paths.printable(paths.join(loc.root_bytes, f.path_bytes)),
        "state": f.state,
        "sha256": sha,
        "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen),
        "verification": {
            "last_verified": iso(f.last_verified_at),
            "status": f.last_verify_status,
            "run": run.id if run else None,
            "run_status": run.status if run else None,
            "operator": run.operator if run else None,
        },
        "events": events,
    }
