"""Queries behind look-alike analysis, and the evidence cache (table ``lookalike_evidence``).

Reads: the stored perceptual hashes of present files (grouped by algorithm, parameters and
library, so only hashes made the same way are ever compared), what each content's metadata
says, where each content's copies live. Writes: only the evidence cache (migration
0003_lookalikes). Nothing here touches the files themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import JSON, Integer, String, UniqueConstraint, func, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from preservation import paths
from preservation.catalog.chunks import chunked
from preservation.catalog.contents import ContentInfo, contents
from preservation.catalog.locations import get_location
from preservation.catalog.models import Base, Content, File, Location, PerceptualHash
from preservation.vocabulary import FileState


class LookalikeEvidence(Base):
    """Cached evidence for one compared pair (see migration 0003_lookalikes)."""

    __tablename__ = "lookalike_evidence"
    __table_args__ = (UniqueConstraint("sha256_a", "sha256_b", "version",
                                       name="uq_lookalike_evidence_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256_a: Mapped[str] = mapped_column(String(64))
    sha256_b: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    verdict: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    computed_at: Mapped[datetime]


@dataclass(slots=True)
class HashFamily:
    """One way of hashing (algorithm + parameters + library) and every present content's value."""

    algorithm: str
    params_key: str
    library: str
    bits: int
    content_ids: npt.NDArray[np.int64]
    values: npt.NDArray[np.uint64]


@dataclass(slots=True)
class CopyInfo:
    """One present file holding a content."""

    content_id: int
    location: str
    trusted: bool
    path: str  # relative, printable
    absolute: str  # printable
    absolute_bytes: bytes
    first_seen: datetime | None
    mtime_ns: int
    sync: bool = False  # a sync folder mirrors deletions and edits: the weaker copy to point to


def location_ids(s: Session, location: str | None) -> list[int] | None:
    """None for all locations; raises LocationError for an unknown name."""
    return None if location is None else [get_location(s, location).id]


def _present_contents(locs: Sequence[int] | None) -> Any:
    q = select(File.content_id).where(File.state == FileState.PRESENT, File.content_id.is_not(None))
    if locs is not None:
        q = q.where(File.location_id.in_(list(locs)))
    return q


def hash_families(s: Session, locs: Sequence[int] | None, algorithms: Iterable[str]) -> list[HashFamily]:
    """Stored 64-bit hashes of present contents, one family per (algorithm, params, library)."""
    present = _present_contents(locs)
    out: list[HashFamily] = []
    kinds = s.execute(
        select(PerceptualHash.algorithm, PerceptualHash.params_key, PerceptualHash.library,
               PerceptualHash.bits)
        .where(PerceptualHash.algorithm.in_(list(algorithms)),
               PerceptualHash.content_id.in_(present))
        .group_by(PerceptualHash.algorithm, PerceptualHash.params_key, PerceptualHash.library,
                  PerceptualHash.bits)
        .order_by(PerceptualHash.algorithm, PerceptualHash.params_key, PerceptualHash.library)
    ).all()
    for algorithm, params_key, library, bits in kinds:
        if bits != 64:
            continue
        rows = s.execute(
            select(PerceptualHash.content_id, PerceptualHash.value)
            .where(PerceptualHash.algorithm == algorithm, PerceptualHash.params_key == params_key,
                   PerceptualHash.library == library, PerceptualHash.content_id.in_(present))
            .order_by(PerceptualHash.content_id)
            .execution_options(yield_per=50_000)
        )
        ids: list[int] = []
        vals: list[int] = []
        for cid, value in rows:
            try:
                v = int(value, 16)
            except (TypeError, ValueError):
                continue
            ids.append(cid)
            vals.append(v & 0xFFFF_FFFF_FFFF_FFFF)
        out.append(HashFamily(algorithm, params_key, library, int(bits),
                              np.array(ids, dtype=np.int64), np.array(vals, dtype=np.uint64)))
    return out


def without_fingerprints(s: Session, locs: Sequence[int] | None, formats: Iterable[str]) -> list[int]:
    """Present contents of the given (picture) formats that have no 64-bit perceptual hash."""
    hashed = select(PerceptualHash.content_id).where(PerceptualHash.bits == 64)
    return sorted(s.scalars(select(Content.id).where(
        Content.id.in_(_present_contents(locs)), Content.format.in_(list(formats)),
        Content.id.not_in(hashed))).all())


def hash_values(s: Session, content_ids: Sequence[int]) -> dict[int, dict[tuple[str, str, str], int]]:
    """Every stored hash (any bit length) of the given contents, by (algorithm, params, library)."""
    out: dict[int, dict[tuple[str, str, str], int]] = defaultdict(dict)
    for chunk in chunked(content_ids):
        for cid, alg, pk, lib, value in s.execute(
                select(PerceptualHash.content_id, PerceptualHash.algorithm, PerceptualHash.params_key,
                       PerceptualHash.library, PerceptualHash.value)
                .where(PerceptualHash.content_id.in_(chunk))):
            try:
                out[cid][(alg, pk, lib)] = int(value, 16)
            except (TypeError, ValueError):
                continue
    return out


