"""Fixity audits: re-read every recorded file, recompute SHA-256, compare with the catalog.

For each location:

1. If its root is not there (an unplugged drive, an unmounted share, an empty mount point),
   the location is *unreachable*: one message, and nothing is marked missing.
2. The location is walked (read-only, :func:`preservation.scan.walk.walk`) and compared with the
   catalog folder by folder: catalogued paths no longer there are *gone*; files on disk the
   catalog does not know are *new*.
3. The due files are read, least recently verified first, on ``jobs`` reader threads (hashing
   and reading release the GIL, so threads read in parallel; a plain read cannot crash a
   worker the way an image decoder can, so no process isolation is needed). Each is *ok*,
   *changed* or *unreadable*; one that vanished since the walk is *gone*. Results are recorded
   a batch per transaction, with their events, so a kill loses at most the batch in hand.
   ``max_seconds`` stops the reading cleanly; the next run starts with the files not reached.
4. Gone paths are matched with new files of the same size by their SHA-256: a match is
   *moved* (a rename is not a loss plus a new file); the rest are *missing*.

Nothing here writes outside the catalog: files are opened read-only by
:mod:`preservation.fingerprint.reader`, which refuses anything but a regular file.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from preservation import paths
from preservation.catalog import fixitystore, scanstore
from preservation.catalog.decisionstore import OpenChange, open_changes
from preservation.catalog.engine import Catalog
from preservation.catalog.fixitystore import Check, Due
from preservation.catalog.locations import resolve_locations
from preservation.catalog.models import Location
from preservation.fingerprint import reader
from preservation.progress import NoProgress, Progress
from preservation.provenance.chain import format_time
from preservation.scan.walk import walk
from preservation.vocabulary import EventOutcome, EventType, FixityStatus, ProblemCode

PAGE = 1000  # due files fetched per query
FLUSH_CHECKS = 256  # checks recorded per transaction...
FLUSH_SECONDS = 2.0  # ...or at least this often
PROBLEMS = frozenset({FixityStatus.CHANGED, FixityStatus.MISSING, FixityStatus.UNREADABLE})

CHANGED_MESSAGE = ("The file's bytes differ from those recorded: it was modified, or the storage "
                   "corrupted it. It stays a problem until a person accepts the change (if it "
                   "was intended: preservation accept PATH --note WHY); otherwise restore it "
                   "from a backup.")

clock: Callable[[], float] = time.monotonic  # replaced in tests to simulate long runs


def read_sha256(root: bytes, rel: bytes) -> reader.ReadResult:
    """Read one file once, read-only, streaming it through SHA-256 (nothing kept in memory)."""
    return reader.read_file(root, rel, ("sha256",), want_memory=_never)


def _never(head: bytes, size: int) -> bool:
    return False


@dataclass
class VerifyOptions:
    jobs: int = 0  # reader threads; 0: one per core
    older_than_days: float | None = None  # only files not verified for this long
    max_seconds: float | None = None  # stop reading after this long; the next run continues
    operator: str | None = None
    # only files verified before (``preservation audit``: a scan has just hashed the others)
    verified_only: bool = False

    def effective_jobs(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


@dataclass
class LocationVerify:
    """The outcome of verifying one location."""

    location: str
    root: str
    run_id: int | None = None
    status: str = "complete"  # complete | stopped | unreachable | interrupted
    message: str | None = None
    counts: Counter[str] = field(default_factory=Counter)
    findings: list[Check] = field(default_factory=list)  # everything but ok, in finding order
    elapsed: float = 0.0
    older_than_days: float | None = None
    # changes found before (by a check or recorded by a scan) that nobody has accepted yet,
    # other than those this run found again
    unaccepted: list[OpenChange] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (sum(self.counts[s] for s in PROBLEMS) + len(self.unaccepted)
                + (self.status in ("unreachable", "interrupted")))

    @property
    def problem_count(self) -> int:
        return self.problems


@dataclass
class VerifyReport:
    locations: list[LocationVerify] = field(default_factory=list)

    @property
    def problem_count(self) -> int:
        return sum(lv.problems for lv in self.locations)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def total(self, key: str) -> int:
        return sum(lv.counts[key] for lv in self.locations)


def verify(catalog: Catalog, targets: Iterable[str], options: VerifyOptions,
           progress: Progress | None = None) -> VerifyReport:
    report = VerifyReport()
    deadline = None if options.max_seconds is None else clock() + options.max_seconds
    for loc in resolve_locations(catalog, list(targets), verb="verify").locations:
        if deadline is not None and clock() >= deadline:
            report.locations.append(_not_started(catalog, loc, options))
            continue
        report.locations.append(
            _Verify(catalog, loc, options, progress or NoProgress(), deadline).run())
    return report


def _stale_before(options: VerifyOptions) -> datetime | None:
    if options.older_than_days is None:
        return None
    return datetime.now(UTC) - timedelta(days=options.older_than_days)


def _not_started(catalog: Catalog, loc: Location, options: VerifyOptions) -> LocationVerify:
    result = LocationVerify(loc.name, loc.root, status="stopped",
                            older_than_days=options.older_than_days)
    with catalog.session() as s:
        result.counts["remaining"] = fixitystore.count_due(s, loc.id, -1, _stale_before(options))[0]
    result.message = (f"Not started: the time limit was reached first. "
                      f"{result.counts['remaining']:,} files are due; run verify again.")
    return result


def reachable(root: bytes) -> bool:
    """Is the location's root a folder that can be listed right now?"""
    try:
        with os.scandir(root) as it:
            next(it, None)
    except OSError:
        return False
    return True


