"""Registering, listing and forgetting storage locations."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event
from preservation.catalog.models import File, Location
from preservation.errors import LocationError
from preservation.vocabulary import EventOutcome, EventType, Media, Site, Trust


def get_location(s: Session, name: str) -> Location:
    name = paths.text(name)
    loc = s.scalars(select(Location).where(Location.name == name)).first()
    if loc is None:
        known = ", ".join(s.scalars(select(Location.name).order_by(Location.name))) or "none yet"
        raise LocationError(f"No location named {name!r}. Known locations: {known}.",
                            hint="Register one with: preservation location add NAME PATH")
    return loc


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


def _check_overlap(s: Session, root: bytes) -> None:
    for loc in list_locations(s):
        inside = paths.relative_to(root, loc.root_bytes) is not None
        if inside or paths.relative_to(loc.root_bytes, root) is not None:
            raise LocationError(
                f"{paths.printable(root)} overlaps location {loc.name!r} ({loc.root}). "
                "Nested locations would count the same files twice as separate copies.",
                hint=f"Scan {loc.name!r} instead, or remove it first.",
            )


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