def copies(s: Session, content_ids: Sequence[int], locs: Sequence[int] | None) -> dict[int, list[CopyInfo]]:
    """Present files of each content (in the chosen locations), by location name then path."""
    out: dict[int, list[CopyInfo]] = defaultdict(list)
    for chunk in chunked(content_ids):
        q = (select(File.content_id, Location.name, Location.trust, Location.root_bytes,
                    File.path, File.path_bytes, File.first_seen, File.mtime_ns, Location.sync)
             .join(Location, File.location_id == Location.id)
             .where(File.content_id.in_(chunk), File.state == FileState.PRESENT))
        if locs is not None:
            q = q.where(File.location_id.in_(list(locs)))
        for cid, lname, trust, root, path, path_b, first_seen, mtime_ns, sync in s.execute(q):
            if cid is None:
                continue
            full = paths.join(root, path_b)
            out[cid].append(CopyInfo(cid, lname, trust == "trusted", path, paths.printable(full),
                                     full, first_seen, mtime_ns, bool(sync)))
    for lst in out.values():
        lst.sort(key=lambda c: (c.location, c.path))
    return out


def multi_copy_contents(s: Session, locs: Sequence[int] | None) -> list[int]:
    """Contents with more than one present file (in the chosen locations): exact copies."""
    q = (select(File.content_id).where(File.state == FileState.PRESENT, File.content_id.is_not(None)))
    if locs is not None:
        q = q.where(File.location_id.in_(list(locs)))
    q = q.group_by(File.content_id).having(func.count() > 1).order_by(File.content_id)
    return [int(r[0]) for r in s.execute(q) if r[0] is not None]


# --- the evidence cache ---------------------------------------------------------------------


def cached_evidence(s: Session, pairs: Sequence[tuple[str, str]], version: int
                    ) -> dict[tuple[str, str], dict[str, Any]]:
    """Cached evidence for (sha_a, sha_b) pairs in either order, keyed as stored."""
    want = {p for pair in pairs for p in (pair, (pair[1], pair[0]))}
    out: dict[tuple[str, str], dict[str, Any]] = {}
    keys = list(want)
    for chunk in chunked(keys, 400):
        for row in s.execute(select(LookalikeEvidence.sha256_a, LookalikeEvidence.sha256_b,
                                    LookalikeEvidence.evidence)
                             .where(LookalikeEvidence.version == version,
                                    tuple_(LookalikeEvidence.sha256_a,
                                           LookalikeEvidence.sha256_b).in_(chunk))):
            out[(row[0], row[1])] = row[2]
    return out


@dataclass(slots=True)
class EvidenceRow:
    """One measured pair to cache."""

    sha256_a: str
    sha256_b: str
    version: int
    verdict: str
    evidence: dict[str, Any]


def store_evidence(s: Session, rows: Sequence[EvidenceRow]) -> None:
    """Insert the rows not yet cached (under the same order of the pair)."""
    if not rows:
        return
    have = cached_evidence(s, [(r.sha256_a, r.sha256_b) for r in rows], rows[0].version)
    now = datetime.now(UTC)
    seen: set[tuple[str, str]] = set()
    for r in rows:
        pair = (r.sha256_a, r.sha256_b)
        if pair in have or pair in seen:
            continue
        seen.add(pair)
        s.add(LookalikeEvidence(sha256_a=r.sha256_a, sha256_b=r.sha256_b, version=r.version,
                                verdict=r.verdict, evidence=r.evidence, computed_at=now))


__all__ = ["ContentInfo", "CopyInfo", "EvidenceRow", "HashFamily", "LookalikeEvidence",
           "cached_evidence", "contents", "copies", "hash_families", "hash_values", "location_ids",
           "multi_copy_contents", "store_evidence", "without_fingerprints"]


@dataclass(frozen=True, slots=True)
class StoredHash:
    """One stored perceptual hash as a platform matcher compares it."""

    value: str  # hex
    bits: int
    quality: int | None = None
    variants: tuple[str, ...] | None = None  # PDQ's dihedral hashes


def matcher_hashes(s: Session, sha256s: Sequence[str], algorithms: Sequence[str]
                   ) -> dict[str, dict[str, StoredHash]]:
    """The stored hashes of ``algorithms`` (those the platform matchers compare: pHash, dHash,
    PDQ) of the given contents, by SHA-256 then algorithm; of several recipes of one
    algorithm, this version's."""
    from preservation.fingerprint.prepare import PDQ_PREP, PREP

    out: dict[str, dict[str, StoredHash]] = defaultdict(dict)
    current: dict[tuple[str, str], bool] = {}
    shas = list(sha256s)
    for chunk in chunked(shas):
        for sha, alg, value, bits, quality, variants, params in s.execute(
                select(Content.sha256, PerceptualHash.algorithm, PerceptualHash.value,
                       PerceptualHash.bits, PerceptualHash.quality, PerceptualHash.variants,
                       PerceptualHash.params)
                .join(PerceptualHash, PerceptualHash.content_id == Content.id)
                .where(Content.sha256.in_(chunk), PerceptualHash.algorithm.in_(list(algorithms)))
                .order_by(PerceptualHash.id)):
            now = (params or {}).get("prep") == (PDQ_PREP if alg == "pdq" else PREP)
            if alg in out.get(sha, {}) and (current.get((sha, alg)) or not now):
                continue
            out[sha][alg] = StoredHash(value, int(bits), quality,
                                       tuple(variants) if variants else None)
            current[(sha, alg)] = now
    return out
