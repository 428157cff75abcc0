"""NDSA Levels of Digital Preservation (2019 matrix), as far as the catalog can show them.

For each functional area we list the matrix's items per level and mark each one *shown* (the
catalog holds evidence), *not shown* (the catalog holds evidence against it or nothing), or
*outside the catalog* (a practice this tool cannot observe, such as write-blockers or access
policies). A level is claimed only when all its items, and all lower levels, are shown. The
next step is the first item that is not shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from preservation.analyse.copies import CopiesSummary
from preservation.catalog.copiesstore import catalog_facts, locations_by_id
from preservation.catalog.engine import Catalog

SHOWN, NOT_SHOWN, OUTSIDE = "shown", "not shown", "outside the catalog"
STABLE_MEDIA = {"hdd", "ssd", "nas", "cloud", "tape", "optical"}
FIXED_INTERVAL_DAYS = 400  # a verify of every location within this window counts as "fixed intervals"


@dataclass
class Item:
    level: int
    text: str  # the matrix's wording, shortened
    state: str
    evidence: str


@dataclass
class Area:
    name: str
    items: list[Item] = field(default_factory=list)

    @property
    def level(self) -> int:
        met = 0
        for lvl in (1, 2, 3, 4):
            if all(i.state == SHOWN for i in self.items if i.level == lvl):
                met = lvl
            else:
                break
        return met

    @property
    def next_step(self) -> Item | None:
        for i in sorted(self.items, key=lambda i: i.level):
            if i.state != SHOWN:
                return i
        return None


def assess_ndsa(catalog: Catalog, copies: CopiesSummary, now: datetime | None = None) -> list[Area]:
    now = now or datetime.now(UTC)
    with catalog.session() as s:
        facts = catalog_facts(s)
        locs = list(locations_by_id(s).values())
    total = copies.total
    files = int(facts["files"])  # type: ignore[call-overload]
    two_plus = total - copies.contents["at-risk"]
    three_offsite = copies.contents["meets-3-2-1"]
    media_known = bool(locs) and all(loc.media != "unknown" for loc in locs)
    verify_runs: list[tuple[int, datetime]] = facts["verify_runs"]  # type: ignore[assignment]
    last_verify = {lid: t for lid, t in verify_runs}
    recent = bool(locs) and all(
        loc.id in last_verify and now - last_verify[loc.id] < timedelta(days=FIXED_INTERVAL_DAYS)
        for loc in locs)
    repeated = sum(1 for lid in {lid for lid, _ in verify_runs}
                   if sum(1 for x, _ in verify_runs if x == lid) >= 2)

    def yes(cond: bool, good: str, bad: str) -> tuple[str, str]:
        return (SHOWN, good) if cond else (NOT_SHOWN, bad)

    def item(level: int, text: str, verdict: tuple[str, str]) -> Item:
        return Item(level, text, verdict[0], verdict[1])

    storage = Area("Storage", [
        item(1, "Two complete copies in separate locations", yes(
            total > 0 and two_plus == total, f"all {total:,} distinct files have at least two counted copies",
            f"{copies.contents['at-risk']:,} of {total:,} distinct files have only one counted copy")),
        item(1, "Document all storage media where content is stored", yes(
            media_known, "every location has a media type",
            "some locations have media 'unknown' (set it with location add --media)")),
        item(1, "Put content into stable storage", yes(
            bool(locs) and all(loc.media in STABLE_MEDIA for loc in locs),
            "every location is on hard disk, SSD, NAS, cloud, tape or optical storage",
            "some locations are on phones, flash sticks, SD cards or unknown media")),
        item(2, "Three complete copies, at least one in a separate geographic location", yes(
            total > 0 and three_offsite == total, "every file meets 3-2-1",
            f"{total - three_offsite:,} files fall short of three copies with one off-site")),
        item(2, "Document storage and media and what they need to function", (OUTSIDE, "not recorded in the catalog")),
        item(3, "A copy in a location with a different disaster threat", (OUTSIDE, "off-site is recorded; disaster threats are not")),
        item(3, "Plan and act on obsolescence of storage hardware, software and media", (OUTSIDE, "not recorded in the catalog")),
        item(4, "Three copies in locations with different disaster threats; no single point of failure", (OUTSIDE, "not recorded in the catalog")),
    ])
    integrity = Area("Integrity", [
        item(1, "Generate integrity information (checksums) for all content", yes(
            files > 0 and facts["unhashed"] == 0, f"SHA-256 recorded for all {files:,} files",
            f"{facts['unhashed']:,} files have no checksum yet (unreadable or not scanned)")),
        item(1, "Virus check all content", (OUTSIDE, "this tool does not scan for viruses")),
        item(2, "Verify integrity information when moving or copying content", (OUTSIDE, "copies made outside this tool are not observed")),
        item(2, "Back up integrity information separately from the content", (OUTSIDE, "export a manifest (preservation export) and store it elsewhere")),
        item(3, "Verify integrity information at fixed intervals", yes(
            recent and repeated == len(locs) and bool(locs),
            f"every location verified at least twice, the latest within {FIXED_INTERVAL_DAYS} days",
            "not every location has repeated verify runs (schedule 'preservation verify')")),
        item(3, "Document integrity verification processes and outcomes", yes(
            bool(verify_runs), "verify runs and their outcomes are in the provenance log",
            "no verify run recorded yet")),
        item(4, "Verify in response to events; replace or repair corrupted content", (OUTSIDE, "repairs are made by people")),
    ])
    control = Area("Control", [
        item(1, "Determine who (people and software) may read, write, move and delete content", (OUTSIDE, "access policy is not in the catalog")),
        item(2, "Document those authorisations and apply them", (OUTSIDE, "access policy is not in the catalog")),
        item(3, "Maintain logs of actions and the agents that performed them", yes(
            int(facts["operators"]) > 0,  # type: ignore[call-overload]
            "this tool's actions are logged with software agent and operator (only this tool's)",
            "no operator recorded yet")),
        item(4, "Periodic review of action and access logs", (OUTSIDE, "reviews are made by people")),
    ])
    metadata = Area("Metadata", [
        item(1, "Inventory of content and its storage locations", yes(
            files > 0, f"{files:,} files inventoried across {len(locs)} locations", "nothing scanned yet")),
        item(1, "Back up the inventory, a copy stored separately", (OUTSIDE, "back up the catalog file (or an export) to another location")),
        item(2, "Enough metadata to know what the content is", yes(
            files > 0, "technical metadata (format, size, dimensions, EXIF) recorded", "nothing scanned yet")),
        item(3, "Choose metadata standards; fill gaps", (OUTSIDE, "a decision for people")),
        item(4, "Record preservation actions and when they occurred", yes(
            files > 0, "PREMIS-typed events with times, agents and outcomes", "no events yet")),
    ])
    content = Area("Content", [
        item(1, "Understand the file formats of the content", yes(
            files > 0 and facts["unidentified"] == 0, "every file's format identified by its content",
            f"{facts['unidentified']:,} files of unidentified format")),
        item(2, "Inventory of file formats in use", yes(files > 0, "formats counted in the catalog", "nothing scanned yet")),
        item(3, "Monitor obsolescence of the formats and technologies content depends on", (OUTSIDE, "not tracked by this tool")),
        item(4, "Migrate, normalise or emulate so content stays usable", (OUTSIDE, "actions taken by people")),
    ])
    return [storage, integrity, control, metadata, content]


def ndsa_view(areas: list[Area]) -> list[dict[str, Any]]:
    return [{"area": a.name, "level": a.level,
             "next_step": None if a.next_step is None else {"level": a.next_step.level, "text": a.next_step.text,
                                                            "why": a.next_step.evidence},
             "items": [{"level": i.level, "text": i.text, "state": i.state, "evidence": i.evidence}
                       for i in a.items]} for a in areas]
