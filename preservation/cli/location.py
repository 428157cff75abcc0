"""``preservation location``: register, list, show and forget storage locations."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from preservation.catalog.engine import Catalog
from preservation.catalog.events import default_operator
from preservation.catalog.inventory import iso
from preservation.catalog.locations import (
    add_location,
    get_location,
    list_locations,
    location_stats,
    remove_location,
)
from preservation.catalog.models import Location
from preservation.cli.context import (
    AppContext,
    console,
    emit_json,
    human_bytes,
    name_text,
    operator_option,
    pass_app,
)
from preservation.vocabulary import Media, Site, Trust


def location_view(catalog: Catalog, loc: Location) -> dict[str, object]:
    with catalog.session() as s:
        stats = location_stats(s, loc)
    return {"name": loc.name, "root": loc.root, "media": loc.media, "site": loc.site,
            "sync": loc.sync, "trust": loc.trust, "note": loc.note,
            "created": iso(loc.created_at), "last_scan": iso(loc.last_scan_at),
            "last_verify": iso(loc.last_verify_at), **stats}


@click.group()
def location() -> None:
    """Register, list, show and forget storage locations (drives, folders, cloud syncs)."""


@location.command("add")
@click.argument("name")
@click.argument("path", type=click.Path(file_okay=False))
@click.option("--media", type=click.Choice([m.value for m in Media]), default=Media.UNKNOWN.value,
              show_default=True, help="What kind of storage holds this location.")
@click.option("--site", type=click.Choice([s.value for s in Site]), default=Site.ONSITE.value,
              show_default=True, help="Is it kept in the same building as the others?")
@click.option("--sync", is_flag=True,
              help="A sync service folder (propagates deletions; not a backup on its own).")
@click.option("--trust", type=click.Choice([t.value for t in Trust]), default=Trust.TRUSTED.value,
              show_default=True, help="Untrusted locations are inventoried but never count as a copy.")
@click.option("--note", help="Free text, e.g. where the drive is kept.")
@operator_option
@pass_app
def add(app: AppContext, name: str, path: str, media: str, site: str, sync: bool, trust: str,
        note: str | None, operator: str | None) -> None:
    """Register PATH as location NAME. Nothing is read or written there until you scan."""
    app.creates = True
    loc = add_location(app.catalog, name, path, media=media, site=site, sync=sync, trust=trust,
                       note=note, operator=operator or default_operator())
    console().print(f"Added location [bold]{escape(loc.name)}[/]: {escape(loc.root)} ({loc.media}, {loc.site}"
                    f"{', sync' if loc.sync else ''}).", markup=True, highlight=False)


@location.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schemas/locations.json).")
@pass_app
def list_(app: AppContext, as_json: bool) -> None:
    """List registered locations with file counts and when they were last scanned."""
    with app.catalog.session() as s:
        locs = list_locations(s)
    views = [location_view(app.catalog, loc) for loc in locs]
    if as_json:
        emit_json({"locations": views})
        return
    if not views:
        console().print("No locations yet. Add one: preservation location add NAME PATH")
        return
    t = Table("Name", "Root", "Media", "Site", "Sync", "Files", "Size", "Last scan")
    for v in views:
        t.add_row(name_text(v["name"]), name_text(v["root"]), str(v["media"]), str(v["site"]),
                  "yes" if v["sync"] else "", f"{v['files']:,}", human_bytes(int(v["bytes"])),  # type: ignore[call-overload]
                  str(v["last_scan"] or "never"))
    console().print(t)


@location.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_app
def show(app: AppContext, name: str, as_json: bool) -> None:
    """Show one location's settings and counts."""
    with app.catalog.session() as s:
        loc = get_location(s, name)
    v = location_view(app.catalog, loc)
    if as_json:
        emit_json(v)
        return
    c = console()
    for k, val in v.items():
        c.print(f"{k:>12}: {val if val is not None else '-'}", markup=False)


@location.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@operator_option
@pass_app
def remove(app: AppContext, name: str, yes: bool, operator: str | None) -> None:
    """Forget location NAME and its file records. The files themselves are never touched."""
    with app.catalog.session() as s:
        loc = get_location(s, name)
    if not yes:
        click.confirm(f"Forget location {loc.name!r} ({loc.root}) and its file records? "
                      "The files on disk are not touched.", abort=True)
    n = remove_location(app.catalog, name, operator=operator or default_operator())
    console().print(f"Forgot location {name!r} and {n:,} file records. No file was touched.", markup=False)
