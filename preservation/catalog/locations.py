"""Registering, listing, finding and forgetting storage locations; the never-write-here guard.

Two things every command shares live here, once:

* :func:`resolve_locations` turns what a person typed (location names, or folders) into
  locations, registering a new folder on the fly where the command allows it;
* :func:`refuse_writing_into_locations` refuses any output path in (or, for a new folder of
  many files, around) a registered location: the tool never writes into a scanned location.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event
from preservation.catalog.models import File, Location
from preservation.errors import LocationError, UsageError
from preservation.vocabulary import EventOutcome, EventType, Media, Site, Trust


def get_location(s: Session, name: str) -> Location:
    name = paths.text(name)
    loc = s.scalars(select(Location).where(Location.name == name)).first()
    if loc is None:
        raise _unknown(s, name)
    return loc


def _unknown(s: Session, name: str) -> LocationError:
    known = ", ".join(s.scalars(select(Location.name).order_by(Location.name))) or "none yet"
    return LocationError(f"No location named {name!r}. Known locations: {known}.",
                         hint="Register one with: preservation location add NAME PATH")


def list_locations(s: Session) -> list[Location]:
    return list(s.scalars(select(Location).order_by(Location.name)))


def location_for_path(s: Session, path: bytes) -> tuple[Location, bytes] | None:
    """The registered location containing absolute ``path``, and the path relative to it."""
    best: tuple[Location, bytes] | None = None
    for loc in list_locations(s):
        rel = paths.relative_to(path, loc.root_bytes)
        if rel is not None and (best is None or len(loc.root_bytes) > len(best[0].root_bytes)):
            best = (loc, rel)
    return best


def overlapping_location(s: Session, path: bytes, *, around: bool = False) -> Location | None:
    """A registered location holding absolute ``path`` (or being it); with ``around``, also one
    inside ``path``."""
    for loc in list_locations(s):
        if (paths.relative_to(path, loc.root_bytes) is not None
                or (around and paths.relative_to(loc.root_bytes, path) is not None)):
            return loc
    return None


def refuse_writing_into_locations(s: Session, path: str | bytes | os.PathLike[str], *,
                                  shown: str | None = None, around: bool = False,
                                  advice: str = "Choose another folder.") -> None:
    """Raise :class:`UsageError` if ``path`` (a file or folder about to be written) is in a
    registered location; with ``around`` (a folder to fill), also if a location is inside it.

    ``shown``: the path as the person gave it (default: ``path``); ``advice``: what to do.
    """
    target = paths.absolute(path)
    loc = overlapping_location(s, target, around=around)
    if loc is None:
        return
    where = "overlaps the registered location" if around else "is inside the location"
    raise UsageError(f"{shown or paths.printable(target)} {where} {loc.name!r} ({loc.root}): this "
                     f"tool never writes there (it never writes into a scanned location). {advice}")


def _check_overlap(s: Session, root: bytes) -> None:
    loc = overlapping_location(s, root, around=True)
    if loc is not None:
        raise LocationError(
            f"{paths.printable(root)} overlaps location {loc.name!r} ({loc.root}). "
            "Nested locations would count the same files twice as separate copies.",
            hint=f"Scan {loc.name!r} instead, or remove it first.",
        )


def find_location(s: Session, target: str, *, verb: str) -> Location | bytes:
    """The location named ``target`` or whose root folder it is; or, for a folder in no
    location, that folder (absolute) for the caller to register or refuse.

    Raises :class:`LocationError` for an unknown name that is no existing path, a path that is
    not a folder, and a folder inside a location (``verb``: the command, for the advice).
    """
    try:
        return get_location(s, target)
    except LocationError:
        if not os.path.exists(os.path.expanduser(target)):
            raise
    folder = paths.absolute(target)
    if not os.path.isdir(folder):
        raise LocationError(f"{target} is not a folder; a location is a folder to scan.")
    found = location_for_path(s, folder)
    if found is None:
        return folder
    loc, rel = found
    if rel:
        raise LocationError(f"{target} is inside the location {loc.name!r}; {verb} the whole "
                            f"location: preservation {verb} {loc.name!r}")
    return loc


@dataclass(slots=True)
class Resolved:
    """The locations a command works on, and the names of those it registered to do so."""

    locations: list[Location] = field(default_factory=list)
    registered: list[str] = field(default_factory=list)


def resolve_locations(catalog: Catalog, targets: Sequence[str], *, verb: str,
                      register: bool = False, operator: str | None = None) -> Resolved:
    """Location names or folders; none means every registered location.

    ``register``: a folder in no location is registered on the fly (media 'unknown', named
    after the folder); otherwise it is refused as an unknown location.
    """
    out = Resolved()
    if not targets:
        with catalog.session() as s:
            out.locations = list_locations(s)
        if not out.locations:
            raise LocationError(f"No locations are registered yet, so there is nothing to {verb}.",
                                hint="Add one: preservation location add NAME PATH, "
                                     "or scan a path: preservation scan PATH")
        return out
    for t in targets:
        with catalog.session() as s:
            found = find_location(s, t, verb=verb)
            if isinstance(found, Location):
                out.locations.append(found)
                continue
            if not register:
                raise _unknown(s, paths.text(t))
            name = unique_name(s, os.path.basename(paths.printable(found).rstrip("/")) or "root")
        out.locations.append(add_location(catalog, name, found, operator=operator))
        out.registered.append(name)
    return out


NAME_LENGTH = 200  # locations.name is VARCHAR(200)


def unique_name(s: Session, wanted: str) -> str:
    existing = set(s.scalars(select(Location.name)))
    wanted = wanted[:NAME_LENGTH - 10]  # room for " (n)"
    name, n = wanted or "location", 2
    while name in existing:
        name = f"{wanted} ({n})"
        n += 1
    return name


def add_location(
    catalog: Catalog,
    name: str,
    root: str | bytes | os.PathLike[str],
    *,
    media: str = Media.UNKNOWN,
    site: str = Site.ONSITE,
    sync: bool = False,
    trust: str = Trust.TRUSTED,
    note: str | None = None,
    operator: str | None = None,
) -> Location:
    name, note = paths.text(name).strip(), None if note is None else paths.text(note)
    if not name:
        raise LocationError("A location needs a name.")
    if "/" in name:  # events name a file "location/path": "a/b" + "c" would read as "a" + "b/c"
        raise LocationError(f"A location's name cannot contain '/' ({name!r} given).")
    if len(name) > NAME_LENGTH:
        raise LocationError(f"A location's name can have at most {NAME_LENGTH} characters "
                            f"({len(name)} given).")
    for value, enum in ((media, Media), (site, Site), (trust, Trust)):
        if value not in {m.value for m in enum}:
            choices = ", ".join(m.value for m in enum)
            raise LocationError(f"{value!r} is not one of: {choices}.")
    root_b = paths.absolute(root)
    if not os.path.isdir(root_b):
        raise LocationError(f"{paths.printable(root_b)} is not a folder that exists here.",
                            hint="Is the drive plugged in and mounted?")

    def work(s: Session) -> Location:
        if s.scalars(select(Location).where(Location.name == name)).first():
            raise LocationError(f"A location named {name!r} already exists.")
        _check_overlap(s, root_b)
        loc = Location(name=name, root=paths.printable(root_b), root_bytes=root_b, media=media,
                       site=site, sync=sync, trust=trust, note=note, created_at=datetime.now(UTC))
        s.add(loc)
        s.flush()
        append_event(s, EventType.CATALOG_CHANGE, EventOutcome.SUCCESS, operator=operator,
                     objects=[f"location:{name}"],
                     detail={"action": "location added", "root": loc.root, "media": media,
                             "site": site, "sync": sync, "trust": trust})
        return loc

    return catalog.transact(work)


def remove_location(catalog: Catalog, name: str, *, operator: str | None = None) -> int:
    """Forget a location and its file rows. Never touches the files themselves."""

    def work(s: Session) -> int:
        loc = get_location(s, name)
        n = s.scalar(select(func.count()).select_from(File).where(File.location_id == loc.id)) or 0
        s.execute(delete(File).where(File.location_id == loc.id))
        append_event(s, EventType.CATALOG_CHANGE, EventOutcome.SUCCESS, operator=operator,
                     objects=[f"location:{name}"],
                     detail={"action": "location forgotten (files untouched)", "root": loc.root,
                             "file_rows_forgotten": n})
        s.delete(loc)
        return n

    return catalog.transact(work)


def location_stats(s: Session, loc: Location) -> dict[str, int]:
    row = s.execute(
        select(func.count(), func.coalesce(func.sum(File.size), 0))
        .where(File.location_id == loc.id, File.state == "present")
    ).one()
    problems = s.scalar(select(func.count()).select_from(File).where(
        File.location_id == loc.id, File.state == "present", File.problem.is_not(None))) or 0
    missing = s.scalar(select(func.count()).select_from(File).where(
        File.location_id == loc.id, File.state == "missing")) or 0
    return {"files": int(row[0]), "bytes": int(row[1]), "problems": int(problems), "missing": int(missing)}