def describe_gone(root: bytes, rel: bytes, already_missing: bool) -> str:
    """Plain words for what stands at a catalogued path that no longer holds the file."""
    try:
        mode = os.lstat(paths.join(root, rel)).st_mode
    except OSError as exc:
        if exc.errno in (errno.ENOENT, errno.ENOTDIR):
            return ("Still not found at its recorded path (it was already recorded missing)."
                    if already_missing else "No longer found at its recorded path.")
        return f"Its recorded path cannot be examined ({exc.strerror})."
    if stat.S_ISDIR(mode):
        what = "a folder"
    elif stat.S_ISLNK(mode):
        what = "a symbolic link (links are not followed)"
    elif stat.S_ISREG(mode):
        return "It was not found when its folder was listed (it reappeared since)."
    else:
        what = "something other than a regular file"
    return f"The file is gone: {what} now has its name."


class _Readers:
    """Reads files on ``jobs`` threads, a bounded window ahead, results in submission order."""

    def __init__(self, root: bytes, jobs: int) -> None:
        self.root, self.jobs = root, max(1, jobs)

    def map(self, items: Iterable[Any], rel: Callable[[Any], bytes]
            ) -> Iterator[tuple[Any, reader.ReadResult]]:
        if self.jobs == 1:
            for it in items:
                yield it, read_sha256(self.root, rel(it))
            return
        window = self.jobs * 4
        pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="verify")
        pending: deque[tuple[Any, Future[reader.ReadResult]]] = deque()
        try:
            for it in items:
                pending.append((it, pool.submit(read_sha256, self.root, rel(it))))
                if len(pending) >= window:
                    first, fut = pending.popleft()
                    yield first, fut.result()
            while pending:
                first, fut = pending.popleft()
                yield first, fut.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


