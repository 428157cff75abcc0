"""Scanning locations into the catalog: incremental, parallel, crash-safe, read-only.

For each directory the walk yields, the catalog's rows for that directory are compared with
the listing: unchanged files (same size, mtime and inode, fingerprinted before) are only marked
as seen; new and changed files are fingerprinted by workers; files gone from the listing are
recorded as missing. Results are written in batches, each one transaction. Files in folders
that have disappeared are marked missing only after a *complete* walk of a reachable location,
so an unplugged drive never turns into thousands of deletions.
"""

from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog import scanstore
from preservation.catalog.engine import Catalog
from preservation.catalog.locations import resolve_locations
from preservation.catalog.models import Location
from preservation.errors import ClusterError
from preservation.progress import NoProgress, Progress
from preservation.provenance.accept import accept_rehashed
from preservation.scan.distributed import DaskFingerprinter
from preservation.scan.walk import walk
from preservation.scan.workers import Fingerprinter, Item
from preservation.vocabulary import EventOutcome, EventType

ALGORITHMS = ("sha256", "sha512", "md5")
# A chunk is what one worker task reads. Photos: 4 files (a short tail when the pool drains).
# Tiny files: up to 128 per chunk, so that sending a task costs less than doing it.
CHUNK_FILES = 4
CHUNK_MIN_BYTES = 4 << 20
CHUNK_MAX_FILES = 128
CHUNK_BYTES = 64 << 20
FLUSH_RESULTS = 256
FLUSH_SECONDS = 2.0


@dataclass
class ScanOptions:
    jobs: int = 0  # 0: all cores
    rehash: bool = False
    algorithms: tuple[str, ...] = ("sha256",)
    operator: str | None = None
    dask: str | None = None  # a Dask scheduler address, or local:N (preservation.scan.distributed)

    def effective_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)

    def fingerprinter(self, root: bytes) -> Fingerprinter | DaskFingerprinter:
        """Where files are fingerprinted: this machine's processes, or a Dask cluster."""
        if self.dask:
            return DaskFingerprinter(root, self.algorithms, self.dask)
        return Fingerprinter(root, self.algorithms, self.effective_jobs())


@dataclass
class LocationScan:
    """The outcome of scanning one location."""

    location: str
    root: str
    status: str = "complete"  # complete | unreachable | interrupted
    message: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # first few (path, reason)
    elapsed: float = 0.0

    @property
    def problems(self) -> int:
        return self.counts["problems"] + self.counts["unlisted_dirs"] + (self.status != "complete")

    def to_json(self) -> dict[str, Any]:
        """One location's part of ``scan --json`` (schemas/scan.json)."""
        return {
            "location": self.location, "root": self.root, "status": self.status, "message": self.message,
            "elapsed_seconds": round(self.elapsed, 3),
            "files": self.counts["files"], "bytes": self.counts["bytes"],
            "new": self.counts["new"], "changed": self.counts["changed"],
            "unchanged": self.counts["unchanged"], "missing": self.counts["missing"],
            "hashed": self.counts["hashed"], "bytes_read": self.counts["bytes_hashed"],
            "images": self.counts["images"], "problems": self.problems,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped],
        }


@dataclass
class ScanReport:
    locations: list[LocationScan] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)  # paths registered as new locations

    @property
    def ok(self) -> bool:
        return all(ls.problems == 0 for ls in self.locations)

    def total(self, key: str) -> int:
        return sum(ls.counts[key] for ls in self.locations)

    def to_json(self) -> dict[str, Any]:
        """What ``scan --json`` prints (schemas/scan.json)."""
        return {"ok": self.ok, "registered": self.registered,
                "locations": [ls.to_json() for ls in self.locations]}


def scan(catalog: Catalog, targets: list[str], options: ScanOptions,
         progress: Progress | None = None) -> ScanReport:
    report = ScanReport()
    resolved = resolve_locations(catalog, targets, verb="scan", register=True, operator=options.operator)
    report.registered.extend(resolved.registered)
    for loc in resolved.locations:
        report.locations.append(scan_location(catalog, loc, options, progress or NoProgress()))
    return report


def count_tree(root: bytes) -> tuple[int, int]:
    files = nbytes = 0
    for listing in walk(root):
        files += len(listing.files)
        nbytes += sum(e.size for e in listing.files)
    return files, nbytes


