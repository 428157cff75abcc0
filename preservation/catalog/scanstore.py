"""Catalog side of a scan: runs, per-directory comparison, batched writes, vanished files.

The scanner (``preservation.scan``) decides *what* happened; this module records it. Every
batch is one transaction that includes its events, so a scan killed at any moment leaves a
catalog in which each file is either fully recorded or not touched.
"""

from __future__ import annotations

import json
import os
import socket
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.chunks import chunked
from preservation.catalog.engine import Catalog, upsert
from preservation.catalog.events import append_event
from preservation.catalog.models import Content, File, Location, PerceptualHash, Run
from preservation.fingerprint.model import Fingerprint
from preservation.vocabulary import EventOutcome, EventType, FileState, ProblemCode

# Problems that belong to the bytes (every copy has them) rather than to one read of one path.
CONTENT_PROBLEMS = frozenset({
    ProblemCode.CORRUPT_IMAGE, ProblemCode.DECOMPRESSION_BOMB, ProblemCode.UNSUPPORTED_IMAGE,
    ProblemCode.METADATA, ProblemCode.EMPTY,
})


def now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class KnownFile:
    """What the catalog holds for one path, as needed to decide whether to re-read it."""

    id: int
    name: bytes
    size: int
    mtime_ns: int
    inode: int
    content_id: int | None
    state: str
    problem: str | None

    def unchanged(self, size: int, mtime_ns: int, inode: int) -> bool:
        # a problem of the name, not of the read, needs no new read
        return (self.content_id is not None and self.problem in (None, ProblemCode.EXTENSION_MISMATCH)
                and self.size == size
                and self.mtime_ns == mtime_ns and self.inode == inode)


@dataclass(slots=True)
class Result:
    """One fingerprinted path, ready to record."""

    rel: bytes
    size: int
    mtime_ns: int
    inode: int
    known: KnownFile | None
    fp: Fingerprint


# --- runs -------------------------------------------------------------------------------

def _alive(options: dict[str, Any] | None) -> bool:
    if not options or options.get("host") != socket.gethostname():
        return False
    try:
        os.kill(int(options["pid"]), 0)
    except (OSError, KeyError, ValueError):
        return False
    return True


def start_run(catalog: Catalog, kind: str, location: Location, *, operator: str | None,
              options: dict[str, Any]) -> tuple[int, list[int]]:
    """Open a run; earlier runs of the same kind whose process is gone become 'interrupted'."""
    opts = {**options, "pid": os.getpid(), "host": socket.gethostname()}

    def work(s: Session) -> tuple[int, list[int]]:
        stale = [r for r in s.scalars(select(Run).where(
            Run.kind == kind, Run.location_id == location.id, Run.status == "running"))
            if not _alive(r.options)]
        for r in stale:
            r.status = "interrupted"
        run = Run(kind=kind, location_id=location.id, status="running", started_at=now(),
                  operator=operator, options=opts)
        s.add(run)
        s.flush()
        return run.id, [r.id for r in stale]

    return catalog.transact(work)


# The location timestamp a complete run of each kind sets.
RUN_STAMPS = {"scan": "last_scan_at", "verify": "last_verify_at"}


def finish_run(catalog: Catalog, run_id: int, location: Location, status: str,
               counts: dict[str, Any], events: Sequence[tuple[str, str, dict[str, Any]]],
               operator: str | None, *, stamp: datetime | None = None) -> None:
    """Close a run and append its summary events; a complete run stamps its location
    (``stamp``, default the finish time, goes to ``RUN_STAMPS[kind]``)."""
    def work(s: Session) -> None:
        run = s.get(Run, run_id)
        assert run is not None
        run.status, run.finished_at, run.counts = status, now(), counts
        if status == "complete" and run.kind in RUN_STAMPS:
            s.execute(update(Location).where(Location.id == location.id).values(
                {RUN_STAMPS[run.kind]: stamp or run.finished_at}))
        for etype, outcome, detail in events:
            append_event(s, etype, outcome, operator=operator, detail=detail,
                         objects=[f"location:{location.name}", f"run:{run_id}"])

    catalog.transact(work)