class _Verify:
    """One location's verify run."""

    def __init__(self, catalog: Catalog, loc: Location, options: VerifyOptions,
                 progress: Progress, deadline: float | None) -> None:
        self.catalog, self.loc, self.options = catalog, loc, options
        self.progress, self.deadline = progress, deadline
        self.root = loc.root_bytes
        self.stale_before = _stale_before(options)
        self.result = LocationVerify(loc.name, loc.root, older_than_days=options.older_than_days)
        self.counts = self.result.counts
        self.readers = _Readers(self.root, options.effective_jobs())
        self.run_id = 0
        self.pending: list[Check] = []
        self.last_flush = clock()
        self.gone: list[Due] = []  # catalogued paths not found; settled at the end
        self.gone_ids: set[int] = set()
        self.new: list[tuple[bytes, int]] = []  # (path, size) of files the catalog lacks
        self.started = clock()

    # --- the run -------------------------------------------------------------------------

    def run(self) -> LocationVerify:
        opts = {"jobs": self.options.effective_jobs(), "older_than_days": self.options.older_than_days,
                "max_seconds": self.options.max_seconds, "verified_only": self.options.verified_only}
        self.run_id, stale = scanstore.start_run(self.catalog, "verify", self.loc,
                                                 operator=self.options.operator, options=opts)
        self.result.run_id = self.run_id
        if stale:
            self.progress.note(f"{self.loc.name}: an earlier verify was interrupted; "
                               "continuing with the files it did not reach.")
        try:
            return self._run()
        except KeyboardInterrupt:
            self._flush(force=True)
            self.result.status = "interrupted"
            self.result.message = ("Interrupted; the checks already made are recorded, and the "
                                   "next run continues with the files not reached.")
            self._finish()
            raise
        finally:
            self.progress.end()

    def _run(self) -> LocationVerify:
        if not reachable(self.root):
            return self._unreachable()
        try:
            empty = self._walk()
        except OSError:
            return self._unreachable()
        if empty is None or not reachable(self.root):
            return self._unreachable(mid_run=True)
        with self.catalog.session() as s:
            due, due_bytes = fixitystore.count_due(s, self.loc.id, self.run_id, self.stale_before,
                                                   verified_only=self.options.verified_only)
            self.counts["unhashed"] = fixitystore.unhashed(s, self.loc.id)
        if empty and (due or self.gone_ids):
            return self._unreachable(empty=True)
        self.progress.begin(self.loc.name, due, due_bytes)
        if not self._read_due() or not self._settle_gone():
            return self._unreachable(mid_run=True)
        self._finish()
        return self.result

    def _walk(self) -> bool | None:
        """Compare the tree with the catalog. True if the location is empty, None if its root
        went away during the walk."""
        visited: set[bytes] = set()
        unlisted: list[bytes] = []
        gone_ids: list[int] = []
        listings = entries = 0
        for listing in walk(self.root):
            listings += 1
            visited.add(listing.rel_dir)
            entries += len(listing.files) + len(listing.skipped)
            if listing.error is not None:
                if not reachable(self.root):
                    return None
                unlisted.append(listing.rel_dir)
                self.counts["unlisted_dirs"] += 1
            with self.catalog.session() as s:
                known = scanstore.known_in_dir(s, self.loc.id, listing.rel_dir)
            listed = set()
            for e in listing.files:
                listed.add(e.name)
                if e.name not in known:
                    self.new.append((_rel(listing.rel_dir, e.name), e.size))
            if listing.error is None:
                gone_ids += [k.id for k in known.values()
                             if k.name not in listed and k.state == "present" and k.content_id]
        with self.catalog.session() as s:
            gone_ids += [i for i, _ in scanstore.missing_under_unvisited(
                s, self.loc.id, visited, unlisted)]
            self.gone = fixitystore.gone(s, gone_ids)
        self.gone_ids = {d.id for d in self.gone}
        return listings == 1 and entries == 0

    def _due(self) -> Iterator[Due]:
        """Due files, page by page, until none are left or the time is up."""
        after: fixitystore.Cursor | None = None
        while True:
            with self.catalog.session() as s:
                page = fixitystore.next_due(s, self.loc.id, self.run_id, self.stale_before,
                                            after, PAGE, verified_only=self.options.verified_only)
            if not page:
                return
            for d in page:
                if self.deadline is not None and clock() >= self.deadline:
                    self.result.status = "stopped"
                    return
                if d.id not in self.gone_ids:
                    yield d
            after = (page[-1].last_verified_at, page[-1].id)

    def _read_due(self) -> bool:
        """Read and judge the due files; False if the location went away meanwhile."""
        for d, res in self.readers.map(self._due(), lambda d: d.rel):
            if res.problem is not None and not reachable(self.root):
                return False
            self.progress.advance(1, res.size)
            if res.problem is None:
                self.counts["bytes_read"] += res.size
                sha = res.digests["sha256"]
                if sha == d.sha256:
                    self._add(Check(FixityStatus.OK, d.rel, d.id, d.size, d.sha256, sha, d.state))
                else:
                    self._add(Check(
                        FixityStatus.CHANGED, d.rel, d.id, res.size, d.sha256, sha, d.state,
                        message=CHANGED_MESSAGE))
                continue
            if res.problem.code in (ProblemCode.VANISHED, ProblemCode.NOT_REGULAR):
                self.gone.append(d)  # settled with the others: it may have been moved
                self.gone_ids.add(d.id)
            else:
                self._add(Check(FixityStatus.UNREADABLE, d.rel, d.id, d.size, d.sha256, None,
                                d.state, problem=res.problem.code, message=res.problem.message))
        self._flush(force=True)
        return True

    def _settle_gone(self) -> bool:
        """Gone paths whose bytes are at a new path are moved; the others are missing.
        False if the location went away meanwhile."""
        by_size: dict[int, list[Due]] = {}
        for d in self.gone:
            by_size.setdefault(d.size, []).append(d)
        moved_to: dict[int, bytes] = {}
        matched: set[bytes] = set()
        candidates = [n for n in self.new if n[1] in by_size]
        for (rel, size), res in self.readers.map(candidates, lambda n: n[0]):
            sha = res.digests.get("sha256")
            self.counts["bytes_read"] += res.size if sha else 0
            for d in by_size[size]:
                if sha == d.sha256 and d.id not in moved_to:
                    moved_to[d.id] = rel
                    matched.add(rel)
                    break
        if self.gone and not reachable(self.root):
            return False
        with self.catalog.session() as s:
            copies = {d.id: fixitystore.present_copy(s, self.loc.id, d.sha256, d.id)
                      for d in self.gone if d.id not in moved_to}
        for d in self.gone:
            if d.id in moved_to:
                self._add(Check(FixityStatus.MOVED, d.rel, d.id, d.size, d.sha256, d.sha256,
                                d.state, other=moved_to[d.id],
                                message=f"Its bytes are intact at a new path: "
                                        f"{paths.printable(moved_to[d.id])}. Record the new "
                                        "path with: preservation scan"))
                continue
            copy = copies[d.id]
            msg = describe_gone(self.root, d.rel, d.state != "present")
            if copy is not None:
                msg += f" The same bytes are still at {paths.printable(copy)}."
            self._add(Check(FixityStatus.MISSING, d.rel, d.id, d.size, d.sha256, None, d.state,
                            other=copy, message=msg))
        for rel, size in self.new:
            if rel not in matched:
                self._add(Check(FixityStatus.NEW, rel, size=size,
                                message="On disk but not in the catalog. Record it with: "
                                        "preservation scan"))
        self._flush(force=True)
        return True

    # --- recording -----------------------------------------------------------------------

    def _add(self, check: Check) -> None:
        self.counts[check.status.value] += 1
        if check.status != FixityStatus.OK:
            self.result.findings.append(check)
        if check.id is not None:
            self.counts["checked"] += 1
            self.pending.append(check)
        self._flush()

    def _flush(self, force: bool = False) -> None:
        if not self.pending or not (force or len(self.pending) >= FLUSH_CHECKS
                                    or clock() - self.last_flush > FLUSH_SECONDS):
            return
        checks, self.pending = self.pending, []
        when = datetime.now(UTC)
        self.catalog.transact(lambda s: fixitystore.record_checks(
            s, self.loc, self.run_id, checks, when, self.options.operator))
        self.last_flush = clock()

    def _unreachable(self, *, mid_run: bool = False, empty: bool = False) -> LocationVerify:
        self._flush(force=True)
        self.result.status = "unreachable"
        name, root = self.loc.name, self.loc.root
        if empty:
            self.result.message = (f"{name} is unreachable: {root} is empty (is the drive "
                                   "mounted?). Nothing was marked missing.")
        elif mid_run:
            self.result.message = (f"{name} became unreachable during the check ({root} is "
                                   "gone: was the drive unplugged?). The checks already made are "
                                   "recorded; nothing was marked missing.")
        elif os.path.isdir(self.root):
            self.result.message = (f"{name} is unreachable: {root} cannot be listed (permission "
                                   "denied, or a failing disk). Nothing was marked missing.")
        else:
            self.result.message = (f"{name} is unreachable: {root} is not there (is the drive "
                                   "plugged in and mounted?). Nothing was marked missing.")
        self._finish()
        return self.result

    def _finish(self) -> None:
        r, c = self.result, self.counts
        r.elapsed = clock() - self.started
        stamp = None
        with self.catalog.session() as s:
            found_now = {f.id for f in r.findings if f.status == FixityStatus.CHANGED}
            r.unaccepted = [oc for oc in open_changes(s, [self.loc.name])
                            if oc.file_id not in found_now]
            c["unaccepted"] = len(r.unaccepted)
            if r.status == "complete":
                stamp = fixitystore.oldest_verification(s, self.loc.id,
                                                        or_hashed=self.options.verified_only)
            elif r.status in ("stopped", "interrupted"):
                c["remaining"] = fixitystore.count_due(s, self.loc.id, self.run_id,
                                                       self.stale_before,
                                                       verified_only=self.options.verified_only)[0]
        if r.status == "stopped":
            r.message = (f"Stopped at the time limit; {c['remaining']:,} due files were not "
                         "reached. Run verify again to continue with them.")
        if r.problems:
            outcome = EventOutcome.FAILURE
        elif r.status != "complete" or c["new"] or c["moved"]:
            outcome = EventOutcome.WARNING
        else:
            outcome = EventOutcome.SUCCESS
        detail: dict[str, Any] = {
            "location": self.loc.name, "root": self.loc.root, "run": self.run_id,
            "status": r.status, "message": r.message, "algorithm": "sha256",
            **{k: c[k] for k in ("checked", "ok", "changed", "missing", "moved", "new",
                                 "unreadable", "bytes_read", "remaining", "unhashed",
                                 "unaccepted")},
            "unlisted_folders": c["unlisted_dirs"],
            "new_examples": [paths.printable(f.rel) for f in r.findings
                             if f.status == FixityStatus.NEW][:20],
            "older_than_days": self.options.older_than_days,
            "max_seconds": self.options.max_seconds,
            "elapsed_seconds": round(r.elapsed, 3),
        }
        scanstore.finish_run(self.catalog, self.run_id, self.loc, r.status, dict(c),
                             [(EventType.FIXITY_CHECK, outcome, detail)], self.options.operator,
                             stamp=stamp)


