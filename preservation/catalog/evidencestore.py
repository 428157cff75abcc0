"""Catalog side of evidence packages: finding the files a person names, what the catalog knows
about each, the events that concern them, and recording the package's own events.

Read-only except :func:`record_package` and :func:`record_refused_copies`, which append events.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.events import append_event, event_record, events_for
from preservation.catalog.fixitystore import label
from preservation.catalog.inventory import file_summary, find_file
from preservation.catalog.locations import get_location, list_locations
from preservation.catalog.models import Content, File, Location
from preservation.fingerprint.exif import camera_label
from preservation.vocabulary import EventOutcome, EventType


@dataclass(slots=True)
class CatalogFile:
    """One catalogued path and everything recorded about it and its bytes."""

    id: int
    location: str
    media: str
    root_bytes: bytes
    rel_bytes: bytes
    path: str  # relative to the location, printable
    absolute: str  # printable
    state: str
    size: int
    mtime_ns: int
    first_seen: datetime
    last_verified_at: datetime | None
    last_verify_status: str | None
    problem: str | None
    problem_detail: str | None
    content_id: int | None
    sha256: str | None
    sha512: str | None
    format: str | None
    mime: str | None
    width: int | None
    height: int | None
    capture_time: str | None
    camera_make: str | None
    camera_model: str | None
    exif: dict[str, Any]
    content_first_seen: datetime | None
    summary: dict[str, Any]  # inventory.file_summary: what PREMIS objects are made from
    content_problems: list[dict[str, str]] = field(default_factory=list)

    @property
    def label(self) -> str:
        """How events name this path."""
        return label(self.location, self.rel_bytes)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def camera(self) -> str | None:
        return camera_label(self.camera_make, self.camera_model)


def _record(f: File, loc: Location, c: Content | None) -> CatalogFile:
    return CatalogFile(
        f.id, loc.name, loc.media, loc.root_bytes, f.path_bytes, f.path,
        paths.printable(paths.join(loc.root_bytes, f.path_bytes)), f.state, f.size, f.mtime_ns,
        f.first_seen, f.last_verified_at, f.last_verify_status, f.problem, f.problem_detail,
        f.content_id, c.sha256 if c else None, c.sha512 if c else None, c.format if c else None,
        c.mime if c else None, c.width if c else None, c.height if c else None,
        c.capture_time if c else None, c.camera_make if c else None, c.camera_model if c else None,
        dict(c.exif or {}) if c else {}, c.first_seen if c else None, file_summary(f, loc, c),
        list(c.problems or []) if c else [])


def _query() -> Any:
    return (select(File, Location, Content).join(Location, File.location_id == Location.id)
            .outerjoin(Content, File.content_id == Content.id))


def file_at(s: Session, path: str | os.PathLike[str]) -> CatalogFile:
    """The catalogued file at a path on disk (raises NotInCatalogError)."""
    f, loc = find_file(s, path)
    return _record(f, loc, f.content)


def file_by_id(s: Session, file_id: int) -> CatalogFile | None:
    row = s.execute(_query().where(File.id == file_id)).first()
    return None if row is None else _record(*row)


def files_at_path(s: Session, location: str | None, rel: str) -> list[CatalogFile]:
    """Files recorded at relative path ``rel`` (printable, any Unicode normal form), in one
    location or in all of them."""
    q = _query().where(or_(File.path == rel, File.path_key == unicodedata.normalize("NFC", rel)))
    if location is not None:
        q = q.where(File.location_id == get_location(s, location).id)
    return [_record(*r) for r in s.execute(q.order_by(Location.name, File.path_bytes))]


def files_named(s: Session, name: str) -> list[CatalogFile]:
    """Files whose own name (the last part of the path) is ``name``, in every location."""
    key = unicodedata.normalize("NFC", name)
    escaped = key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    q = _query().where(or_(File.path_key == key, File.path_key.like("%/" + escaped, escape="\\")))
    # LIKE ignores ASCII case in SQLite: names are compared exactly here
    return [_record(f, loc, c) for f, loc, c in s.execute(q.order_by(Location.name, File.path_bytes))
            if f.path_key == key or f.path_key.endswith("/" + key)]


def location_names(s: Session) -> list[str]:
    return [loc.name for loc in list_locations(s)]


def location_roots(s: Session) -> list[tuple[str, bytes]]:
    return [(loc.name, loc.root_bytes) for loc in list_locations(s)]


def events_about(s: Session, files: list[CatalogFile]
                 ) -> tuple[list[dict[str, Any]], dict[int, list[tuple[int, str]]]]:
    """The events that concern the files, in chain order, and for each file (by id) which
    events concern it and how: ``path`` or ``content`` (the event names the file or its bytes),
    ``location`` (a scan or check of its location since the file was first recorded: the run
    that recorded it and those that checked it)."""
    records: dict[int, dict[str, Any]] = {}
    concern: dict[int, list[tuple[int, str]]] = {}
    by_location: dict[str, list[Any]] = {}
    for f in files:
        named = {f.label: "path"}
        if f.sha256:
            named[f"sha256:{f.sha256}"] = "content"
        loc = f"location:{f.location}"
        if f.location not in by_location:
            by_location[f.location] = events_for(s, [loc])
        found: dict[int, str] = {}
        for e in events_for(s, named):
            found[e.seq] = "+".join(v for o, v in named.items() if o in e.objects)
            records.setdefault(e.seq, event_record(e))
        for e in by_location[f.location]:
            if e.seq not in found and e.time >= f.first_seen:
                found[e.seq] = "location"
                records.setdefault(e.seq, event_record(e))
        concern[f.id] = sorted(found.items())
    return [records[k] for k in sorted(records)], concern


def record_package(s: Session, events: list[tuple[str, str, dict[str, Any], list[str]]],
                   operator: str | None) -> list[int]:
    """Append the package's events (type, outcome, detail, objects) in one transaction."""
    return [int(append_event(s, etype, outcome, detail=detail, objects=objects, operator=operator).seq)
            for etype, outcome, detail, objects in events]


def record_refused_copies(s: Session, refused: list[tuple[CatalogFile, str | None, str]],
                          operator: str | None) -> None:
    """A file whose bytes no longer match the catalog, found while copying it into a package:
    a fixity finding, recorded as verify records one (``found`` None: it could not be read)."""
    for f, found, message in refused:
        detail: dict[str, Any] = {"location": f.location, "path": f.path, "sha256": f.sha256,
                                  "status": "changed" if found else "unreadable",
                                  "action": "evidence package refused", "message": message}
        objects = [f"sha256:{f.sha256}", f.label]
        if found:
            detail["found_sha256"] = found
            objects.insert(1, f"sha256:{found}")
        append_event(s, EventType.FIXITY_CHECK, EventOutcome.FAILURE, detail=detail, objects=objects,
                     operator=operator)


__all__ = ["CatalogFile", "events_about", "file_at", "file_by_id", "files_at_path", "files_named",
           "location_names", "location_roots", "record_package", "record_refused_copies"]
