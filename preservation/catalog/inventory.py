"""Read-side views of the inventory: file lists and one file's full record, as plain data.

These dictionaries are what ``--json`` prints (schemas/files.json, schemas/show.json) and what
reports render; the CLI only formats them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.events import event_record, events_for
from preservation.catalog.locations import get_location, location_for_path
from preservation.catalog.models import Content, File, Location
from preservation.errors import NotInCatalogError
from preservation.provenance.chain import format_time


def iso(t: datetime | None) -> str | None:
    return format_time(t) if t else None


def file_summary(f: File, loc: Location, c: Content | None) -> dict[str, Any]:
    return {
        "location": loc.name,
        "path": f.path,
        "absolute_path": paths.printable(paths.join(loc.root_bytes, f.path_bytes)),
        "size": f.size,
        "mtime": iso_ns(f.mtime_ns),
        "state": f.state,
        "sha256": c.sha256 if c else None,
        "format": c.format if c else None,
        "extension_mismatch": f.extension_mismatch,
        "width": c.width if c else None,
        "height": c.height if c else None,
        "capture_time": c.capture_time if c else None,
        "problem": f.problem,
        "problem_detail": f.problem_detail,
        "content_problems": (c.problems or []) if c else [],
        "first_seen": iso(f.first_seen),
        "last_seen": iso(f.last_seen),
        "last_verified": iso(f.last_verified_at),
        "last_verify_status": f.last_verify_status,
    }


def iso_ns(ns: int) -> str:
    from datetime import UTC

    return format_time(datetime.fromtimestamp(ns / 1e9, UTC))


def content_record(c: Content) -> dict[str, Any]:
    """One distinct byte sequence and what was learned from it."""
    return {
        "sha256": c.sha256, "sha512": c.sha512, "md5": c.md5, "size": c.size,
        "format": c.format, "mime": c.mime, "width": c.width, "height": c.height,
        "mode": c.image_mode, "frames": c.frames, "orientation": c.orientation,
        "is_grey": c.is_grey, "capture_time": c.capture_time, "camera_make": c.camera_make,
        "camera_model": c.camera_model, "exif": c.exif or {}, "problems": c.problems or [],
        "first_seen": iso(c.first_seen),
        "perceptual_hashes": [
            {"algorithm": h.algorithm, "value": h.value, "bits": h.bits, "params": h.params,
             "library": h.library,
             **({"quality": h.quality} if h.quality is not None else {}),
             **({"variants": list(h.variants)} if h.variants else {})}
            for h in sorted(c.hashes, key=lambda h: h.algorithm)],
    }


def iter_files(s: Session, location: str | None = None, *, include_missing: bool = True,
               batch: int = 5000) -> Iterator[dict[str, Any]]:
    """Every catalogued file (optionally of one location), streamed in path order."""
    q = (select(File, Location, Content).join(Location, File.location_id == Location.id)
         .outerjoin(Content, File.content_id == Content.id))
    if location is not None:
        q = q.where(File.location_id == get_location(s, location).id)
    if not include_missing:
        q = q.where(File.state == "present")
    q = q.order_by(Location.name, File.path_bytes).execution_options(yield_per=batch)
    for f, loc, c in s.execute(q):
        yield file_summary(f, loc, c)


def find_file(s: Session, path: str | os.PathLike[str]) -> tuple[File, Location]:
    absolute = paths.absolute(path) if os.path.lexists(path) else os.path.abspath(
        os.path.expanduser(os.fsencode(path)))
    found = location_for_path(s, absolute) or location_for_path(
        s, os.path.abspath(os.path.expanduser(os.fsencode(path))))
    if found is None:
        raise NotInCatalogError(f"{os.fsdecode(path)} is not inside any registered location.",
                                hint="See: preservation location list")
    loc, rel = found
    f = s.scalars(select(File).where(File.location_id == loc.id, File.path_bytes == rel)).first()
    if f is None:  # the same name written in another Unicode normal form
        f = s.scalars(select(File).where(File.location_id == loc.id,
                                         File.path_key == paths.key(rel))).first()
    if f is None:
        raise NotInCatalogError(
            f"{os.fsdecode(path)} is not in the catalog (location {loc.name!r} has no such file).",
            hint=f"Has it been scanned? preservation scan {loc.name!r}")
    return f, loc


def file_detail(s: Session, path: str | os.PathLike[str]) -> dict[str, Any]:
    """Everything the catalog knows about one file: the ``show`` command's content."""
    f, loc = find_file(s, path)
    c = f.content
    out = file_summary(f, loc, c)
    out["inode"] = f.inode
    out["content"] = None
    copies: list[dict[str, Any]] = []
    if c is not None:
        out["content"] = content_record(c)
        for other, oloc in s.execute(select(File, Location).join(Location).where(
                File.content_id == c.id, File.id != f.id).order_by(Location.name, File.path_bytes)):
            copies.append({"location": oloc.name, "path": other.path, "state": other.state,
                           "absolute_path": paths.printable(paths.join(oloc.root_bytes, other.path_bytes))})
    out["copies"] = copies
    objects = [f"file:{loc.name}/{f.path}"] + ([f"sha256:{c.sha256}"] if c else [])
    out["events"] = [{**event_record(e), "time": iso(e.time)} for e in events_for(s, objects)]
    return out