def _rel(rel_dir: bytes, name: bytes) -> bytes:
    return rel_dir + b"/" + name if rel_dir else name


COUNT_KEYS = ("checked", "ok", "changed", "missing", "moved", "new", "unreadable", "remaining",
              "unhashed", "bytes_read", "unaccepted")


def finding_view(c: Check) -> dict[str, Any]:
    return {
        "status": c.status.value,
        "path": paths.printable(c.rel),
        "size": c.size,
        "expected_sha256": c.expected,
        "found_sha256": c.found,
        "moved_to": paths.printable(c.other) if c.status == FixityStatus.MOVED and c.other else None,
        "copy_at": paths.printable(c.other) if c.status == FixityStatus.MISSING and c.other else None,
        "problem": c.problem,
        "message": c.message,
    }


def open_change_view(oc: OpenChange) -> dict[str, Any]:
    """An open (not accepted) fixity change, as JSON shows it everywhere."""
    return {
        "location": oc.location, "path": oc.path, "state": oc.state,
        "previous_sha256": oc.baseline_sha256, "recorded_sha256": oc.recorded_sha256,
        "found_sha256": oc.found_sha256, "first_detected": format_time(oc.first_detected),
        "last_detected": format_time(oc.last_detected), "detected_by": oc.detected_by,
        "recorded_as_new_version": oc.recorded_by_scan,
    }


