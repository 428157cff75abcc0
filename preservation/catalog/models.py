"""SQLAlchemy 2.x typed models: the catalog's schema.

Only :mod:`preservation.catalog` imports this module; everything else goes through the
catalog API. Schema changes need an Alembic migration in ``catalog/migrations/versions``.

Paths: a file's path relative to its location is stored three ways. ``path_bytes`` holds the
exact bytes from the file system, so names that are not valid UTF-8 round-trip; ``path`` is a
printable rendering (invalid bytes shown as ``\\xNN``); ``path_key`` is the NFC-normalised form
used to compare names across systems (macOS stores NFD, Linux whatever it was given).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the catalog; use UTC-aware datetimes")
        from datetime import UTC

        return value.astimezone(UTC).replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Clipped(TypeDecorator[str]):
    """A ``VARCHAR(n)`` that keeps the first ``n`` characters of a longer value.

    For text read from files (a camera name in EXIF, a format name a library reports) and
    operator names: PostgreSQL refuses a longer value (SQLite stores it), and a shortened camera
    name is better than a scan batch that cannot be recorded. The schema is plain VARCHAR(n).
    """

    impl = String
    cache_ok = True

    def __init__(self, length: int) -> None:
        super().__init__(length)
        self.length = length

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return value[: self.length] if value is not None and len(value) > self.length else value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UTCDateTime}


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    root: Mapped[str] = mapped_column(Text)  # absolute, printable
    root_bytes: Mapped[bytes] = mapped_column(LargeBinary)  # exact bytes for the OS
    media: Mapped[str] = mapped_column(String(20))
    site: Mapped[str] = mapped_column(String(10))
    sync: Mapped[bool] = mapped_column(Boolean, default=False)
    trust: Mapped[str] = mapped_column(String(20), default="trusted")
    note: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime]
    last_scan_at: Mapped[datetime | None] = mapped_column(default=None)
    last_verify_at: Mapped[datetime | None] = mapped_column(default=None)


class Content(Base):
    """A distinct byte sequence (by SHA-256) and what was learned from it.

    Copies in several places share one Content row, so its fingerprints are stored once.
    """

    __tablename__ = "contents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    sha512: Mapped[str | None] = mapped_column(String(128), default=None)
    md5: Mapped[str | None] = mapped_column(String(32), default=None)
    size: Mapped[int] = mapped_column(BigInteger)
    format: Mapped[str | None] = mapped_column(Clipped(20), default=None, index=True)
    mime: Mapped[str | None] = mapped_column(Clipped(100), default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    image_mode: Mapped[str | None] = mapped_column(Clipped(16), default=None)
    frames: Mapped[int | None] = mapped_column(Integer, default=None)
    orientation: Mapped[int | None] = mapped_column(Integer, default=None)
    is_grey: Mapped[bool | None] = mapped_column(Boolean, default=None)
    capture_time: Mapped[str | None] = mapped_column(Clipped(40), default=None)
    camera_make: Mapped[str | None] = mapped_column(Clipped(200), default=None)
    camera_model: Mapped[str | None] = mapped_column(Clipped(200), default=None)
    exif: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    # Problems that belong to the bytes (corrupt image, decompression bomb), as
    # [{"code": ..., "message": ...}]; the same for every copy.
    problems: Mapped[list[dict[str, str]] | None] = mapped_column(JSON, default=None)
    first_seen: Mapped[datetime]

    hashes: Mapped[list[PerceptualHash]] = relationship(
        back_populates="content", cascade="all, delete-orphan", lazy="selectin"
    )


class PerceptualHash(Base):
    __tablename__ = "perceptual_hashes"
    __table_args__ = (UniqueConstraint("content_id", "algorithm", "params_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_id: Mapped[int] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    algorithm: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(64))  # hex
    bits: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    params_key: Mapped[str] = mapped_column(String(200))  # canonical params, for uniqueness
    library: Mapped[str] = mapped_column(Clipped(100))
    quality: Mapped[int | None] = mapped_column(Integer, default=None)  # PDQ's quality, 0..100
    variants: Mapped[list[str] | None] = mapped_column(JSON, default=None)  # PDQ's 8 dihedral hashes

    content: Mapped[Content] = relationship(back_populates="hashes")


class File(Base):
    """One path in one location, as last seen by a scan."""

    __tablename__ = "files"
    # On PostgreSQL, migration 0004_pg_paths replaces these three by indexes that take paths
    # of any length: a unique index on (location_id, sha256(path_bytes)) and hash indexes.
    __table_args__ = (
        UniqueConstraint("location_id", "path_bytes"),
        Index("ix_files_location_dir", "location_id", "dir_bytes"),
        Index("ix_files_location_key", "location_id", "path_key"),
        # verify reads the least recently verified first (migration 0002)
        Index("ix_files_location_verified", "location_id", "last_verified_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id", ondelete="CASCADE"))
    path_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    dir_bytes: Mapped[bytes] = mapped_column(LargeBinary)  # parent directory, for rescans
    path: Mapped[str] = mapped_column(Text)
    path_key: Mapped[str] = mapped_column(Text)
    size: Mapped[int] = mapped_column(BigInteger)
    mtime_ns: Mapped[int] = mapped_column(BigInteger)
    inode: Mapped[int] = mapped_column(BigInteger)
    content_id: Mapped[int | None] = mapped_column(
        ForeignKey("contents.id"), default=None, index=True
    )
    extension_mismatch: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(20), default="present")
    # Why the file could not be fingerprinted this time (vocabulary.ProblemCode), if it could not.
    problem: Mapped[str | None] = mapped_column(String(40), default=None)
    problem_detail: Mapped[str | None] = mapped_column(Text, default=None)
    first_seen: Mapped[datetime]
    last_seen: Mapped[datetime]
    seen_run_id: Mapped[int | None] = mapped_column(Integer, default=None)
    hashed_at: Mapped[datetime | None] = mapped_column(default=None)
    last_verified_at: Mapped[datetime | None] = mapped_column(default=None)
    last_verify_status: Mapped[str | None] = mapped_column(String(20), default=None)
    verify_run_id: Mapped[int | None] = mapped_column(Integer, default=None)

    location: Mapped[Location] = relationship(lazy="joined")
    content: Mapped[Content | None] = relationship(lazy="joined")


# How ``INSERT ... ON CONFLICT`` names a unique key whose index is not over the plain columns.
# PostgreSQL indexes the path's SHA-256, not the path: a B-tree entry holds at most 2,704
# bytes and paths can be longer (migration 0004_pg_paths). Used by engine.upsert.
CONFLICT_TARGETS: dict[tuple[str, str, tuple[str, ...]], list[Any]] = {
    ("postgresql", "files", ("location_id", "path_bytes")):
        [File.__table__.c.location_id, func.sha256(File.__table__.c.path_bytes)],
}


class Run(Base):
    """One scan or verify of one location; a run left 'running' was interrupted."""

    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # scan | verify
    location_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="SET NULL"), default=None
    )
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    operator: Mapped[str | None] = mapped_column(Clipped(200), default=None)
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)


class Event(Base):
    """An append-only, hash-chained provenance event (PREMIS-style).

    ``seq`` is unique and consecutive, so two writers cannot both extend the chain from the
    same tail: one of them fails on the constraint and retries. Updates and deletes are
    refused by triggers created in the migrations.
    """

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger, unique=True)
    time: Mapped[datetime]
    type: Mapped[str] = mapped_column(String(60), index=True)
    agent: Mapped[str] = mapped_column(String(200))
    operator: Mapped[str | None] = mapped_column(String(200), default=None)
    outcome: Mapped[str] = mapped_column(String(20))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    objects: Mapped[list[str]] = mapped_column(JSON)  # "sha256:<hex>", "location:<name>", ...
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class EventObject(Base):
    """Index from an object identifier to the events that concern it (for `history`)."""

    __tablename__ = "event_objects"
    __table_args__ = (Index("ix_event_objects_object", "object"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"))
    object: Mapped[str] = mapped_column(String(300))