class _Scan:
    """The state of one location's scan: pending writes and counters."""

    def __init__(self, catalog: Catalog, loc: Location, run_id: int, options: ScanOptions,
                 progress: Progress, result: LocationScan) -> None:
        self.catalog, self.loc, self.run_id, self.options = catalog, loc, run_id, options
        self.progress, self.result = progress, result
        self.seen_ids: list[int] = []
        self.vanished: list[tuple[int, bytes]] = []
        self.results: list[scanstore.Result] = []
        self.last_flush = time.monotonic()

    def flush(self, force: bool = False) -> None:
        due = (len(self.results) + len(self.seen_ids) // 16 >= FLUSH_RESULTS
               or time.monotonic() - self.last_flush > FLUSH_SECONDS)
        if not (force or due) or not (self.results or self.seen_ids or self.vanished):
            return
        seen, vanished, results = self.seen_ids, self.vanished, self.results
        self.seen_ids, self.vanished, self.results = [], [], []
        when = scanstore.now()

        def work(s: Session) -> Counter[str]:
            scanstore.mark_seen(s, seen, self.run_id, when)
            n = scanstore.mark_missing(s, self.loc, vanished, self.run_id, self.options.operator)
            c = scanstore.record_results(s, self.loc, self.run_id, results, self.options.operator)
            c["missing"] += n
            return c

        self.result.counts.update(self.catalog.transact(work))
        self.last_flush = time.monotonic()

    def take(self, token: object, items: list[Item], fps: list[Any]) -> None:
        knowns: list[tuple[scanstore.KnownFile | None, int]] = token  # type: ignore[assignment]
        for it, fp, (known, inode) in zip(items, fps, knowns, strict=True):
            self.results.append(scanstore.Result(it.rel, it.size, it.mtime_ns, inode, known, fp))
            self.progress.advance(1, it.size)
        self.flush()


def scan_location(catalog: Catalog, loc: Location, options: ScanOptions,
                  progress: Progress) -> LocationScan:
    started = time.monotonic()
    result = LocationScan(loc.name, loc.root)
    root = loc.root_bytes
    opts = {"jobs": options.effective_jobs(), "rehash": options.rehash,
            "algorithms": list(options.algorithms), "dask": options.dask}
    run_id, stale = scanstore.start_run(catalog, "scan", loc, operator=options.operator, options=opts)
    if stale:
        progress.note(f"{loc.name}: an earlier scan was interrupted; finishing its work.")
    totals: tuple[int | None, int | None] = (None, None)
    if not os.path.isdir(root):
        return _unreachable(catalog, loc, run_id, result, options, started)
    if progress.wants_totals:
        try:
            totals = count_tree(root)
        except OSError:
            return _unreachable(catalog, loc, run_id, result, options, started)
    progress.begin(loc.name, *totals)
    st = _Scan(catalog, loc, run_id, options, progress, result)
    visited: set[bytes] = set()
    unlisted: list[bytes] = []
    aborted = False
    try:
        with options.fingerprinter(root) as fpr:
            chunk: list[Item] = []
            chunk_known: list[tuple[scanstore.KnownFile | None, int]] = []
            chunk_bytes = 0
            try:
                tree = walk(root)
            except OSError:
                return _unreachable(catalog, loc, run_id, result, options, started)
            for listing in tree:
                visited.add(listing.rel_dir)
                if listing.error is not None:
                    if not os.path.isdir(root):
                        aborted = True  # the drive went away mid-run
                        break
                    unlisted.append(listing.rel_dir)
                    result.counts["unlisted_dirs"] += 1
                    result.skipped.append((paths.printable(listing.rel_dir) or ".", listing.error))
                for rel, reason in listing.skipped:
                    result.counts["skipped"] += 1
                    if len(result.skipped) < 50:
                        result.skipped.append((paths.printable(rel), reason))
                with catalog.session() as s:
                    known = scanstore.known_in_dir(s, loc.id, listing.rel_dir)
                listed = set()
                for e in listing.files:
                    listed.add(e.name)
                    result.counts["files"] += 1
                    result.counts["bytes"] += e.size
                    k = known.get(e.name)
                    if k is not None and not options.rehash and k.unchanged(e.size, e.mtime_ns, e.inode):
                        st.seen_ids.append(k.id)
                        result.counts["unchanged"] += 1
                        progress.advance(1, e.size)
                        continue
                    rel = listing.rel_dir + b"/" + e.name if listing.rel_dir else e.name
                    chunk.append(Item(rel, e.size, e.mtime_ns))
                    chunk_known.append((k, e.inode))
                    chunk_bytes += e.size
                    if (len(chunk) >= CHUNK_FILES and chunk_bytes >= CHUNK_MIN_BYTES) \
                            or len(chunk) >= CHUNK_MAX_FILES or chunk_bytes >= CHUNK_BYTES:
                        for done in fpr.submit(chunk_known, chunk):
                            st.take(*done)
                        chunk, chunk_known, chunk_bytes = [], [], 0
                if listing.error is None:
                    d = listing.rel_dir
                    st.vanished += [(k.id, d + b"/" + k.name if d else k.name) for k in known.values()
                                    if k.name not in listed and k.state == "present"]
                st.flush()
            if chunk:
                for done in fpr.submit(chunk_known, chunk):
                    st.take(*done)
            for done in fpr.drain():
                st.take(*done)
        st.flush(force=True)
    except (KeyboardInterrupt, ClusterError) as exc:
        st.flush(force=True)
        result.status, result.message = "interrupted", (
            exc.message if isinstance(exc, ClusterError) else "Interrupted; what was recorded is kept.")
        _finish(catalog, loc, run_id, result, options, started)
        raise
    finally:
        progress.end()
    if aborted or not os.path.isdir(root):
        return _unreachable(catalog, loc, run_id, result, options, started, mid_run=True)
    # A complete walk of a reachable location: folders it no longer has are gone.
    with catalog.session() as s:
        gone = scanstore.missing_under_unvisited(s, loc.id, visited, unlisted)
    st.vanished += gone
    st.flush(force=True)
    if options.rehash:  # every file was read again: the way to accept every change at once
        result.counts["accepted"] = accept_rehashed(catalog, loc, run_id, options.operator)
    _finish(catalog, loc, run_id, result, options, started)
    return result


