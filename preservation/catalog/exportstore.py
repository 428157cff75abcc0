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

from preservation.catalog.inventory import content_record
from preservation.catalog.models import Content, File
from preservation.vocabulary import FileState


def iter_manifest(s: Session, location_id: int, *, batch: int = 5000) -> Iterator[tuple[bytes, str]]:
    """(path bytes, SHA-256) of the location's present files with a recorded hash, by path."""
    q = (select(File.path_bytes, Content.sha256).join(Content, File.content_id == Content.id)
         .where(File.location_id == location_id, File.state == FileState.PRESENT)
         .order_by(File.path_bytes).execution_options(yield_per=batch))
    yield from s.execute(q)


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
