"""Queries behind 3-2-1, NDSA and the storage picture. Streams: millions of contents fit."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preservation.catalog.decisionstore import open_changes
from preservation.catalog.models import Content, File, Location, Run
from preservation.vocabulary import FileState, FixityStatus


@dataclass(frozen=True, slots=True)
class CopyRow:
    content_id: int
    sha256: str
    size: int
    is_image: bool
    location_id: int
    path: str
    hashed_at: datetime | None
    verified_at: datetime | None
    verify_status: str | None
    problem: str | None


def iter_copy_rows(s: Session, batch: int = 10_000) -> Iterator[CopyRow]:
    """Present files with content, ordered by content: consecutive rows are one content's copies."""
    q = (select(File.content_id, Content.sha256, Content.size, Content.width, File.location_id,
                File.path, File.hashed_at, File.last_verified_at, File.last_verify_status, File.problem)
         .join(Content, File.content_id == Content.id)
         .where(File.state == FileState.PRESENT)
         .order_by(File.content_id, File.location_id, File.path_bytes)
         .execution_options(yield_per=batch))
    for r in s.execute(q):
        assert r[0] is not None  # joined on content
        yield CopyRow(r[0], r[1], r[2], r[3] is not None, r[4], r[5], r[6], r[7], r[8], r[9])


def locations_by_id(s: Session) -> dict[int, Location]:
    return {loc.id: loc for loc in s.scalars(select(Location))}


def bytes_per_location(s: Session) -> dict[int, tuple[int, int]]:
    rows = s.execute(select(File.location_id, func.count(), func.coalesce(func.sum(File.size), 0))
                     .where(File.state == FileState.PRESENT).group_by(File.location_id))
    return {r[0]: (int(r[1]), int(r[2])) for r in rows}


def duplicates_within_locations(s: Session) -> Iterator[tuple[int, str, int, int]]:
    """(location_id, sha256, size, copies) for content stored more than once in one location."""
    q = (select(File.location_id, Content.sha256, Content.size, func.count())
         .join(Content, File.content_id == Content.id)
         .where(File.state == FileState.PRESENT)
         .group_by(File.location_id, Content.sha256, Content.size)
         .having(func.count() > 1))
    for r in s.execute(q):
        yield int(r[0]), r[1], int(r[2]), int(r[3])


def format_counts(s: Session) -> list[tuple[str | None, int, int]]:
    q = (select(Content.format, func.count(func.distinct(Content.id)), func.coalesce(func.sum(File.size), 0))
         .join(File, File.content_id == Content.id).where(File.state == FileState.PRESENT)
         .group_by(Content.format).order_by(func.count(func.distinct(Content.id)).desc()))
    return [(r[0], int(r[1]), int(r[2])) for r in s.execute(q)]


def extension_mismatches(s: Session, limit: int = 1000) -> list[tuple[str, str, str | None]]:
    q = (select(Location.name, File.path, Content.format).join(Location).join(Content)
         .where(File.state == FileState.PRESENT, File.extension_mismatch.is_(True))
         .order_by(Location.name, File.path_bytes).limit(limit))
    return [(r[0], r[1], r[2]) for r in s.execute(q)]


def catalog_facts(s: Session) -> dict[str, object]:
    """What the catalog can show about practice, for NDSA levels."""
    files = s.scalar(select(func.count()).select_from(File).where(File.state == FileState.PRESENT)) or 0
    unhashed = s.scalar(select(func.count()).select_from(File).where(
        File.state == FileState.PRESENT, File.content_id.is_(None))) or 0
    unidentified = s.scalar(select(func.count()).select_from(File).join(Content).where(
        File.state == FileState.PRESENT, Content.format.is_(None), Content.size > 0)) or 0
    verify_runs = list(s.execute(select(Run.location_id, Run.finished_at).where(
        Run.kind == "verify", Run.status == "complete").order_by(Run.location_id, Run.finished_at)))
    operators = s.scalar(select(func.count(func.distinct(Run.operator))).where(Run.operator.is_not(None))) or 0
    return {"files": files, "unhashed": unhashed, "unidentified": unidentified,
            "verify_runs": [(r[0], r[1]) for r in verify_runs], "operators": operators}


def fixity_counts(s: Session) -> dict[str, int]:
    """Problems as of the latest scan/verify: by verify status (``changed``: fixity changes
    nobody has accepted yet), read problems, missing files."""
    out: dict[str, int] = {}
    for status, n in s.execute(select(File.last_verify_status, func.count()).where(
            File.last_verify_status.is_not(None),
            File.last_verify_status.not_in([FixityStatus.OK, FixityStatus.CHANGED]))
            .group_by(File.last_verify_status)):
        out[str(status)] = int(n)
    changed = len(open_changes(s))  # found by a check or recorded by a scan, not accepted
    if changed:
        out["changed"] = changed
    unread = s.scalar(select(func.count()).select_from(File).where(
        File.state == FileState.PRESENT, File.problem.is_not(None))) or 0
    if unread:
        out["unreadable at scan"] = int(unread)
    missing = s.scalar(select(func.count()).select_from(File).where(File.state == FileState.MISSING)) or 0
    if missing and "missing" not in out:
        out["missing"] = int(missing)
    return out
