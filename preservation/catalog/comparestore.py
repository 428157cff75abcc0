"""Queries behind the loss audit (``preservation compare``): one location's present files.

Read-only. The look-alike side (perceptual hashes, content metadata, cached evidence) is in
:mod:`preservation.catalog.lookalikestore`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.models import Content, File, Location
from preservation.vocabulary import FileState


@dataclass(slots=True)
class FileRow:
    """One present file of a location and what its content is."""

    id: int
    path: str  # relative, printable
    path_bytes: bytes  # relative, exact
    name: str  # the file's own name, printable
    dir: str  # the folder, relative, printable ("" for the root)
    absolute: str  # printable
    absolute_bytes: bytes
    size: int
    content_id: int | None
    sha256: str | None
    format: str | None
    width: int | None
    height: int | None
    capture_time: str | None
    problem: str | None
    problem_detail: str | None

    @property
    def is_picture(self) -> bool:
        return bool(self.width and self.height)


def present_files(s: Session, location: Location, *, batch: int = 5000) -> Iterator[FileRow]:
    """Every present file of ``location``, in path order."""
    q = (select(File.id, File.path, File.path_bytes, File.size, File.content_id, File.problem,
                File.problem_detail, Content.sha256, Content.format, Content.width, Content.height,
                Content.capture_time)
         .outerjoin(Content, File.content_id == Content.id)
         .where(File.location_id == location.id, File.state == FileState.PRESENT)
         .order_by(File.path_bytes)
         .execution_options(yield_per=batch))
    for r in s.execute(q):
        full = paths.join(location.root_bytes, r.path_bytes)
        i = r.path_bytes.rfind(b"/")
        name_b = r.path_bytes[i + 1:] if i >= 0 else r.path_bytes
        yield FileRow(r.id, r.path, r.path_bytes, paths.printable(name_b), paths.printable(paths.parent(r.path_bytes)),
                      paths.printable(full), full, r.size, r.content_id, r.sha256, r.format, r.width,
                      r.height, r.capture_time, r.problem, r.problem_detail)


__all__ = ["FileRow", "present_files"]