# --- reading what is known ----------------------------------------------------------------

def known_in_dir(s: Session, location_id: int, rel_dir: bytes) -> dict[bytes, KnownFile]:
    rows = s.execute(select(
        File.id, File.path_bytes, File.size, File.mtime_ns, File.inode, File.content_id,
        File.state, File.problem,
    ).where(File.location_id == location_id, File.dir_bytes == rel_dir))
    out = {}
    for r in rows:
        name = r.path_bytes[len(rel_dir) + 1:] if rel_dir else r.path_bytes
        out[name] = KnownFile(r.id, name, r.size, r.mtime_ns, r.inode, r.content_id, r.state, r.problem)
    return out


def read_this_run(s: Session, file_id: int, run_id: int) -> str | None:
    """The SHA-256 a scan run read and recorded for a file, or None if it did not read it."""
    row = s.execute(select(File.seen_run_id, File.problem, Content.sha256)
                    .join(Content, File.content_id == Content.id).where(File.id == file_id)).first()
    return row[2] if row is not None and row[0] == run_id and row[1] is None else None


def known_dirs(s: Session, location_id: int) -> list[bytes]:
    return list(s.scalars(select(File.dir_bytes).where(
        File.location_id == location_id, File.state == FileState.PRESENT).distinct()))


# --- writing ------------------------------------------------------------------------------

def mark_seen(s: Session, ids: Sequence[int], run_id: int, when: datetime) -> None:
    for chunk in chunked(ids):
        s.execute(update(File).where(File.id.in_(chunk)).values(
            last_seen=when, seen_run_id=run_id, state=FileState.PRESENT))


def mark_missing(s: Session, location: Location, files: Iterable[tuple[int, bytes]],
                 run_id: int, operator: str | None) -> int:
    """Record files that a complete listing no longer shows. Their rows stay (history)."""
    n = 0
    for file_id, rel in files:
        row = s.get(File, file_id)
        if row is None or row.state != FileState.PRESENT:
            continue
        row.state = FileState.MISSING
        sha = row.content.sha256 if row.content else None
        append_event(s, EventType.DELETION_DETECTED, EventOutcome.WARNING, operator=operator,
                     objects=[o for o in (f"sha256:{sha}" if sha else None,
                                          f"file:{location.name}/{paths.printable(rel)}") if o],
                     detail={"location": location.name, "path": paths.printable(rel),
                             "sha256": sha, "run": run_id,
                             "message": "No longer found at its recorded path."})
        n += 1
    return n


def missing_under_unvisited(s: Session, location_id: int, visited: set[bytes],
                            unlisted: Sequence[bytes]) -> list[tuple[int, bytes]]:
    """Present files in folders a complete walk did not reach (folders deleted or renamed).

    Folders that exist but could not be listed are not evidence of deletion: skipped.
    """
    def under_unlisted(d: bytes) -> bool:
        return any(d == u or d.startswith(u + b"/") for u in unlisted)

    gone = [d for d in known_dirs(s, location_id) if d not in visited and not under_unlisted(d)]
    out: list[tuple[int, bytes]] = []
    for d in gone:
        out += [(r.id, r.path_bytes) for r in s.execute(select(File.id, File.path_bytes).where(
            File.location_id == location_id, File.dir_bytes == d, File.state == FileState.PRESENT))]
    return out


def _content_values(fp: Fingerprint, when: datetime) -> dict[str, Any]:
    img = fp.image
    problems = [{"code": p.code, "message": p.message} for p in fp.problems if p.code in CONTENT_PROBLEMS]
    return {
        "sha256": fp.digests["sha256"], "sha512": fp.digests.get("sha512"),
        "md5": fp.digests.get("md5"), "size": fp.size, "format": fp.format, "mime": fp.mime,
        "width": img.width if img else None, "height": img.height if img else None,
        "image_mode": img.mode if img else None, "frames": img.frames if img else None,
        "orientation": img.orientation if img else None, "is_grey": img.is_grey if img else None,
        "capture_time": img.capture_time if img else None,
        "camera_make": img.camera_make if img else None,
        "camera_model": img.camera_model if img else None,
        "exif": img.exif if img and img.exif else None,
        "problems": problems or None, "first_seen": when,
    }


