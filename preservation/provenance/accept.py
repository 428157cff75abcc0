"""Accepting fixity changes: a person's decision that a file's new bytes are intended.

A change found by ``verify`` or recorded by a scan stays a problem until it is accepted
(:mod:`preservation.catalog.decisionstore`). Accepting reads the file once more: the bytes it
holds now become its recorded version (the old version's content and events stay), and an
``appraisal`` event records who accepted which bytes, when, and why. A file that cannot be read
now is not accepted: nobody can accept bytes nobody has seen.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog import fixitystore, scanstore
from preservation.catalog.decisionstore import OpenChange, open_changes
from preservation.catalog.engine import Catalog
from preservation.catalog.fixitystore import Check
from preservation.catalog.inventory import find_file
from preservation.catalog.locations import get_location, location_for_path
from preservation.catalog.models import File, Location
from preservation.errors import NotInCatalogError
from preservation.provenance.decisions import FileRef, append_decision
from preservation.vocabulary import Decision, FileState, FixityStatus

BULK_NOTE = "accepted in bulk by scan --rehash"


@dataclass
class Accepted:
    location: str
    path: str
    previous_sha256: str
    accepted_sha256: str | None
    seq: int  # the appraisal event


@dataclass
class NotAccepted:
    location: str
    path: str
    reason: str


@dataclass
class AcceptResult:
    accepted: list[Accepted] = field(default_factory=list)
    refused: list[NotAccepted] = field(default_factory=list)  # could not be accepted
    nothing_open: list[str] = field(default_factory=list)  # targets with no open change

    @property
    def problem_count(self) -> int:
        return len(self.refused)


def _changes_for(s: Session, target: str) -> list[OpenChange] | None:
    """Open changes a target names: a catalogued file, a folder in a location, or a location's
    name. None if the target names nothing the catalog knows."""
    expanded = os.path.expanduser(target)
    if os.path.isdir(expanded):
        found = location_for_path(s, paths.absolute(target))
        if found is not None:
            loc, rel = found
            prefix = paths.printable(rel)
            return [c for c in open_changes(s, [loc.name])
                    if not prefix or c.path == prefix or c.path.startswith(prefix + "/")]
    try:
        f, loc = find_file(s, target)
    except NotInCatalogError:
        if os.path.lexists(expanded):
            raise
        try:
            return open_changes(s, [get_location(s, target).name])
        except Exception:
            raise NotInCatalogError(f"{target} is not a catalogued file, a folder inside a "
                                    "location, or a location's name.") from None
    return [c for c in open_changes(s, [loc.name]) if c.file_id == f.id]


def accept(catalog: Catalog, targets: Iterable[str], note: str, operator: str | None) -> AcceptResult:
    """Accept the open fixity changes of ``targets`` (files, folders or location names)."""
    result = AcceptResult()
    todo: dict[int, OpenChange] = {}
    with catalog.session() as s:
        for t in targets:
            changes = _changes_for(s, t)
            if not changes:
                result.nothing_open.append(t)
            for c in changes or []:
                todo.setdefault(c.file_id, c)
    by_loc: dict[str, list[OpenChange]] = {}
    for c in todo.values():
        by_loc.setdefault(c.location, []).append(c)
    for name, changes in sorted(by_loc.items()):
        with catalog.session() as s:
            loc = get_location(s, name)
        _accept_location(catalog, loc, changes, note, operator, result)
    return result


def _accept_location(catalog: Catalog, loc: Location, changes: list[OpenChange], note: str,
                     operator: str | None, result: AcceptResult) -> None:
    from preservation.fingerprint import fingerprint_file

    run_id, _ = scanstore.start_run(catalog, "accept", loc, operator=operator, options={})
    status = "complete"
    try:
        for c in sorted(changes, key=lambda c: c.path):
            with catalog.session() as s:
                row = s.get(File, c.file_id)
                assert row is not None
                rel = row.path_bytes
                known = scanstore.known_in_dir(s, loc.id, row.dir_bytes).get(
                    rel[len(row.dir_bytes) + 1:] if row.dir_bytes else rel)
            if c.state != FileState.PRESENT:
                reason = ("it is recorded missing: its new bytes cannot be read. Restore it, or "
                          "scan its location if it is back")
                result.refused.append(NotAccepted(loc.name, c.path, reason))
                continue
            fp = fingerprint_file(loc.root_bytes, rel)
            try:
                inode = os.lstat(paths.join(loc.root_bytes, rel)).st_ino
            except OSError:
                inode = 0
            if fp.sha256 is None:
                why = fp.problems[0].message if fp.problems else "it could not be read"
                result.refused.append(NotAccepted(loc.name, c.path, f"it cannot be read now: {why}"))
                continue
            sha = fp.sha256

            def work(s: Session, c: OpenChange = c, fp=fp, sha: str = sha,  # type: ignore[no-untyped-def]
                     known=known, inode: int = inode, rel: bytes = rel) -> int:
                if sha != c.recorded_sha256:  # the bytes read now become the file's version
                    scanstore.record_results(s, loc, run_id, [scanstore.Result(
                        rel, fp.size, fp.mtime_ns, inode, known, fp)], operator)
                return record_accept(s, loc, c, sha, run_id, note, operator)

            seq = catalog.transact(work)
            result.accepted.append(Accepted(loc.name, c.path, c.baseline_sha256, sha, seq))
    except BaseException:
        status = "interrupted"
        raise
    finally:
        scanstore.finish_run(catalog, run_id, loc, status,
                             {"accepted": len(result.accepted), "refused": len(result.refused)},
                             [], operator)


def record_accept(s: Session, loc: Location, c: OpenChange, sha: str, run_id: int, note: str,
                  operator: str | None) -> int:
    """Record, in the caller's transaction, that the file's bytes ``sha`` (just read, and
    recorded as its version) are accepted: an appraisal event, and the file marked verified."""
    now = datetime.now(UTC)
    fixitystore.record_checks(s, loc, run_id, [Check(FixityStatus.OK, b"", c.file_id)], now, operator)
    rec = append_decision(s, Decision.ACCEPT_CHANGE, [sha, c.baseline_sha256],
                          files=[FileRef(loc.name, c.path, sha)], note=note, operator=operator,
                          context={"previous_sha256": c.baseline_sha256, "accepted_sha256": sha,
                                   "change_events": c.events, "run": run_id})
    return rec.seq


def accept_rehashed(catalog: Catalog, loc: Location, run_id: int, operator: str | None) -> int:
    """After ``scan --rehash`` of ``loc`` (every file read again and recorded): accept every open
    change of a file the scan read, in bulk, each recorded as its own decision."""
    n = 0
    with catalog.session() as s:
        changes = [(c, scanstore.read_this_run(s, c.file_id, run_id))
                   for c in open_changes(s, [loc.name]) if c.state == FileState.PRESENT]
    for c, sha in changes:
        if sha is None:
            continue
        def work(s: Session, c: OpenChange = c, sha: str = sha) -> int:
            return record_accept(s, loc, c, sha, run_id, BULK_NOTE, operator)

        catalog.transact(work)
        n += 1
    return n
