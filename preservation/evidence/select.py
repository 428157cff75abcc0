"""What goes into an evidence package: the files a person names, a look-alike group, or the
originals a loss audit found gone from a platform, each checked against the catalog.

A package may only hold verified originals. A file is refused when the catalog does not know
it, has no SHA-256 for it (it could not be read when scanned), no longer finds it, or when its
last fixity check found it changed or unreadable. Every refusal is listed at once, so a person
can fix them all before trying again; nothing is packaged until every file passes.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from preservation import paths
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD, Evidence, PairResult
from preservation.catalog.engine import Catalog
from preservation.catalog.evidencestore import (
    CatalogFile,
    file_at,
    files_at_path,
    files_named,
    location_names,
)
from preservation.catalog.inventory import iso
from preservation.errors import NotInCatalogError, Refused, UsageError
from preservation.evidence.comparisons import lookalike_pairs
from preservation.evidence.parts import LOOKALIKES, LOSS_AUDIT, Loss, Packed, Pair, Selection
from preservation.vocabulary import FileState, FixityStatus, Verdict

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

FILES, GROUP, COMPARE = "files", "group", "compare"


@dataclass
class Request:
    """What to package: ``files`` (paths or catalog paths), a look-alike ``group`` (number or
    key, with the ``location`` and ``threshold`` of the look-alike run) or ``from_compare``
    (the JSON of ``preservation compare``)."""

    files: Sequence[str] = ()
    group: str | None = None
    from_compare: str | None = None
    location: str | None = None
    threshold: int = DEFAULT_THRESHOLD
    jobs: int | None = None

    @property
    def mode(self) -> str:
        chosen = [m for m, given in ((FILES, bool(self.files)), (GROUP, self.group is not None),
                                     (COMPARE, self.from_compare is not None)) if given]
        if len(chosen) != 1:
            raise UsageError("Say what to package with one of: --file (once per file), --group or "
                             "--from-compare.")
        return chosen[0]


def unverified(f: CatalogFile) -> str | None:
    """Why the catalog cannot vouch for this file's bytes (None: it can)."""
    where = f"{f.location}: {f.path}"
    if f.sha256 is None:
        why = f.problem_detail or f.problem or "it could not be read"
        return (f"{where} has no recorded SHA-256 ({why}), so a copy cannot be verified. "
                f"Scan it again once it can be read: preservation scan {f.location!r}")
    if f.state != FileState.PRESENT:
        return (f"{where} was not found by the latest scan or check of {f.location}. "
                "Only files the catalog still finds can be packaged.")
    status = f.last_verify_status
    if status not in (None, FixityStatus.OK):
        when = iso(f.last_verified_at) or "its last check"
        what = {str(FixityStatus.CHANGED): "its bytes had changed since they were recorded",
                str(FixityStatus.UNREADABLE): "it could not be read"}.get(str(status), f"its status was {status}")
        return (f"{where}: its last fixity check ({when}) found that {what}. Check it and run "
                f"'preservation verify {f.location}' again (or 'preservation scan --rehash' if the "
                "change was intended) before packaging it.")
    return None


def check(files: Sequence[Packed], extra: Sequence[str] = ()) -> None:
    """Refuse, listing every reason, if any file cannot be vouched for."""
    problems = [*extra, *(p for p in (unverified(x.file) for x in files) if p)]
    if problems:
        raise Refused(problems)


# --- --file ------------------------------------------------------------------------------------


def _describe(f: CatalogFile) -> str:
    bits = [f"SHA-256 {f.sha256[:12]}" if f.sha256 else "never hashed"]
    if f.capture_time:
        bits.append(f"taken {f.capture_time}")
    return f"{f.location}: {f.path} ({', '.join(bits)})"


