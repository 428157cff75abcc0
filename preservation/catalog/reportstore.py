"""Queries behind printable reports (``preservation report``). Read-only; streams long lists.

Every function takes an optional ``location_id``: a report for one location counts only that
location's files (3-2-1 status still looks at every copy, elsewhere; see analyse/copies.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog import contents
from preservation.catalog.chunks import chunked
from preservation.catalog.models import Content, File, Location, PerceptualHash, Run
from preservation.vocabulary import FileState, FixityStatus, ProblemCode

PROBLEM_STATUSES = (FixityStatus.CHANGED, FixityStatus.MISSING, FixityStatus.UNREADABLE)


def _where_location(location_id: int | None) -> list[ColumnElement[bool]]:
    return [] if location_id is None else [File.location_id == location_id]


def totals(s: Session, location_id: int | None = None) -> dict[str, int]:
    """Present files, their bytes, distinct contents and images; missing and unreadable files."""
    where = [File.state == FileState.PRESENT, *_where_location(location_id)]
    files, size = s.execute(select(func.count(), func.coalesce(func.sum(File.size), 0))
                            .where(*where)).one()
    contents = s.scalar(select(func.count(func.distinct(File.content_id)))
                        .where(*where, File.content_id.is_not(None))) or 0
    images = s.scalar(select(func.count(func.distinct(File.content_id))).join(
        Content, File.content_id == Content.id).where(*where, Content.width.is_not(None))) or 0
    image_files = s.scalar(select(func.count()).select_from(File).join(
        Content, File.content_id == Content.id).where(*where, Content.width.is_not(None))) or 0
    missing = s.scalar(select(func.count()).select_from(File).where(
        File.state == FileState.MISSING, *_where_location(location_id))) or 0
    unreadable = s.scalar(select(func.count()).select_from(File).where(
        *where, File.problem.is_not(None))) or 0
    return {"files": int(files), "bytes": int(size), "contents": int(contents),
            "images": int(images), "image_files": int(image_files), "missing": int(missing),
            "unreadable": int(unreadable)}


def scan_span(s: Session, location_id: int | None = None) -> tuple[datetime | None, datetime | None]:
    """When the oldest and the newest complete scan of the report's locations finished."""
    q = select(func.min(Run.finished_at), func.max(Run.finished_at)).where(
        Run.kind == "scan", Run.status == "complete")
    if location_id is not None:
        q = q.where(Run.location_id == location_id)
    first, last = s.execute(q).one()
    return first, last


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    kind: str
    location: str | None
    status: str
    started_at: datetime
    finished_at: datetime | None
    operator: str | None
    counts: dict[str, Any]


def runs(s: Session, kind: str, location_id: int | None = None, limit: int = 200) -> list[RunRow]:
    """The latest runs of one kind (scan or verify), newest first."""
    q = (select(Run, Location.name).outerjoin(Location, Run.location_id == Location.id)
         .where(Run.kind == kind).order_by(Run.started_at.desc(), Run.id.desc()).limit(limit))
    if location_id is not None:
        q = q.where(Run.location_id == location_id)
    return [RunRow(r.id, r.kind, name, r.status, r.started_at, r.finished_at, r.operator,
                   dict(r.counts or {})) for r, name in s.execute(q)]


def run_count(s: Session, kind: str, location_id: int | None = None) -> int:
    q = select(func.count()).select_from(Run).where(Run.kind == kind)
    if location_id is not None:
        q = q.where(Run.location_id == location_id)
    return int(s.scalar(q) or 0)


def last_verify_by_location(s: Session) -> dict[int, RunRow]:
    """Each location's most recent verify run (of any status)."""
    newest = (select(Run.location_id, func.max(Run.id).label("id")).where(Run.kind == "verify")
              .group_by(Run.location_id).subquery())
    q = (select(Run, Location.name).join(newest, Run.id == newest.c.id)
         .outerjoin(Location, Run.location_id == Location.id))
    return {r.location_id: RunRow(r.id, r.kind, name, r.status, r.started_at, r.finished_at,
                                  r.operator, dict(r.counts or {}))
            for r, name in s.execute(q) if r.location_id is not None}


