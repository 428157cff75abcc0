"""Making an evidence package, from the request to the named, validated, recorded bag.

1. The destination is checked (a new name, not in a scanned location); hidden folders of the
   same name left by a run that died are removed.
2. The files are selected and checked against the catalog (:mod:`.select`); any refusal stops
   everything before a byte is copied.
3. In a hidden sibling folder (:mod:`.bag`), each file is copied and verified
   (:mod:`.copying`); the folder becomes a BagIt 1.0 bag with SHA-256 and SHA-512 manifests.
4. The evidence is added as tag files: difference pictures, ``evidence/provenance.json``,
   ``evidence/premis.xml``, ``evidence/report.pdf``, the letter, ``README.txt``; the tag
   manifests are written.
5. The bag is validated twice (this package's full validator and the bagit library's), renamed
   to the requested name, and its making recorded in the catalog: one replication event per
   file, then message digest calculation, validation and creation events.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from preservation import agent, paths
from preservation.catalog.engine import Catalog
from preservation.catalog.events import default_operator
from preservation.catalog.evidencestore import record_package, record_refused_copies
from preservation.catalog.inventory import iso
from preservation.errors import PreservationError, Refused, UsageError
from preservation.evidence import bag as bags
from preservation.evidence.comparisons import resolve
from preservation.evidence.copying import CopyFailed, assign_bag_paths, copy_verified
from preservation.evidence.letter import LETTERS, letter_text, readme_text, write_letter_pdf
from preservation.evidence.parts import Selection
from preservation.evidence.provenance import build_record, write_json, write_premis
from preservation.evidence.report import draw_differences, write_pdf
from preservation.evidence.select import COMPARE, Request, select
from preservation.evidence.validate import Validation, validate_bag
from preservation.provenance.anchor import write_anchor
from preservation.report.assets import AssetStore
from preservation.report.model import PAPERS
from preservation.report.render import file_digest
from preservation.vocabulary import EventOutcome, EventType

FORMAT = "preservation-evidence"
VERSION = 1
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")


def clean(value: str) -> str:
    """A bag-info value: one line, no control characters; bytes that are not UTF-8 as \\xNN."""
    return _SPACE.sub(" ", paths.printable(os.fsencode(value))).strip()


@dataclass
class Options:
    out: str
    letter: str | None = None  # appeal | ccpa
    contact_name: str | None = None
    contact_email: str | None = None
    organization: str | None = None
    description: str | None = None
    identifier: str | None = None  # External-Identifier (default: a new urn:uuid)
    operator: str | None = None
    paper: str = "letter"
    show_gps: bool = False
    command_line: str | None = None
    jobs: int | None = None

    def check(self) -> None:
        if self.letter is not None and self.letter not in LETTERS:
            raise UsageError(f"--letter must be one of: {', '.join(LETTERS)}.")
        if self.paper not in PAPERS:
            raise UsageError(f"--paper must be one of: {', '.join(PAPERS)}.")
        if self.contact_email is not None and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", self.contact_email):
            raise UsageError(f"{self.contact_email!r} does not look like an e-mail address.")
        for name, value in (("--contact-name", self.contact_name), ("--organization", self.organization),
                            ("--identifier", self.identifier), ("--description", self.description)):
            if value is not None and not clean(value):
                raise UsageError(f"{name} cannot be empty.")


@dataclass
class Created:
    """A finished package."""

    path: str
    identifier: str
    created: str
    selection: Selection
    bag_info: dict[str, str]
    tag_files: list[str]
    validation: Validation
    bagit_version: str
    letter: str | None
    pages: dict[str, int] = field(default_factory=dict)
    events: list[int] = field(default_factory=list)
    removed_partials: list[str] = field(default_factory=list)
    anchor: str | None = None  # the chain's head once the package was recorded, beside the bag

    def to_json(self) -> dict[str, Any]:
        sel = self.selection
        return {
            "kind": FORMAT, "version": VERSION, "path": self.path, "name": os.path.basename(self.path),
            "external_identifier": self.identifier, "created": self.created, "mode": sel.mode,
            "what": sel.what, "bag_info": dict(self.bag_info),
            "payload": {"files": self.validation.payload_files, "bytes": self.validation.payload_bytes},
            "files": [{"bag_path": p.bag_path, "role": p.role, "location": p.file.location,
                       "path": p.file.path, "sha256": p.file.sha256,
                       "sha512": p.copy.sha512 if p.copy else None, "size": p.file.size}
                      for p in sel.files],
            "comparisons": [{"a": p.a.bag_path, "b": p.b.bag_path, "origin": p.origin,
                             "verdict": str(p.result.verdict) if p.result else None,
                             "explanation": p.result.explanation if p.result else None,
                             "difference_picture": p.difference} for p in sel.pairs],
            "losses": [{"original": x.original.bag_path, "status": x.status,
                        "counterpart": x.counterpart.bag_path if x.counterpart else None}
                       for x in sel.losses],
            "tag_files": list(self.tag_files), "letter": self.letter, "pages": dict(self.pages),
            "validation": self.validation.to_json(),
            "bagit_library": {"version": self.bagit_version, "valid": True, "problems": []},
            "events": list(self.events), "removed_partials": list(self.removed_partials),
            "notes": list(sel.notes),
        }


def _description(sel: Selection) -> str:
    if sel.mode == COMPARE:
        return (f"Evidence package: {sel.what}. The originals, what the platform holds instead, and "
                "for each the evidence that they differ, with their fixity history and provenance.")
    return (f"Evidence package: {sel.what}. The files, how those that look alike differ, their "
            "metadata, fixity history and provenance.")


def _write_text(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _copy_all(folder: str, sel: Selection, catalog: Catalog, operator: str,
              say: Callable[[str], None]) -> None:
    total = sum(p.file.size for p in sel.files)
    say(f"Copying {len(sel.files)} file{'s' if len(sel.files) != 1 else ''} ({total:,} bytes), "
        "checking each against the catalog...")
    failed: list[CopyFailed] = []
    source_problems = []
    for p in sel.files:
        try:
            p.copy = copy_verified(p.file, os.path.join(folder, p.bag_path.removeprefix("data/")))
        except CopyFailed as exc:
            failed.append(exc)
            if exc.source:
                source_problems.append((p.file, exc.found, exc.message))
    if source_problems:
        catalog.transact(lambda s: record_refused_copies(s, source_problems, operator))
    if failed:
        raise Refused([e.message for e in failed])


def create(catalog: Catalog, request: Request, options: Options,
           say: Callable[[str], None] | None = None) -> Created:
    """Make the package described by ``request`` at ``options.out``; see the module docstring."""
    say = say or (lambda _m: None)
    options.check()
    dest = bags.destination(catalog, options.out)
    removed = bags.clear_leftovers(catalog, dest)
    for r in removed:
        say(f"Removed {r}: a half-made package left by an earlier run that was interrupted.")
    selection = select(catalog, request)
    assign_bag_paths(selection.files)
    operator = options.operator or default_operator()
    identifier = clean(options.identifier) if options.identifier else f"urn:uuid:{uuid.uuid4()}"
    now = datetime.now(UTC)
    lib = bags.library_version()
    info = {
        "Source-Organization": clean(options.organization or options.contact_name or operator),
        "Contact-Name": clean(options.contact_name or operator),
        "Contact-Email": clean(options.contact_email or "not given"),
        "External-Description": clean(options.description or _description(selection)),
        "External-Identifier": identifier,
        "Bagging-Date": now.strftime("%Y-%m-%d"),
        "Bag-Software-Agent": f"{agent()} (bagit.py {lib})",
    }
    partial = bags.Partial(dest)
    try:
        _copy_all(partial.dir, selection, catalog, operator, say)
        bags.make_bag(partial.dir, info)
        resolve(catalog, selection.pairs, partial.dir, options.jobs)
        store = AssetStore()
        draw_differences(partial.dir, selection.pairs, store, say)
        package = {
            "name": dest.name, "external_identifier": identifier, "created": iso(now),
            "bagging_date": info["Bagging-Date"], "operator": operator,
            "contact_name": clean(options.contact_name) if options.contact_name else None,
            "contact_email": options.contact_email, "source_organization": info["Source-Organization"],
            "description": info["External-Description"], "agent": agent(), "bagit_library": lib,
            "catalog": catalog.display, "command_line": options.command_line, "letter": options.letter,
        }
        say("Writing the evidence report...")
        record = build_record(catalog, selection, package)
        folder = partial.dir
        os.makedirs(os.path.join(folder, "evidence"), exist_ok=True)
        write_json(os.path.join(folder, "evidence", "provenance.json"), record)
        with open(os.path.join(folder, "evidence", "premis.xml"), "wb") as fh:
            write_premis(fh, selection, record)
        pages = {"report": write_pdf(os.path.join(folder, "evidence", "report.pdf"), record, folder, store,
                                     paper=options.paper, show_gps=options.show_gps)}
        if options.letter:
            text = letter_text(options.letter, record)
            _write_text(os.path.join(folder, "letter", "letter.txt"), text)
            pages["letter"] = write_letter_pdf(os.path.join(folder, "letter", "letter.pdf"), text,
                                               paper=options.paper, title=f"Draft letter: {dest.name}")
        _write_text(os.path.join(folder, "README.txt"), readme_text(record, options.letter))
        bags.seal(folder)
        say("Validating the package...")
        validation = validate_bag(folder)
        library = bags.bagit_problems(folder)
        if not validation.valid or library:
            found = [p.message for p in validation.problems] + library
            raise PreservationError("The package did not validate after it was made, so it was discarded "
                                    "(the files it was made from are untouched):\n  - " + "\n  - ".join(found))
        manifests = {name: file_digest(os.path.join(folder, name))[0] for name in sorted(os.listdir(folder))
                     if name.startswith(("manifest-", "tagmanifest-"))}
        tag_files = sorted(rel.replace(os.sep, "/") for d, _dirs, names in os.walk(folder) for n in names
                           if (rel := os.path.relpath(os.path.join(d, n), folder)).split(os.sep)[0] != "data")
        path = partial.finish()
    except BaseException:
        partial.discard()
        raise
    validation.bag = path
    created = Created(path, identifier, iso(now) or "", selection, info | {"Payload-Oxum": validation.oxum or ""},
                      tag_files, validation, lib, options.letter, pages, removed_partials=removed)
    created.events = _record(catalog, created, manifests, record["chain"]["newest"], operator)
    created.anchor = write_anchor(catalog, path, f"evidence package {os.path.basename(path)}")
    return created


def _record(catalog: Catalog, c: Created, manifests: dict[str, str], newest: dict[str, Any] | None,
            operator: str) -> list[int]:
    """The package's events: a replication per file, message digest calculation, validation,
    creation. The tag manifest's SHA-256 ties the whole bag to the log."""
    sel, v = c.selection, c.validation
    pkg = f"package:{c.identifier}"
    base = {"package": os.path.basename(c.path), "path": c.path, "external_identifier": c.identifier}
    events: list[tuple[str, str, dict[str, Any], list[str]]] = []
    for p in sel.files:
        assert p.copy is not None
        events.append((EventType.REPLICATION, EventOutcome.SUCCESS, {
            **base, "action": "copied into an evidence package", "bag_path": p.bag_path,
            "location": p.file.location, "source": p.file.path, "sha256": p.file.sha256,
            "sha512": p.copy.sha512, "bytes": p.copy.size,
            "message": "Copied; the source as read and the copy read back both have the recorded SHA-256."},
            [f"sha256:{p.file.sha256}", p.file.label, pkg]))
    events.append((EventType.MESSAGE_DIGEST_CALCULATION, EventOutcome.SUCCESS, {
        **base, "action": "bag manifests written", "algorithms": list(bags.ALGORITHMS),
        "payload_oxum": v.oxum, "manifests_sha256": manifests}, [pkg]))
    events.append((EventType.VALIDATION, EventOutcome.SUCCESS, {
        **base, "action": "bag validated", "valid": True,
        "validators": [agent(), f"bagit.py {c.bagit_version}"], "payload_files": v.payload_files,
        "payload_bytes": v.payload_bytes, "warnings": len(v.warnings)}, [pkg]))
    events.append((EventType.CREATION, EventOutcome.SUCCESS, {
        **base, "action": "evidence package created", "mode": sel.mode, "what": sel.what,
        "letter": c.letter, "files": len(sel.files), "comparisons": len(sel.pairs),
        "tagmanifest_sha256": manifests.get("tagmanifest-sha256.txt"),
        "newest_event_seq": newest["seq"] if newest else None,
        "newest_event_hash": newest["hash"] if newest else None}, [pkg]))
    try:
        return catalog.transact(lambda s: record_package(s, events, operator))
    except PreservationError as exc:
        raise PreservationError(f"The package {c.path} is complete and valid, but its making could not be "
                                f"recorded in the catalog: {exc}") from exc


__all__ = ["FORMAT", "VERSION", "Created", "Options", "Request", "clean", "create"]