def resolve_file(s: Session, arg: str) -> tuple[CatalogFile, list[str]]:
    """A path on disk (absolute or relative to the current folder), or a catalog path:
    ``LOCATION/PATH``, a path inside a location, or a file's own name. Returns the file and the
    other places recorded with the same bytes under that name."""
    on_disk = os.path.expanduser(arg)
    if os.path.lexists(on_disk):
        return file_at(s, on_disk), []
    candidates: list[CatalogFile] = []
    if "/" not in arg:  # a file's own name: every file that has it, wherever it is
        candidates = files_named(s, arg)
    else:
        for name in location_names(s):
            if arg.startswith(name + "/"):
                candidates += files_at_path(s, name, arg[len(name) + 1:])
        if not candidates:
            candidates = files_at_path(s, None, arg)
    if not candidates:
        raise NotInCatalogError(
            f"{arg} is not in the catalog: there is no such file here ({os.getcwd()}) and no "
            "catalogued file has that path or name.",
            hint="See what is catalogued: preservation files (or give the file's full path)")
    contents = {c.sha256 for c in candidates}
    if len(candidates) > 1 and (len(contents) > 1 or None in contents):
        listed = "\n".join(f"  - {_describe(c)}" for c in candidates[:10])
        more = f"\n  ... and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        raise UsageError(f"{arg} is ambiguous: {len(candidates)} different catalogued files match it:\n"
                         f"{listed}{more}",
                         hint=f"Name one as LOCATION/PATH (e.g. --file '{candidates[0].location}/"
                              f"{candidates[0].path}') or give its full path.")
    # the same bytes in several places: the copy recorded first speaks for them
    chosen = min(candidates, key=lambda c: (c.state != FileState.PRESENT, c.first_seen, c.location, c.path))
    return chosen, [f"{c.location}: {c.path}" for c in candidates if c is not chosen]


def from_files(catalog: Catalog, args: Sequence[str], threshold: int) -> Selection:

    packed: list[Packed] = []
    notes: list[str] = []
    seen: dict[int, Packed] = {}
    errors: list[str] = []
    with catalog.session() as s:
        for arg in args:
            try:
                f, others = resolve_file(s, arg)
            except NotInCatalogError as exc:
                errors.append(exc.message)
                continue
            if f.id in seen:
                notes.append(f"{paths.printable(os.fsencode(arg))} was named more than once; it is "
                             "packaged once.")
                continue
            seen[f.id] = Packed(f, "file", others)
            packed.append(seen[f.id])
    check(packed, errors)
    n = len(packed)
    what = f"{n} file{'s' if n != 1 else ''} named by whoever made the package"
    return Selection(FILES, what, packed, lookalike_pairs(catalog, packed, threshold), notes=notes)


# --- --group ---------------------------------------------------------------------------------


def from_group(catalog: Catalog, group: str, location: str | None, threshold: int,
               jobs: int | None) -> Selection:
    from preservation.analyse.lookalikes import find_lookalikes

    result = find_lookalikes(catalog, location, threshold, jobs=jobs)
    wanted = group.strip().lower()
    chosen = [g for g in result.groups if str(g.id) == wanted or (len(wanted) >= 6 and g.key.startswith(wanted))]
    if not chosen:
        opts = f"--threshold {threshold}" + (f" --location {location!r}" if location else "")
        raise UsageError(f"There is no look-alike group {group} ({len(result.groups)} groups with "
                         f"{opts}). Group numbers are those of 'preservation lookalikes' run with the "
                         "same options.", hint="See them: preservation lookalikes")
    g = chosen[0]
    packed: dict[str, Packed] = {}
    errors: list[str] = []
    with catalog.session() as s:
        for m in g.members:
            if m.sha256 in packed:
                packed[m.sha256].also_at.append(f"{m.location}: {m.relative_path}")
                continue
            rows = [f for f in files_at_path(s, m.location, m.relative_path) if f.sha256 == m.sha256]
            if not rows:
                errors.append(f"{m.location}: {m.relative_path} changed in the catalog during this run; "
                              "try again.")
                continue
            packed[m.sha256] = Packed(rows[0], "file")
    files = list(packed.values())
    check(files, errors)
    pairs = [Pair(packed[p.a.sha256], packed[p.b.sha256], LOOKALIKES, dict(p.evidence.get("hash_distances") or {}),
                  PairResult(Evidence.from_json(p.evidence), p.verdict, list(p.reasons), p.explanation))
             for p in g.pairs if p.verdict != Verdict.IDENTICAL]
    notes = []
    if g.kind == "copies":
        notes.append("This group holds only exact copies (the same bytes in several places): one "
                     "copy is packaged, and where the others are is listed with it.")
    what = f"look-alike group {g.id} (key {g.key}): {len(files)} different file{'s' if len(files) != 1 else ''}"
    source = {"group": g.id, "key": g.key, "threshold": threshold, "location": location,
              "likely_original": g.original.path, "original_reasons": list(g.original_reasons)}
    return Selection(GROUP, what, files, pairs, notes=notes, source=source)