def _unreachable(catalog: Catalog, loc: Location, run_id: int, result: LocationScan,
                 options: ScanOptions, started: float, mid_run: bool = False) -> LocationScan:
    result.status = "unreachable"
    result.message = (f"{loc.name} became unreachable during the scan ({loc.root} is gone: was "
                      "the drive unplugged?). Files already recorded are kept; nothing was "
                      "marked missing." if mid_run else
                      f"{loc.name} is unreachable: {loc.root} is not there (is the drive "
                      "plugged in and mounted?). Nothing was marked missing.")
    _finish(catalog, loc, run_id, result, options, started)
    return result


def _finish(catalog: Catalog, loc: Location, run_id: int, result: LocationScan,
            options: ScanOptions, started: float) -> None:
    result.elapsed = time.monotonic() - started
    c = result.counts
    objects_detail: dict[str, Any] = {"location": loc.name, "root": loc.root, "run": run_id}
    events: list[tuple[str, str, dict[str, Any]]] = []
    outcome = EventOutcome.SUCCESS if result.problems == 0 else EventOutcome.WARNING
    if result.status != "complete":
        outcome = EventOutcome.FAILURE
    events.append((EventType.INGESTION, outcome, {
        **objects_detail, "status": result.status, "message": result.message,
        "files": c["files"], "bytes": c["bytes"], "new": c["new"], "changed": c["changed"],
        "unchanged": c["unchanged"], "missing": c["missing"], "problems": c["problems"],
        "changes_accepted": c["accepted"],
        "skipped": c["skipped"], "unlisted_folders": c["unlisted_dirs"],
        "skipped_examples": result.skipped[:20], "elapsed_seconds": round(result.elapsed, 3)}))
    if c["hashed"]:
        digest_problems = sum(v for k, v in c.items() if k.startswith("problem:") and k[8:] in (
            "unreadable", "vanished", "changed-during-read", "not-a-regular-file", "path-too-long"))
        events.append((EventType.MESSAGE_DIGEST_CALCULATION,
                       EventOutcome.SUCCESS if not digest_problems else EventOutcome.WARNING,
                       {**objects_detail, "algorithms": list(options.algorithms),
                        "files": c["hashed"], "bytes": c["bytes_hashed"], "failed": digest_problems}))
        formats = {k[7:]: v for k, v in c.items() if k.startswith("format:")}
        events.append((EventType.FORMAT_IDENTIFICATION, EventOutcome.SUCCESS if not c["extension_mismatch"]
                       else EventOutcome.WARNING, {**objects_detail, "method": "content signature",
                       "formats": formats, "extension_mismatches": c["extension_mismatch"]}))
        if c["images"]:
            events.append((EventType.METADATA_EXTRACTION, EventOutcome.SUCCESS, {
                **objects_detail, "images": c["images"], "with_exif": c["with_exif"],
                "tools": ["exifread", "Pillow", "ImageHash"]}))
    scanstore.finish_run(catalog, run_id, loc, result.status, dict(c), events, options.operator)

