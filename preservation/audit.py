"""The walk-in audit: one call that does the whole job for a drive (``preservation audit``).

For each path (or location name): register it as a location if it is not one yet, scan it
(incrementally), check again the files that were verified before, and work out what changed
since the last visit. Then, over the audited locations: find pictures that look like duplicates
but differ, check 3-2-1 copies, and write the report when asked. Every step is the same code the
single commands run (:mod:`preservation.scan.run`, :mod:`preservation.analyse.fixity`,
:mod:`preservation.analyse.lookalikes`, :mod:`preservation.analyse.copies`,
:mod:`preservation.report`); this module only orders them and sums up.

A *visit* is a complete audit of a location, recorded as a run of kind ``audit``; what changed
since the last one is read from the catalog (:mod:`preservation.catalog.auditstore`). Files are
only ever read; the report is never written inside a location.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from preservation import paths
from preservation.analyse.copies import DEFAULT_MAX_AGE_DAYS, assess
from preservation.analyse.fixity import LocationVerify, VerifyOptions, open_change_view, verify
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD, Pair, find_lookalikes
from preservation.catalog import auditstore, scanstore
from preservation.catalog.auditstore import Changes, FileProblem, Visit
from preservation.catalog.decisionstore import OpenChange, open_changes
from preservation.catalog.engine import Catalog
from preservation.catalog.inventory import iso
from preservation.catalog.locations import resolve_locations
from preservation.catalog.models import Location
from preservation.catalog.reportstore import verify_coverage
from preservation.progress import NoProgress, Progress
from preservation.scan.run import LocationScan, ScanOptions, scan_location
from preservation.units import human_bytes
from preservation.units import plural as _n
from preservation.vocabulary import FixityStatus, Verdict

#: Paths listed for each kind of change or problem (counts are always complete).
EXAMPLES = 200


@dataclass
class AuditOptions:
    jobs: int = 0  # worker processes for scanning and comparing pictures (0: all cores)
    operator: str | None = None
    report: str | None = None  # write the report here (.pdf, .html or .json)
    audience: str = "patron"
    paper: str = "letter"
    collection: str | None = None
    command_line: str | None = None  # for the report's own provenance
    threshold: int = DEFAULT_THRESHOLD
    max_age_days: float = DEFAULT_MAX_AGE_DAYS
    # re-read only files verified before whose last check is older than this (None: all of them)
    recheck_older_than_days: float | None = None


@dataclass
class LocationAudit:
    """One audited location: its scan, its fixity check, and what changed since the last visit."""

    location: str
    root: str
    registered: bool  # registered by this audit
    scan: LocationScan
    last_visit: Visit | None
    verify: LocationVerify | None = None
    changes: Changes | None = None  # None on a first visit, or when the location is unreachable
    files: int = 0
    bytes: int = 0
    unreadable: list[FileProblem] = field(default_factory=list)
    damaged: list[FileProblem] = field(default_factory=list)
    # fixity changes nobody has accepted yet (this visit's or an earlier one's)
    unaccepted: list[OpenChange] = field(default_factory=list)

    @property
    def status(self) -> str:
        """complete, or unreachable / interrupted (the scan's, or the check's: a drive
        unplugged after its scan)."""
        if self.scan.status == "complete" and self.verify is not None and self.verify.status in (
                "unreachable", "interrupted"):
            return self.verify.status
        return self.scan.status

    @property
    def message(self) -> str | None:
        return self.scan.message or (self.verify.message if self.verify else None)

    @property
    def first_visit(self) -> bool:
        return self.last_visit is None

    def count(self, key: str) -> int:
        """changed (not accepted, whenever found) | missing (since the last visit),
        unreadable | damaged (now)."""
        if key == "changed":
            return len(self.unaccepted)
        if key in ("unreadable", "damaged"):
            return len(getattr(self, key))
        return getattr(self.changes, key).count if self.changes else 0


@dataclass
class LookalikeSummary:
    """Pictures of the audited locations that look like duplicates but are different files."""

    groups: int = 0
    pairs: list[Pair] = field(default_factory=list)  # verdict other than identical
    verdicts: Counter[str] = field(default_factory=Counter)
    copy_pairs: int = 0  # exact copies (identical): backups
    not_compared: int = 0


@dataclass
class CopiesCount:
    """3-2-1 over the distinct contents the audited locations hold."""

    contents: int = 0
    fewer_than_three: int = 0  # fewer than three copies that count
    only_one: int = 0  # at most one copy that counts
    meets: int = 0


PROBLEM_KINDS = ("changed", "missing", "unreadable", "damaged")


@dataclass
class AuditResult:
    locations: list[LocationAudit] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)
    lookalikes: LookalikeSummary = field(default_factory=LookalikeSummary)
    copies: CopiesCount = field(default_factory=CopiesCount)
    report: Any = None  # preservation.report.Written, when a report was written
    elapsed: float = 0.0

    def total(self, key: str) -> int:
        return sum(la.count(key) for la in self.locations)

    @property
    def unreachable(self) -> list[LocationAudit]:
        return [la for la in self.locations if la.status != "complete"]

    @property
    def problems(self) -> int:
        """Files changed or missing since the last visit, unreadable or damaged now, and
        locations that could not be audited: what makes the exit code 1."""
        return sum(self.total(k) for k in PROBLEM_KINDS) + len(self.unreachable)

    @property
    def ok(self) -> bool:
        return self.problems == 0

    def sentences(self) -> list[str]:
        """The outcome in plain words, for the person whose files these are."""
        return _sentences(self)


# --- running it ------------------------------------------------------------------------------


class _Labelled:
    """The caller's progress display, with each step's label saying what is being done."""

    def __init__(self, progress: Progress, verb: str) -> None:
        self.progress, self.verb = progress, verb
        self.wants_totals = progress.wants_totals

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        self.progress.begin(f"{self.verb} {label}", total_files, total_bytes, unit)

    def advance(self, files: int, nbytes: int) -> None:
        self.progress.advance(files, nbytes)

    def note(self, message: str) -> None:
        self.progress.note(message)

    def end(self) -> None:
        self.progress.end()


def audit(catalog: Catalog, targets: list[str], options: AuditOptions,
          progress: Progress | None = None) -> AuditResult:
    """Audit ``targets`` (paths or location names; none: every registered location)."""
    started = time.monotonic()
    progress = progress or NoProgress()
    result = AuditResult()
    resolved = resolve_locations(catalog, targets, verb="audit", register=True, operator=options.operator)
    # a drive named twice (by its path and its name) is audited once
    locations = list({loc.id: loc for loc in resolved.locations}.values())
    result.registered = resolved.registered
    if options.report is not None:
        from preservation.report import check_destination, output_kind

        output_kind(options.report)
        check_destination(catalog, options.report)  # before hours of work, not after
    scan_options = ScanOptions(jobs=options.jobs, operator=options.operator)
    runs: list[tuple[int, Location]] = []
    try:
        for loc in locations:
            with catalog.session() as s:
                visit = auditstore.last_visit(s, loc.id)
            run_id, _stale = scanstore.start_run(catalog, auditstore.AUDIT, loc, operator=options.operator,
                                                 options={"jobs": options.jobs})
            runs.append((run_id, loc))
            scanned = scan_location(catalog, loc, scan_options, _Labelled(progress, "Scanning"))
            la = LocationAudit(loc.name, loc.root, loc.name in result.registered, scanned, visit)
            result.locations.append(la)
            if scanned.status == "complete":
                la.verify = _verify_again(catalog, loc, options, progress)
            _settle(catalog, loc, la)
        names = {la.location for la in result.locations}
        result.lookalikes = _lookalikes(catalog, names, options, progress)
        progress.begin("Checking copies (3-2-1)", None, None, unit="")
        result.copies = _copies(catalog, names, options)
        progress.end()
        if options.report is not None:
            result.report = _write_report(catalog, names, options, progress)
    except BaseException:
        for run_id, loc in runs:
            scanstore.finish_run(catalog, run_id, loc, "interrupted", {}, [], options.operator)
        raise
    for (run_id, loc), la in zip(runs, result.locations, strict=True):
        scanstore.finish_run(catalog, run_id, loc, la.status, _run_counts(la), [], options.operator)
    result.elapsed = time.monotonic() - started
    return result


def _verify_again(catalog: Catalog, loc: Location, options: AuditOptions,
                  progress: Progress) -> LocationVerify | None:
    """Read again the files verified before, and compare them with their recorded checksums."""
    with catalog.session() as s:
        verified = verify_coverage(s, loc.id)[1]
    if not verified:
        return None
    report = verify(catalog, [loc.name], VerifyOptions(jobs=options.jobs, operator=options.operator,
                                                       verified_only=True,
                                                       older_than_days=options.recheck_older_than_days),
                    _Labelled(progress, "Checking"))
    return report.locations[0]


def _settle(catalog: Catalog, loc: Location, la: LocationAudit) -> None:
    """What changed since the last visit, and what is wrong now."""
    with catalog.session() as s:
        la.files, la.bytes = auditstore.present_counts(s, loc.id)
        if la.status != "complete":
            return
        if la.last_visit is not None:
            la.changes = auditstore.changes_since(s, loc, la.last_visit, EXAMPLES)
        la.unreadable = auditstore.unreadable(s, loc.id)
        la.damaged = auditstore.damaged(s, loc.id)
        la.unaccepted = open_changes(s, [loc.name])
    if la.verify is not None:  # a file the check could not read (the scan could)
        known = {p.path for p in la.unreadable}
        la.unreadable += [FileProblem(paths.printable(c.rel), c.problem or FixityStatus.UNREADABLE, c.message)
                          for c in la.verify.findings
                          if c.status == FixityStatus.UNREADABLE and paths.printable(c.rel) not in known]
        la.unreadable.sort(key=lambda p: p.path)


def _run_counts(la: LocationAudit) -> dict[str, Any]:
    return {"files": la.files, "bytes": la.bytes, "scan_status": la.status,
            "verify_run": la.verify.run_id if la.verify else None,
            "last_visit_run": la.last_visit.run_id if la.last_visit else None,
            **{k: la.count(k) for k in PROBLEM_KINDS},
            "new": la.changes.new.count if la.changes else 0}


def _scope(names: set[str]) -> str | None:
    """The one location a lookalike search or a report is limited to (None: all of them)."""
    return next(iter(names)) if len(names) == 1 else None


def _lookalikes(catalog: Catalog, names: set[str], options: AuditOptions,
                progress: Progress) -> LookalikeSummary:
    started = False

    def step(done: int, total: int) -> None:
        nonlocal started
        if not started:
            progress.begin("Comparing pictures that look alike", total, None, unit="pairs")
            started = True
        progress.advance(1, 0)

    try:
        found = find_lookalikes(catalog, _scope(names), options.threshold, jobs=options.jobs or None,
                                progress=step)
    finally:
        if started:
            progress.end()
    out = LookalikeSummary(not_compared=found.problems)
    for g in found.groups:
        pairs = [p for p in g.pairs if p.a.location in names and p.b.location in names]
        if pairs:
            out.groups += 1
        for p in pairs:
            if p.verdict == Verdict.IDENTICAL:
                out.copy_pairs += 1
            else:
                out.pairs.append(p)
                out.verdicts[str(p.verdict)] += 1
    return out


def _copies(catalog: Catalog, names: set[str], options: AuditOptions) -> CopiesCount:
    out = CopiesCount()
    for cs in assess(catalog, max_age_days=options.max_age_days):
        if not any(c.location in names for c in cs.copies):
            continue
        out.contents += 1
        out.fewer_than_three += cs.counted < 3
        out.only_one += cs.counted <= 1
        out.meets += cs.status == "meets-3-2-1"
    return out


def _write_report(catalog: Catalog, names: set[str], options: AuditOptions, progress: Progress) -> Any:
    from preservation.report import ReportOptions, write_report

    progress.begin("Writing the report", None, None, unit="")
    try:
        return write_report(catalog, ReportOptions(
            audience=options.audience, paper=options.paper, location=_scope(names),
            operator=options.operator, collection=options.collection,
            command_line=options.command_line, max_age_days=options.max_age_days,
            threshold=options.threshold), options.report)
    finally:
        progress.end()


# --- in words and as data --------------------------------------------------------------------


def _day(t: datetime) -> str:
    return f"{t.day} {t:%B %Y}"


def _some(locations: list[LocationAudit], key: str, shown: int = 3) -> str:
    """The first few paths of one kind of change or problem, as location/path."""
    names: list[str] = []
    for la in locations:
        if key in ("unreadable", "damaged"):
            names += [f"{la.location}/{p.path}" for p in getattr(la, key)]
        elif key == "changed":
            names += [f"{la.location}/{c.path}" for c in la.unaccepted]
        elif la.changes is not None:
            names += [f"{la.location}/{p}" for p in getattr(la.changes, key).paths]
    total = sum(la.count(key) for la in locations)
    text = ", ".join(names[:shown])
    return text + (f" and {total - shown:,} more" if total > shown else "")


def _sentences(r: AuditResult) -> list[str]:
    from preservation.report.glossary import VERDICT_COUNTED

    out: list[str] = []
    done = [la for la in r.locations if la.status == "complete"]
    files, size = sum(la.files for la in done), sum(la.bytes for la in done)
    names = ", ".join(la.location for la in done)
    if done:
        out.append(f"Looked at {_n(files, 'file')} ({human_bytes(size)}) in {names}.")
    for la in r.unreachable:
        out.append(la.message or f"{la.location} could not be audited.")
    for la in done:
        if la.first_visit:
            out.append(f"{la.location}: first visit. Every file was recorded, so the next visit "
                       "can tell what changed.")
            continue
        assert la.last_visit is not None and la.changes is not None
        when = _day(la.last_visit.finished_at)
        c = la.changes
        if c.new.count or c.changed.count or c.missing.count:
            out.append(f"{la.location}: since the last visit ({when}), {c.new.count:,} new, "
                       f"{c.changed.count:,} changed, {c.missing.count:,} missing.")
        else:
            out.append(f"{la.location}: nothing changed since the last visit ({when}).")
    checked = sum(la.verify.counts["checked"] for la in done if la.verify)
    changed, missing = r.total("changed"), r.total("missing")
    unreadable, damaged = r.total("unreadable"), r.total("damaged")
    if changed:
        it = "it" if changed == 1 else "them"
        out.append(f"Fixity problem: {_n(changed, 'file')} changed and not accepted: "
                   f"{_some(done, 'changed')}. If nobody meant to change {it}, restore {it} "
                   f"from a backup; if the change was intended, accept {it}: preservation "
                   "accept PATH --note WHY.")
    if missing:
        out.append(f"Fixity problem: {_n(missing, 'file')} went missing since the last visit: "
                   f"{_some(done, 'missing')}.")
    if checked and not changed:
        out.append(f"Fixity: {_n(checked, 'file')} checked again against their recorded checksums; "
                   "all are unchanged.")
    if unreadable:
        out.append(f"{_n(unreadable, 'file')} could not be read: {_some(done, 'unreadable')}.")
    if damaged:
        out.append(f"{_n(damaged, 'file')} {'is' if damaged == 1 else 'are'} damaged and cannot be "
                   f"opened: {_some(done, 'damaged')}. Look for an intact copy.")
    la_ = r.lookalikes
    if la_.pairs:
        kinds = ", ".join(f"{n:,} {VERDICT_COUNTED[v][0 if n == 1 else 1]}"
                          for v, n in la_.verdicts.most_common())
        n = len(la_.pairs)
        out.append(f"1 pair of pictures looks like duplicates but is two different files ({kinds}): "
                   "keep both pictures." if n == 1 else
                   f"{n:,} pairs of pictures look like duplicates but are different files ({kinds}): "
                   "keep both pictures of each pair.")
    else:
        out.append("No pictures look like duplicates of other pictures while being different files.")
    if la_.copy_pairs:
        out.append("Exact copies in different places are backups: keep them too.")
    cp = r.copies
    if cp.contents:
        few, distinct = cp.fewer_than_three, _n(cp.contents, "distinct file")
        if few:
            which = f"all {distinct}" if few == cp.contents else f"{few:,} of the {distinct}"
            one = cp.only_one
            out.append(f"Backups: {which} (copies counted once) {'has' if few == 1 else 'have'} fewer "
                       f"than 3 copies that count; {one:,} of them {'has' if one == 1 else 'have'} only "
                       "one. Copy them to another drive and somewhere off-site.")
        else:
            out.append(f"Backups: every one of the {distinct} has at least 3 copies that count.")
    if r.report is not None:
        pages = f", {_n(r.report.pages, 'page')}" if r.report.pages else ""
        out.append(f"The report is in {r.report.path}{pages}.")
    out.append("Nothing was changed, moved or deleted: the files were only read.")
    return out


def _paths(pl: auditstore.PathList | None) -> dict[str, Any]:
    return {"count": pl.count, "paths": list(pl.paths)} if pl else {"count": 0, "paths": []}


def _problems(items: list[FileProblem]) -> list[dict[str, Any]]:
    return [{"path": p.path, "problem": p.problem, "message": p.message} for p in items[:EXAMPLES]]


def result_view(r: AuditResult) -> dict[str, Any]:
    """The result as plain data: what ``audit --json`` prints (schemas/audit.json)."""
    def location(la: LocationAudit) -> dict[str, Any]:
        v = la.verify
        return {
            "location": la.location, "root": la.root, "registered": la.registered,
            "status": la.status, "message": la.message, "files": la.files, "bytes": la.bytes,
            "first_visit": la.first_visit,
            "last_visit": iso(la.last_visit.finished_at) if la.last_visit else None,
            "last_visit_kind": la.last_visit.kind if la.last_visit else None,
            "since_last_visit": None if la.changes is None else {
                k: _paths(getattr(la.changes, k)) for k in ("new", "changed", "missing")},
            "scan": {k: la.scan.counts[k] for k in ("new", "changed", "unchanged", "missing", "hashed")}
                    | {"problems": la.scan.problems, "elapsed_seconds": round(la.scan.elapsed, 3)},
            "verify": None if v is None else {
                "run": v.run_id, "status": v.status,
                **{k: v.counts[k] for k in ("checked", "ok", "changed", "missing", "unreadable")}},
            "unreadable": _problems(la.unreadable), "damaged": _problems(la.damaged),
            "unaccepted_changes": [open_change_view(c) for c in la.unaccepted[:EXAMPLES]],
        }

    lk = r.lookalikes
    rep = r.report
    return {
        "ok": r.ok,
        "problems": r.problems,
        "counts": {k: r.total(k) for k in PROBLEM_KINDS} | {"unreachable": len(r.unreachable)},
        "registered": list(r.registered),
        "locations": [location(la) for la in r.locations],
        "lookalikes": {
            "groups": lk.groups, "pairs_that_differ": len(lk.pairs), "exact_copy_pairs": lk.copy_pairs,
            "not_compared": lk.not_compared, "verdicts": dict(lk.verdicts),
            "pairs": [{"a": p.a.path, "b": p.b.path, "a_location": p.a.location,
                       "b_location": p.b.location, "verdict": str(p.verdict),
                       "explanation": p.explanation} for p in lk.pairs[:EXAMPLES]],
        },
        "copies": {"contents": r.copies.contents, "fewer_than_three": r.copies.fewer_than_three,
                   "only_one": r.copies.only_one, "meets_3_2_1": r.copies.meets},
        "report": None if rep is None else {
            "path": rep.path, "kind": rep.kind, "pages": rep.pages, "bytes": rep.bytes,
            "sha256": rep.sha256, "csv": list(rep.csv)},
        "summary": r.sentences(),
        "elapsed_seconds": round(r.elapsed, 3),
    }