def verify_coverage(s: Session, location_id: int) -> tuple[int, int, datetime | None]:
    """(present hashed files, of which ever verified, oldest verification time) of a location."""
    row = s.execute(select(func.count(), func.count(File.last_verified_at),
                           func.min(File.last_verified_at)).where(
        File.location_id == location_id, File.state == FileState.PRESENT,
        File.content_id.is_not(None))).one()
    return int(row[0]), int(row[1]), row[2]


@dataclass(frozen=True, slots=True)
class ProblemRow:
    location: str
    path: str
    status: str  # changed | missing | unreadable | unreadable at scan
    size: int
    sha256: str | None
    when: datetime | None  # when the problem was found
    detail: str | None


def _problem_filter() -> ColumnElement[bool]:
    return or_(File.last_verify_status.in_([str(x) for x in PROBLEM_STATUSES]),
               File.state == FileState.MISSING,
               and_(File.state == FileState.PRESENT, File.problem.is_not(None),
                    # a misleading name is listed with the formats, not as a fixity problem
                    File.problem != str(ProblemCode.EXTENSION_MISMATCH)))


def count_problems(s: Session, location_id: int | None = None) -> int:
    return int(s.scalar(select(func.count()).select_from(File).where(
        _problem_filter(), *_where_location(location_id))) or 0)


def iter_problems(s: Session, location_id: int | None = None, batch: int = 5000) -> Iterator[ProblemRow]:
    """Every file whose latest scan or check found a problem, by location and path."""
    q = (select(File, Location.name, Content.sha256).join(Location, File.location_id == Location.id)
         .outerjoin(Content, File.content_id == Content.id)
         .where(_problem_filter(), *_where_location(location_id))
         .order_by(Location.name, File.path_bytes).execution_options(yield_per=batch))
    for f, name, sha in s.execute(q):
        if f.last_verify_status in PROBLEM_STATUSES:
            status, when, detail = f.last_verify_status, f.last_verified_at, None
        elif f.state == FileState.MISSING:
            status, when, detail = "missing", f.last_seen, "not found by the latest scan"
        else:
            status, when, detail = "unreadable", f.hashed_at or f.last_seen, f.problem_detail
        yield ProblemRow(name, f.path, str(status), f.size, sha, when, detail)


def iter_extension_mismatches(s: Session, location_id: int | None = None,
                              batch: int = 5000) -> Iterator[tuple[str, str, str | None]]:
    """(location, path, format found in the content) of every file whose name misleads."""
    q = (select(Location.name, File.path, Content.format).join(Location).join(Content)
         .where(File.state == FileState.PRESENT, File.extension_mismatch.is_(True),
                *_where_location(location_id))
         .order_by(Location.name, File.path_bytes).execution_options(yield_per=batch))
    for r in s.execute(q):
        yield r[0], r[1], r[2]


def count_extension_mismatches(s: Session, location_id: int | None = None) -> int:
    return int(s.scalar(select(func.count()).select_from(File).where(
        File.state == FileState.PRESENT, File.extension_mismatch.is_(True),
        *_where_location(location_id))) or 0)


def format_counts(s: Session, location_id: int | None = None) -> list[tuple[str | None, int, int]]:
    """(format, distinct contents, bytes of present files) of one location (copiesstore for all)."""
    if location_id is None:
        from preservation.catalog.copiesstore import format_counts as all_formats

        return all_formats(s)
    q = (select(Content.format, func.count(func.distinct(Content.id)), func.coalesce(func.sum(File.size), 0))
         .join(File, File.content_id == Content.id)
         .where(File.state == FileState.PRESENT, File.location_id == location_id)
         .group_by(Content.format).order_by(func.count(func.distinct(Content.id)).desc()))
    return [(r[0], int(r[1]), int(r[2])) for r in s.execute(q)]


@dataclass(frozen=True, slots=True)
class CopyPlace:
    location: str
    path: str


@dataclass(frozen=True, slots=True)
class ExactCopies:
    content_id: int
    sha256: str
    size: int
    places: list[CopyPlace]


