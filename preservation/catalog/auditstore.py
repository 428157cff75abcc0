"""Catalog side of ``preservation audit``: the last visit, and what changed since.

A *visit* is a complete audit of a location (a ``runs`` row of kind ``audit``); a location
never audited but scanned before counts its newest complete scan as the last visit. What
changed since is read from what the scans and checks recorded meanwhile:

* **new**: present files first seen after the visit ended;
* **missing**: files seen at (or after) the visit and now recorded missing;
* **changed**: files whose fixity check (by a scan or by verify) found other bytes than those
  recorded, after the visit; a file changed and then gone counts as missing only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Text, cast, func, or_, select
from sqlalchemy.orm import Session

from preservation.catalog.models import Content, Event, File, Location, Run
from preservation.vocabulary import EventType, FileState, FixityStatus, ProblemCode

AUDIT = "audit"
#: Problems of the bytes that mean a file is damaged (it cannot be opened as what it is).
DAMAGE = frozenset({ProblemCode.CORRUPT_IMAGE})


@dataclass(frozen=True, slots=True)
class Visit:
    kind: str  # audit | scan
    run_id: int
    started_at: datetime
    finished_at: datetime


@dataclass
class PathList:
    """How many paths, and the first ``limit`` of them in path order."""

    count: int = 0
    paths: list[str] = field(default_factory=list)


@dataclass
class Changes:
    new: PathList = field(default_factory=PathList)
    changed: PathList = field(default_factory=PathList)
    missing: PathList = field(default_factory=PathList)


@dataclass(frozen=True, slots=True)
class FileProblem:
    path: str
    problem: str
    message: str | None


def last_visit(s: Session, location_id: int) -> Visit | None:
    """The location's newest complete audit; failing that, its newest complete scan."""
    for kind in (AUDIT, "scan"):
        run = s.scalars(select(Run).where(
            Run.location_id == location_id, Run.kind == kind, Run.status == "complete",
            Run.finished_at.is_not(None)).order_by(Run.finished_at.desc(), Run.id.desc()).limit(1)).first()
        if run is not None and run.finished_at is not None:
            return Visit(kind, run.id, run.started_at, run.finished_at)
    return None


def _paths(rows: list[str], limit: int) -> PathList:
    rows = sorted(rows)
    return PathList(len(rows), rows[:limit])


def changes_since(s: Session, location: Location, visit: Visit, limit: int) -> Changes:
    """New, changed and missing files of ``location`` since ``visit`` (see the module doc)."""
    new = list(s.scalars(select(File.path).where(
        File.location_id == location.id, File.state == FileState.PRESENT,
        File.first_seen > visit.finished_at)))
    missing = list(s.scalars(select(File.path).where(
        File.location_id == location.id, File.state == FileState.MISSING,
        File.last_seen >= visit.started_at, File.first_seen <= visit.finished_at)))
    gone = set(missing)
    changed: set[str] = set()
    for detail in s.scalars(select(Event.detail).where(
            Event.type == EventType.FIXITY_CHECK, Event.time > visit.finished_at)):
        if (detail.get("location") == location.name and detail.get("status") == FixityStatus.CHANGED
                and isinstance(detail.get("path"), str) and detail["path"] not in gone):
            changed.add(detail["path"])
    return Changes(_paths(new, limit), _paths(list(changed), limit), _paths(missing, limit))


def present_counts(s: Session, location_id: int) -> tuple[int, int]:
    """(files, bytes) present in the location as last recorded."""
    n, size = s.execute(select(func.count(), func.coalesce(func.sum(File.size), 0)).where(
        File.location_id == location_id, File.state == FileState.PRESENT)).one()
    return int(n), int(size)


def unreadable(s: Session, location_id: int) -> list[FileProblem]:
    """Present files the latest scan or check could not read, in path order."""
    rows = s.execute(select(File.path, File.problem, File.problem_detail).where(
        File.location_id == location_id, File.state == FileState.PRESENT,
        File.problem.is_not(None)).order_by(File.path_bytes))
    return [FileProblem(p, str(code), detail) for p, code, detail in rows]


def damaged(s: Session, location_id: int) -> list[FileProblem]:
    """Present files whose bytes are damaged (a truncated or corrupt picture), in path order."""
    # a cheap pre-filter on the JSON text (an empty list is stored as JSON null); checked below
    text = cast(Content.problems, Text)
    rows = s.execute(select(File.path, Content.problems).join(Content, File.content_id == Content.id).where(
        File.location_id == location_id, File.state == FileState.PRESENT,
        or_(*(text.like(f'%"{code}"%') for code in DAMAGE))).order_by(File.path_bytes))
    out = []
    for path, problems in rows:
        for p in problems or []:
            if p.get("code") in DAMAGE:
                out.append(FileProblem(path, str(p["code"]), p.get("message")))
                break
    return out
