"""Exports anyone can check without this tool: a ``sha256sum`` manifest and the JSON catalog.

* :func:`write_sha256sum` writes what GNU ``sha256sum`` writes, so ``sha256sum -c`` run in the
  location's root re-checks every file. Names are written as their exact bytes; a name holding
  a backslash, a newline or a carriage return is escaped the GNU way (the line starts with a
  backslash, and ``\\\\``, ``\\n``, ``\\r`` stand for those characters).
* :func:`write_json` streams the whole catalog (locations, files, contents, events with their
  chain hashes) as one JSON document (``schemas/export.json``), a page at a time, and ends
  with the result of re-checking the event chain it just wrote.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy.orm import Session

from preservation import agent
from preservation.catalog.engine import Catalog
from preservation.catalog.events import event_record, iter_events
from preservation.catalog.exportstore import iter_contents, iter_manifest
from preservation.catalog.inventory import iso, iter_files
from preservation.catalog.locations import get_location, list_locations
from preservation.errors import UsageError
from preservation.provenance.chain import ChainBreak, format_time, verify_records

EXPORT_FORMAT = "preservation-catalog"
EXPORT_VERSION = 1


# --- sha256sum ---------------------------------------------------------------------------

def sha256sum_line(sha256: str, rel: bytes) -> bytes:
    """One manifest line exactly as GNU sha256sum (coreutils 9) writes it."""
    if any(c in rel for c in b"\\\n\r"):
        name = rel.replace(b"\\", b"\\\\").replace(b"\n", b"\\n").replace(b"\r", b"\\r")
        return b"\\" + sha256.encode() + b"  " + name + b"\n"
    return sha256.encode() + b"  " + rel + b"\n"


def manifest_location(catalog: Catalog, location: str | None) -> str:
    """The location a manifest is for: named, or the only one there is."""
    with catalog.session() as s:
        if location is not None:
            return get_location(s, location).name
        names = [loc.name for loc in list_locations(s)]
    if len(names) == 1:
        return names[0]
    raise UsageError(
        "A sha256sum manifest lists paths relative to one location's root; choose one with "
        f"--location ({', '.join(names) if names else 'no locations are registered yet'}).")


def write_sha256sum(catalog: Catalog, location: str, out: IO[bytes]) -> int:
    """Write the manifest of a location's present files; returns the number of lines."""
    n = 0
    with catalog.session() as s:
        loc = get_location(s, location)
        for rel, sha in iter_manifest(s, loc.id):
            out.write(sha256sum_line(sha, rel))
            n += 1
    return n


# --- JSON ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainCheck:
    """The result of re-computing the event chain."""

    events: int
    newest: dict[str, Any] | None  # seq, time, hash of the last event read
    broken: ChainBreak | None


def _check(s: Session, each: Callable[[dict[str, Any]], None] = lambda rec: None) -> ChainCheck:
    """Stream every event through ``each`` while re-computing the chain; a break does not
    stop the stream (an export still writes every event)."""
    newest: dict[str, Any] | None = None

    def records() -> Iterator[dict[str, Any]]:
        nonlocal newest
        for e in iter_events(s):
            rec = event_record(e)
            each(rec)
            newest = rec
            yield rec

    stream = records()
    count, broken = verify_records(stream)
    count += sum(1 for _ in stream)
    return ChainCheck(count, None if newest is None else {
        "seq": newest["seq"], "time": format_time(newest["time"]), "hash": newest["hash"]}, broken)


def check_chain(catalog: Catalog) -> ChainCheck:
    """Re-compute every link of the event chain, streaming; name the first broken one."""
    with catalog.session() as s:
        return _check(s)


def chain_view(check: ChainCheck) -> dict[str, Any]:
    return {"intact": check.broken is None, "events": check.events, "newest": check.newest,
            "first_break": None if check.broken is None else {
                "seq": check.broken.seq, "reason": check.broken.reason}}


def write_json(catalog: Catalog, out: IO[str]) -> ChainCheck:
    """Stream the whole catalog as one JSON document; returns the chain check it ends with."""
    def dump(v: Any) -> str:
        return json.dumps(v, ensure_ascii=False)

    def array(key: str, items: Iterable[Any]) -> None:
        out.write(f',\n"{key}": [')
        for i, item in enumerate(items):
            out.write((",\n" if i else "\n") + dump(item))
        out.write("\n]")

    with catalog.session() as s:
        out.write(f'{{"format": {dump(EXPORT_FORMAT)}, "version": {EXPORT_VERSION}, '
                  f'"agent": {dump(agent())}, "exported": {dump(format_time(datetime.now(UTC)))}')
        array("locations", [{
            "name": loc.name, "root": loc.root, "media": loc.media, "site": loc.site,
            "sync": loc.sync, "trust": loc.trust, "note": loc.note,
            "created": iso(loc.created_at), "last_scan": iso(loc.last_scan_at),
            "last_verify": iso(loc.last_verify_at)} for loc in list_locations(s)])
        array("files", iter_files(s))
        array("contents", iter_contents(s))
        out.write(',\n"events": [')
        written = 0

        def write_event(rec: dict[str, Any]) -> None:
            nonlocal written
            out.write((",\n" if written else "\n")
                      + dump({**rec, "time": format_time(rec["time"])}))
            written += 1

        check = _check(s, write_event)
        out.write("\n]")
        out.write(',\n"chain": ' + dump(chain_view(check)) + "\n}\n")
    return check