def upsert_contents(s: Session, fps: Sequence[Fingerprint], when: datetime) -> dict[str, int]:
    """Content rows by SHA-256 (created once, shared by every copy); returns sha256 -> id."""
    shas = sorted({fp.digests["sha256"] for fp in fps})
    ids: dict[str, int] = {}
    for chunk in chunked(shas):
        for cid, sha, sha512, md5 in s.execute(select(
                Content.id, Content.sha256, Content.sha512, Content.md5).where(
                Content.sha256.in_(chunk))):
            ids[sha] = cid
            # digests asked for later (--algorithms) are added to the existing row
            extra = {k: v for fp in fps if fp.digests["sha256"] == sha
                     for k, v in fp.digests.items() if k in ("sha512", "md5")}
            if (extra.get("sha512") and not sha512) or (extra.get("md5") and not md5):
                s.execute(update(Content).where(Content.id == cid).values(
                    sha512=sha512 or extra.get("sha512"), md5=md5 or extra.get("md5")))
    _refresh_hashes(s, {ids[fp.digests["sha256"]]: fp for fp in fps
                        if fp.hashes and fp.digests["sha256"] in ids})
    for fp in fps:
        sha = fp.digests["sha256"]
        if sha in ids:
            continue
        c = Content(**_content_values(fp, when))
        c.hashes = [_hash_row(h) for h in fp.hashes]
        s.add(c)
        s.flush()
        ids[sha] = c.id
    return ids


def _hash_row(h: Any) -> PerceptualHash:
    return PerceptualHash(algorithm=h.algorithm, value=h.value, bits=h.bits, params=h.params,
                          library=h.library, params_key=json.dumps(h.params, sort_keys=True)[:200],
                          quality=h.quality, variants=list(h.variants) if h.variants else None)


def _refresh_hashes(s: Session, by_content: dict[int, Fingerprint]) -> None:
    """Perceptual hashes of contents already catalogued, from a fresh fingerprint of them.

    A hash this version computes that the row lacks (a new algorithm or parameters) is added;
    one computed by another library version is replaced, and so is one of the same algorithm
    made by another recipe (other parameters, an older working-image ``prep``). Otherwise, after
    an upgrade, old and new pictures would sit in different hash families and never be
    compared, even after ``scan --rehash``.
    """
    if not by_content:
        return
    have: dict[int, dict[tuple[str, str], tuple[int, str]]] = defaultdict(dict)
    cids = sorted(by_content)
    for chunk in chunked(cids):
        for hid, cid, alg, pkey, lib in s.execute(select(
                PerceptualHash.id, PerceptualHash.content_id, PerceptualHash.algorithm,
                PerceptualHash.params_key, PerceptualHash.library).where(
                PerceptualHash.content_id.in_(chunk))):
            have[cid][(alg, pkey)] = (hid, lib)
    stale: list[int] = []
    for cid, fp in by_content.items():
        rows = have.get(cid, {})
        for h in fp.hashes:
            row = _hash_row(h)
            known = rows.get((row.algorithm, row.params_key))
            stale += [hid for (alg, pkey), (hid, _) in rows.items()
                      if alg == row.algorithm and pkey != row.params_key]
            if known is None:
                row.content_id = cid
                s.add(row)
            elif known[1] != row.library:
                s.execute(update(PerceptualHash).where(PerceptualHash.id == known[0]).values(
                    value=row.value, bits=row.bits, library=row.library, quality=row.quality,
                    variants=row.variants))
    for chunk in chunked(stale):
        s.execute(delete(PerceptualHash).where(PerceptualHash.id.in_(chunk)))


