"""The one location resolver and the one never-write-here guard (catalog/locations.py).

Every command that takes locations (scan, verify, audit, compare) resolves them with
:func:`resolve_locations`; every command that writes a file (report, evidence, lookalikes diff,
workshop sample and handout) asks :func:`refuse_writing_into_locations` first.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from preservation.catalog.engine import Catalog
from preservation.catalog.locations import (
    add_location,
    find_location,
    list_locations,
    refuse_writing_into_locations,
    resolve_locations,
)
from preservation.errors import LocationError, UsageError


@pytest.fixture
def drive(catalog: Catalog, tmp_path: Path) -> Path:
    root = tmp_path / "drive"
    (root / "photos").mkdir(parents=True)
    (root / "photos" / "a.jpg").write_bytes(b"x")
    add_location(catalog, "Drive", root)
    return root


def test_a_name_or_a_root_folder_finds_the_location(catalog: Catalog, drive: Path) -> None:
    with catalog.session() as s:
        for target in ("Drive", str(drive), str(drive) + "/"):
            found = find_location(s, target, verb="scan")
            assert not isinstance(found, bytes) and found.name == "Drive"


def test_a_folder_in_no_location_is_returned_to_register_or_refuse(catalog: Catalog, drive: Path,
                                                                  tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    with catalog.session() as s:
        assert find_location(s, str(other), verb="scan") == os.fsencode(other)
    with pytest.raises(LocationError, match="No location named"):
        resolve_locations(catalog, [str(other)], verb="verify")
    resolved = resolve_locations(catalog, [str(other)], verb="scan", register=True)
    assert resolved.registered == ["other"] and [loc.name for loc in resolved.locations] == ["other"]
    # the second time it is the registered location, not registered again
    again = resolve_locations(catalog, [str(other)], verb="scan", register=True)
    assert again.registered == [] and [loc.name for loc in again.locations] == ["other"]


def test_refusals_say_what_to_do(catalog: Catalog, drive: Path, tmp_path: Path) -> None:
    with catalog.session() as s:
        with pytest.raises(LocationError, match=r"No location named 'Nope'\. Known locations: Drive"):
            find_location(s, "Nope", verb="scan")
        with pytest.raises(LocationError, match="is not a folder"):
            find_location(s, str(drive / "photos" / "a.jpg"), verb="scan")
        with pytest.raises(LocationError, match="inside the location 'Drive'; verify the whole location: "
                                                 "preservation verify 'Drive'"):
            find_location(s, str(drive / "photos"), verb="verify")
    for register in (False, True):  # a folder inside a location is never registered as another
        with pytest.raises(LocationError, match="inside the location 'Drive'"):
            resolve_locations(catalog, [str(drive / "photos")], verb="scan", register=register)
    with catalog.session() as s:
        assert [loc.name for loc in list_locations(s)] == ["Drive"]


def test_no_targets_means_every_location(catalog: Catalog, tmp_path: Path) -> None:
    with pytest.raises(LocationError, match="No locations are registered yet, so there is nothing to verify"):
        resolve_locations(catalog, [], verb="verify")
    for name in ("b", "a"):
        (tmp_path / name).mkdir()
        add_location(catalog, name, tmp_path / name)
    assert [loc.name for loc in resolve_locations(catalog, [], verb="scan").locations] == ["a", "b"]


def test_never_write_inside_a_location(catalog: Catalog, drive: Path, tmp_path: Path) -> None:
    with catalog.session() as s:
        for inside in (drive, drive / "report.pdf", drive / "photos" / "new" / "bag"):
            with pytest.raises(UsageError, match=r"is inside the location 'Drive'.*never writes there"):
                refuse_writing_into_locations(s, inside)
        refuse_writing_into_locations(s, tmp_path / "report.pdf")  # beside it: fine
        refuse_writing_into_locations(s, tmp_path / "drive2" / "x")  # a name that only starts alike
        # a folder to fill that holds a location is refused only when asked (``around``)
        refuse_writing_into_locations(s, tmp_path)
        for folder in (tmp_path, drive / "new"):
            with pytest.raises(UsageError, match="overlaps the registered location 'Drive'"):
                refuse_writing_into_locations(s, folder, around=True)
        # a link that leads into the location is followed, not trusted
        link = tmp_path / "link"
        link.symlink_to(drive / "photos")
        with pytest.raises(UsageError, match="inside the location 'Drive'"):
            refuse_writing_into_locations(s, link / "report.pdf", shown="link/report.pdf",
                                          advice="Write it elsewhere.")
        with pytest.raises(UsageError, match=r"^link/report.pdf is inside .* Write it elsewhere\.$"):
            refuse_writing_into_locations(s, link / "report.pdf", shown="link/report.pdf",
                                          advice="Write it elsewhere.")