# --- --from-compare --------------------------------------------------------------------------


def from_compare(catalog: Catalog, path: str) -> Selection:
    from preservation.analyse.compare import GONE, load_json

    audit = load_json(path)
    gone = [e for e in audit.entries if e.status in GONE]
    if not gone:
        raise UsageError(f"The comparison in {path} found no originals gone from {audit.other.name}: "
                         "there is nothing to package.")
    errors: list[str] = []
    by_id: dict[int, Packed] = {}
    order: list[Packed] = []

    def find(s: Session, location: str, rel: str, sha: str | None, role: str) -> Packed | None:
        rows = files_at_path(s, location, rel)
        if not rows:
            errors.append(f"{location}: {rel} is not in this catalog (was the comparison made with "
                          "another catalog? Use the same --catalog).")
            return None
        f = rows[0]
        if sha is not None and f.sha256 != sha:
            errors.append(f"{location}: {rel} has changed since the comparison was made (its recorded "
                          "SHA-256 is no longer the one compared). Run 'preservation compare' again.")
            return None
        if f.id not in by_id:
            by_id[f.id] = Packed(f, role)
            order.append(by_id[f.id])
        return by_id[f.id]

    losses: list[Loss] = []
    with catalog.session() as s:
        names = set(location_names(s))
        for side in (audit.reference, audit.other):
            if side.name not in names:
                raise UsageError(f"The comparison names the location {side.name!r}, which this catalog "
                                 "does not have. Use the catalog the comparison was made with (--catalog).")
        for e in gone:
            original = find(s, audit.reference.name, e.relative_path, e.sha256, "original")
            other = e.other
            counterpart = None
            if other is not None:
                counterpart = find(s, audit.other.name, other.relative_path, other.sha256, "platform")
            if original is None or (other is not None and counterpart is None):
                continue
            loss = Loss(original, str(e.status), counterpart, e.explanation or "",
                        str(other.verdict) if other else None, other.title if other else None)
            if other is not None and counterpart is not None:
                loss.pair = Pair(original, counterpart, LOSS_AUDIT, verdict=str(other.verdict),
                                 explanation=other.explanation, reasons=list(other.reasons))
            losses.append(loss)
    files = [p for p in order if p.role == "original"] + [p for p in order if p.role == "platform"]
    check(files, errors)
    kept = sum(1 for x in losses if x.counterpart is not None)
    what = (f"{len(losses)} original{'s' if len(losses) != 1 else ''} gone from {audit.other.name} "
            f"(the loss audit of {audit.created[:10]}); for {kept} of them {audit.other.name} kept a "
            "look-alike that differs")
    source = {"reference": audit.reference.to_json(), "other": audit.other.to_json(),
              "created": audit.created, "threshold": audit.threshold, "file": os.path.abspath(path),
              "headline": audit.headline}
    return Selection(COMPARE, what, files, [x.pair for x in losses if x.pair is not None], losses,
                     source=source)


def select(catalog: Catalog, request: Request) -> Selection:
    mode = request.mode
    if mode == FILES:
        return from_files(catalog, request.files, request.threshold)
    if mode == GROUP:
        assert request.group is not None
        return from_group(catalog, request.group, request.location, request.threshold, request.jobs)
    assert request.from_compare is not None
    return from_compare(catalog, request.from_compare)


__all__ = ["COMPARE", "FILES", "GROUP", "Request", "check", "resolve_file", "select", "unverified"]