def open_change_message(oc: OpenChange) -> str:
    """One open change in plain words, with what to do."""
    when = oc.first_detected.strftime("%Y-%m-%d")
    how = ("a scan recorded the new bytes as its new version; the old version is kept in the "
           "catalog" if oc.recorded_by_scan else "found by a check")
    return (f"changed since {when} ({how}) and not accepted. If the change was intended: "
            f"preservation accept PATH --note WHY; otherwise restore it from a backup.")


def report_view(report: VerifyReport) -> dict[str, Any]:
    """The result as plain data: what ``verify --json`` prints (schemas/verify.json)."""
    return {
        "ok": report.ok,
        "locations": [{
            "location": lv.location, "root": lv.root, "run": lv.run_id, "status": lv.status,
            "message": lv.message, "older_than_days": lv.older_than_days,
            "elapsed_seconds": round(lv.elapsed, 3), "problems": lv.problems,
            "counts": {**{k: lv.counts[k] for k in COUNT_KEYS},
                       "unlisted_folders": lv.counts["unlisted_dirs"]},
            "findings": [finding_view(c) for c in lv.findings],
            "unaccepted_changes": [open_change_view(oc) for oc in lv.unaccepted],
        } for lv in report.locations],
        "totals": {k: report.total(k) for k in COUNT_KEYS},
    }
