"""Contents (one row per distinct SHA-256): what the catalog knows of each byte sequence.

The one :class:`ContentInfo` every feature reads (look-alikes, reports, evidence), and the one
query that fills it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self

from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation.catalog.chunks import chunked
from preservation.catalog.models import Content


@dataclass(slots=True)
class ContentInfo:
    """One content's metadata, as recorded when its bytes were fingerprinted."""

    id: int
    sha256: str
    size: int
    format: str | None
    width: int | None
    height: int | None
    orientation: int | None
    mode: str | None
    capture_time: str | None
    camera_make: str | None
    camera_model: str | None
    exif: dict[str, Any]
    first_seen: datetime | None
    problems: list[dict[str, str]] = field(default_factory=list)
    mime: str | None = None
    is_grey: bool | None = None

    @classmethod
    def of(cls, c: Content) -> Self:
        """From a content row (a subclass's own fields keep their defaults)."""
        return cls(c.id, c.sha256, c.size, c.format, c.width, c.height, c.orientation, c.image_mode,
                   c.capture_time, c.camera_make, c.camera_model, dict(c.exif or {}), c.first_seen,
                   list(c.problems or []), c.mime, c.is_grey)


def contents(s: Session, content_ids: Iterable[int]) -> dict[int, ContentInfo]:
    """The given contents by id (unknown ids are left out)."""
    out: dict[int, ContentInfo] = {}
    for chunk in chunked(sorted(set(content_ids))):
        for c in s.scalars(select(Content).where(Content.id.in_(chunk))):
            out[c.id] = ContentInfo.of(c)
    return out


__all__ = ["ContentInfo", "contents"]
