"""Read-side streams for exports (sha256sum manifests, PREMIS, the JSON catalog).

Everything is streamed in pages, so exporting a catalog of millions of files holds one page in
memory at a time. The writers are in :mod:`preservation.provenance.export` and
:mod:`preservation.provenance.premis`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation.catalog.inventory import iso
from preservation.catalog.models import Content, File
from preservation.vocabulary import FileState


def iter_manifest(s: Session, location_id: int, *, batch: int = 5000) -> Iterator[tuple[bytes, str]]:
    """(path bytes, SHA-256) of the location's present files with a recorded hash, by path."""
    q = (select(File.path_bytes, Content.sha256).join(Content, File.content_id == Content.id)
         .where(File.location_id == location_id, File.state == FileState.PRESENT)
         .order_by(File.path_bytes).execution_options(yield_per=batch))
    yield from s.execute(q)


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
             "library": h.library} for h in sorted(c.hashes, key=lambda h: h.algorithm)],
    }


def iter_contents(s: Session, *, batch: int = 1000) -> Iterator[dict[str, Any]]:
    """Every content record, by id, a page at a time (perceptual hashes loaded per page)."""
    last = 0
    while True:
        page = list(s.scalars(select(Content).where(Content.id > last).order_by(Content.id)
                              .limit(batch)))
        if not page:
            return
        for c in page:
            yield content_record(c)
        last = page[-1].id
        s.expunge_all()