def _multi_contents(location_id: int | None) -> Any:
    q = (select(File.content_id).where(File.state == FileState.PRESENT, File.content_id.is_not(None))
         .group_by(File.content_id).having(func.count() > 1))
    if location_id is not None:
        q = q.having(func.sum(case((File.location_id == location_id, 1), else_=0)) > 0)
    return q


def count_exact_copies(s: Session, location_id: int | None = None) -> int:
    return int(s.scalar(select(func.count()).select_from(_multi_contents(location_id).subquery())) or 0)


def iter_exact_copies(s: Session, location_id: int | None = None,
                      batch: int = 5000) -> Iterator[ExactCopies]:
    """Contents stored as more than one present file (anywhere), with every place they live.

    With ``location_id``, the contents that have a file in that location (and all their places).
    """
    multi = _multi_contents(location_id).subquery()
    q = (select(File.content_id, Content.sha256, Content.size, Location.name, File.path)
         .join(multi, File.content_id == multi.c.content_id)
         .join(Content, File.content_id == Content.id).join(Location, File.location_id == Location.id)
         .where(File.state == FileState.PRESENT)
         .order_by(Content.size.desc(), File.content_id, Location.name, File.path_bytes)
         .execution_options(yield_per=batch))
    current: ExactCopies | None = None
    for cid, sha, size, loc, path in s.execute(q):
        assert cid is not None  # joined on the contents with several files
        if current is None or current.content_id != cid:
            if current is not None:
                yield current
            current = ExactCopies(cid, sha, int(size), [])
        current.places.append(CopyPlace(loc, path))
    if current is not None:
        yield current


@dataclass(frozen=True, slots=True)
class Fingerprint64:
    content_id: int
    value: int


def image_fingerprints(s: Session, algorithm: str = "phash",
                       location_id: int | None = None) -> list[Fingerprint64]:
    """One 64-bit perceptual hash per distinct image content with a present file."""
    present = select(File.content_id).where(File.state == FileState.PRESENT,
                                            File.content_id.is_not(None), *_where_location(location_id))
    q = (select(PerceptualHash.content_id, PerceptualHash.value)
         .where(PerceptualHash.algorithm == algorithm, PerceptualHash.bits == 64,
                PerceptualHash.content_id.in_(present))
         .order_by(PerceptualHash.content_id))
    return [Fingerprint64(int(cid), int(v, 16)) for cid, v in s.execute(q)]


@dataclass(slots=True)
class ContentInfo(contents.ContentInfo):
    """One content, as the report shows it: metadata, every present file, one readable path."""

    places: list[CopyPlace] = field(default_factory=list)
    oldest_mtime_ns: int | None = None
    absolute_paths: list[bytes] = field(default_factory=list)  # present files, for reading (first one first)


def contents_info(s: Session, content_ids: Iterable[int]) -> dict[int, ContentInfo]:
    ids = sorted(set(content_ids))
    out: dict[int, ContentInfo] = {}
    for chunk in chunked(ids):
        for c in s.scalars(select(Content).where(Content.id.in_(chunk))):
            out[c.id] = ContentInfo.of(c)
        q = (select(File.content_id, Location.name, Location.root_bytes, File.path, File.path_bytes,
                    File.mtime_ns)
             .join(Location, File.location_id == Location.id)
             .where(File.content_id.in_(chunk), File.state == FileState.PRESENT)
             .order_by(File.content_id, Location.name, File.path_bytes))
        for cid, loc, root, path, rel, mtime in s.execute(q):
            assert cid is not None  # selected by content id
            info = out[cid]
            info.places.append(CopyPlace(loc, path))
            info.absolute_paths.append(paths.join(root, rel))
            if info.oldest_mtime_ns is None or mtime < info.oldest_mtime_ns:
                info.oldest_mtime_ns = int(mtime)
    return out


def content_ids_by_sha(s: Session, shas: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in chunked(shas):
        for cid, sha in s.execute(select(Content.id, Content.sha256).where(
                Content.sha256.in_(chunk))):
            out[sha] = int(cid)
    return out
