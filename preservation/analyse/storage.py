"""The storage picture: bytes per location and media, and duplicates *within* one location.

Only the same content stored twice in the same place is reclaimable; copies in other locations
are backups, not waste. Nothing is ever removed by this tool: the figure is information.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from preservation.catalog.copiesstore import bytes_per_location, duplicates_within_locations, locations_by_id
from preservation.catalog.engine import Catalog

DEFAULT_PRICE_PER_GB_MONTH = 0.023  # object storage, standard tier (USD per 10^9 bytes per month)


@dataclass
class LocationStorage:
    name: str
    media: str
    site: str
    files: int
    bytes: int
    duplicate_sets: int = 0  # contents stored more than once here
    reclaimable_bytes: int = 0  # bytes of the extra copies inside this location


@dataclass
class StoragePicture:
    price_per_gb_month: float
    locations: list[LocationStorage] = field(default_factory=list)
    by_media: dict[str, int] = field(default_factory=dict)
    examples: list[tuple[str, str, int, int]] = field(default_factory=list)  # loc, sha, size, copies

    @property
    def total_bytes(self) -> int:
        return sum(loc.bytes for loc in self.locations)

    @property
    def reclaimable_bytes(self) -> int:
        return sum(loc.reclaimable_bytes for loc in self.locations)

    @property
    def monthly_cost(self) -> float:
        return self.reclaimable_bytes / 1e9 * self.price_per_gb_month


def storage_picture(catalog: Catalog, price_per_gb_month: float = DEFAULT_PRICE_PER_GB_MONTH,
                    examples: int = 50) -> StoragePicture:
    pic = StoragePicture(price_per_gb_month)
    with catalog.session() as s:
        locs = locations_by_id(s)
        counts = bytes_per_location(s)
        per: dict[int, LocationStorage] = {}
        for lid, loc in sorted(locs.items(), key=lambda kv: kv[1].name):
            files, nbytes = counts.get(lid, (0, 0))
            per[lid] = LocationStorage(loc.name, loc.media, loc.site, files, nbytes)
        media: dict[str, int] = defaultdict(int)
        for ls in per.values():
            media[ls.media] += ls.bytes
        for lid, sha, size, n in duplicates_within_locations(s):
            ls = per[lid]
            ls.duplicate_sets += 1
            ls.reclaimable_bytes += size * (n - 1)
            if len(pic.examples) < examples:
                pic.examples.append((ls.name, sha, size, n))
    pic.locations = list(per.values())
    pic.by_media = dict(sorted(media.items(), key=lambda kv: -kv[1]))
    return pic


def storage_view(pic: StoragePicture) -> dict[str, Any]:
    return {"price_per_gb_month": pic.price_per_gb_month, "total_bytes": pic.total_bytes,
            "reclaimable_bytes_within_locations": pic.reclaimable_bytes,
            "monthly_cost_of_reclaimable": round(pic.monthly_cost, 4),
            "by_media": pic.by_media,
            "locations": [vars(loc) for loc in pic.locations],
            "duplicates_within_locations": [{"location": n, "sha256": s, "size": z, "copies": c}
                                            for n, s, z, c in pic.examples]}