def record_results(s: Session, location: Location, run_id: int, results: Sequence[Result],
                   operator: str | None) -> Counter[str]:
    """Record a batch of fingerprints: contents, file rows, and events for what went wrong."""
    when = now()
    counts: Counter[str] = Counter()
    good = [r.fp for r in results if r.fp.sha256 is not None]
    ids = upsert_contents(s, good, when) if good else {}
    old_sha: dict[int, str] = {}
    old_ids = [r.known.content_id for r in results if r.known and r.known.content_id]
    if old_ids:
        old_sha = dict(s.execute(select(Content.id, Content.sha256).where(Content.id.in_(old_ids))).all())
    new_rows: list[dict[str, Any]] = []
    for r in results:
        fp, sha = r.fp, r.fp.sha256
        file_problems = [p for p in fp.problems if p.code not in CONTENT_PROBLEMS]
        prob = file_problems[0] if file_problems else None
        values: dict[str, Any] = {
            "size": fp.size if sha else r.size,
            "mtime_ns": fp.mtime_ns if sha else r.mtime_ns,
            "inode": r.inode,
            "extension_mismatch": fp.extension_mismatch,
            "state": FileState.PRESENT,
            "problem": prob.code if prob else None,
            "problem_detail": prob.message if prob else None,
            "last_seen": when, "seen_run_id": run_id,
        }
        if sha:
            values["content_id"] = ids[sha]
            values["hashed_at"] = when
        elif r.known is not None and not r.known.unchanged(r.size, r.mtime_ns, r.inode):
            values["content_id"] = None  # the old hash no longer describes this file
        label = f"file:{location.name}/{paths.printable(r.rel)}"
        if r.known is None:
            new_rows.append({**values, "location_id": location.id, "path_bytes": r.rel,
                             "dir_bytes": paths.parent(r.rel), "path": paths.printable(r.rel),
                             "path_key": paths.key(r.rel), "first_seen": when,
                             "content_id": values.get("content_id"),
                             "hashed_at": values.get("hashed_at")})
            counts["new"] += 1
        else:
            s.execute(update(File).where(File.id == r.known.id).values(**values))
            before = old_sha.get(r.known.content_id) if r.known.content_id else None
            if sha and before and before != sha:
                counts["changed"] += 1
                append_event(s, EventType.FIXITY_CHECK, EventOutcome.FAILURE, operator=operator,
                             objects=[f"sha256:{before}", f"sha256:{sha}", label],
                             detail={"location": location.name, "path": paths.printable(r.rel),
                                     "status": "changed", "previous_sha256": before, "sha256": sha,
                                     "run": run_id,
                                     "message": "The file's content differs from what was recorded before."})
            elif sha:
                counts["rehashed"] += 1
        if sha:
            counts["hashed"] += 1
            counts["bytes_hashed"] += fp.size
            if fp.image is not None:
                counts["images"] += 1
            if fp.format:
                counts[f"format:{fp.format}"] += 1
            if fp.extension_mismatch:
                counts["extension_mismatch"] += 1
            if fp.image is not None and fp.image.exif:
                counts["with_exif"] += 1
        for p in fp.problems:
            counts["problems"] += 1
            counts[f"problem:{p.code}"] += 1
            etype = (EventType.FORMAT_IDENTIFICATION if p.code == ProblemCode.EXTENSION_MISMATCH
                     else EventType.MESSAGE_DIGEST_CALCULATION if p.code not in CONTENT_PROBLEMS
                     else EventType.METADATA_EXTRACTION)
            append_event(s, etype, EventOutcome.FAILURE if not sha else EventOutcome.WARNING,
                         operator=operator,
                         objects=[o for o in (f"sha256:{sha}" if sha else None, label) if o],
                         detail={"location": location.name, "path": paths.printable(r.rel),
                                 "problem": p.code, "message": p.message, "run": run_id})
    if new_rows:
        _insert_files(s, new_rows)
    return counts


def _insert_files(s: Session, rows: list[dict[str, Any]]) -> None:
    """Insert new file rows; a row another scan inserted meanwhile is updated instead."""
    upsert(s, File, rows, ["location_id", "path_bytes"], keep=("first_seen",))
