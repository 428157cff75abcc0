"""3-2-1 backup status: three copies, on two kinds of media, one off-site.

A copy *counts* only when a person can rely on it today: its bytes were verified (hashed by a
scan or checked by verify) within the freshness window, its location is trusted and reachable,
and it is not a sync-service folder (a sync folder propagates deletions, so it is not a backup
on its own). Copies are by SHA-256: a derivative or an edit is a different content and never
makes an original safe. Several files with the same content in one location are one copy.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any

from preservation.catalog.copiesstore import CopyRow, iter_copy_rows, locations_by_id
from preservation.catalog.engine import Catalog
from preservation.catalog.inventory import iso
from preservation.catalog.models import Location
from preservation.units import human_bytes
from preservation.vocabulary import Media, ProblemCode, Site, Trust

DEFAULT_MAX_AGE_DAYS = 365
MEETS, AT_RISK, SHORT = "meets-3-2-1", "at-risk", "short"
BAD_VERIFY = {"changed", "unreadable", "missing"}


@dataclass(frozen=True, slots=True)
class LocationFacts:
    name: str
    media: str
    site: str
    sync: bool
    trust: str
    reachable: bool

    @classmethod
    def of(cls, loc: Location) -> LocationFacts:
        return cls(loc.name, loc.media, loc.site, loc.sync, loc.trust, os.path.isdir(loc.root_bytes))


@dataclass(slots=True)
class Copy:
    location: str
    path: str
    media: str
    site: str
    sync: bool
    verified_at: datetime | None
    age_days: float | None
    counts: bool
    why_not: str | None  # plain words: why this copy does not count


@dataclass(slots=True)
class ContentStatus:
    sha256: str
    size: int
    is_image: bool
    status: str
    copies: list[Copy]
    counted: int
    media_kinds: list[str]
    offsite: int
    missing: list[str]  # what exactly is needed to meet 3-2-1

    @property
    def primary_location(self) -> str:
        counted = [c.location for c in self.copies if c.counts]
        return (counted or [c.location for c in self.copies])[0]


def _age(t: datetime | None, now: datetime) -> float | None:
    return None if t is None else max(0.0, (now - t).total_seconds() / 86400)


def _copy(row: CopyRow, loc: LocationFacts, now: datetime, max_age: float) -> Copy:
    verified = row.hashed_at
    if row.verified_at and row.verify_status == "ok" and (verified is None or row.verified_at > verified):
        verified = row.verified_at
    age = _age(verified, now)
    why = None
    if loc.trust != Trust.TRUSTED:
        why = f"{loc.name} is marked untrusted"
    elif not loc.reachable:
        why = f"{loc.name} is not reachable now, so this copy is unverified (not missing)"
    elif row.verify_status in BAD_VERIFY or row.problem not in (None, ProblemCode.EXTENSION_MISMATCH):
        why = f"the last check found this copy {row.verify_status or row.problem}"
    elif age is None:
        why = "its bytes have never been verified"
    elif age > max_age:
        why = f"last verified {age:,.0f} days ago (older than {max_age:,.0f})"
    elif loc.sync:
        why = f"{loc.name} is a sync service: deletions propagate, so it is not a backup on its own"
    return Copy(loc.name, row.path, loc.media, loc.site, loc.sync, verified, age, why is None, why)


def classify(copies: list[Copy]) -> tuple[str, int, list[str], int, list[str]]:
    counting = [c for c in copies if c.counts]
    n = len(counting)
    kinds = sorted({c.media for c in counting if c.media != Media.UNKNOWN})
    offsite = sum(c.site == Site.OFFSITE for c in counting)
    missing: list[str] = []
    if n < 3:
        missing.append(f"{3 - n} more verified cop{'y' if 3 - n == 1 else 'ies'} (has {n})")
    if len(kinds) < 2:
        unknown = any(c.media == Media.UNKNOWN for c in counting)
        missing.append("a copy on a second kind of media" + (
            " (set the media type of locations marked 'unknown')" if unknown else ""))
    if offsite < 1:
        missing.append("an off-site copy")
    for c in copies:
        if not c.counts and c.why_not:
            missing.append(f"the copy on {c.location} does not count: {c.why_not}")
    status = MEETS if (n >= 3 and len(kinds) >= 2 and offsite >= 1) else AT_RISK if n <= 1 else SHORT
    return status, n, kinds, offsite, missing if status != MEETS else []


def assess(catalog: Catalog, *, max_age_days: float = DEFAULT_MAX_AGE_DAYS,
           now: datetime | None = None) -> Iterator[ContentStatus]:
    """The 3-2-1 status of every distinct content, streamed."""
    now = now or datetime.now(UTC)
    with catalog.session() as s:
        locs = {i: LocationFacts.of(loc) for i, loc in locations_by_id(s).items()}
        for _cid, rows_iter in groupby(iter_copy_rows(s), key=lambda r: r.content_id):
            rows = list(rows_iter)
            per_loc: dict[str, Copy] = {}
            for r in rows:
                c = _copy(r, locs[r.location_id], now, max_age_days)
                best = per_loc.get(c.location)
                # one copy per location: the best-verified file there
                if best is None or (c.counts and not best.counts) or (
                        c.counts == best.counts and (c.age_days or 1e9) < (best.age_days or 1e9)):
                    per_loc[c.location] = c
            copies = list(per_loc.values())
            status, n, kinds, offsite, missing = classify(copies)
            yield ContentStatus(rows[0].sha256, rows[0].size, rows[0].is_image, status, copies, n,
                                kinds, offsite, missing)


@dataclass
class CopiesSummary:
    max_age_days: float
    contents: Counter[str] = field(default_factory=Counter)  # status -> count
    images: Counter[str] = field(default_factory=Counter)
    bytes: Counter[str] = field(default_factory=Counter)
    # at-risk contents grouped by the one location that holds a counting copy
    at_risk_by_location: dict[str, list[ContentStatus]] = field(default_factory=lambda: defaultdict(list))
    at_risk_counts: Counter[str] = field(default_factory=Counter)
    short_reasons: Counter[str] = field(default_factory=Counter)
    keep: int = 200  # how many at-risk contents per location to keep for display

    def add(self, cs: ContentStatus) -> None:
        self.contents[cs.status] += 1
        self.bytes[cs.status] += cs.size
        if cs.is_image:
            self.images[cs.status] += 1
        if cs.status == AT_RISK:
            loc = cs.primary_location
            self.at_risk_counts[loc] += 1
            if len(self.at_risk_by_location[loc]) < self.keep:
                self.at_risk_by_location[loc].append(cs)
        elif cs.status == SHORT:
            for m in cs.missing:
                if not m.startswith("the copy on"):
                    self.short_reasons[m.split(" (")[0]] += 1

    @property
    def total(self) -> int:
        return sum(self.contents.values())

    @property
    def ok(self) -> bool:
        return self.contents[AT_RISK] == 0 and self.contents[SHORT] == 0

    def sentences(self) -> list[str]:
        """The summary in plain words, most important first."""
        def things(n: int, images: int) -> str:
            noun = "photos" if images == n else "files"
            return f"{n:,} {noun if n != 1 else noun[:-1]}"

        out = []
        if not self.total:
            return ["The catalog holds no files yet: scan a location first."]
        n = self.contents[MEETS]
        out.append(f"{things(n, self.images[MEETS])} meet 3-2-1 ({human_bytes(self.bytes[MEETS])})."
                   if n else "No file meets 3-2-1 yet (three verified copies, two kinds of media, one off-site).")
        for loc, k in self.at_risk_counts.most_common():
            imgs = sum(1 for cs in self.at_risk_by_location[loc] if cs.is_image)
            noun = things(k, k if imgs == len(self.at_risk_by_location[loc]) else -1)
            verb = "exists" if k == 1 else "exist"
            out.append(f"{noun} {verb} only on {loc}: copy them to another drive and to an off-site location.")
        short = self.contents[SHORT]
        if short:
            reasons = "; ".join(f"{r} ({c:,})" for r, c in self.short_reasons.most_common(3))
            verb = "has copies but falls" if short == 1 else "have copies but fall"
            out.append(f"{short:,} more {verb} short of 3-2-1: missing {reasons}.")
        return out


def summarise(statuses: Iterable[ContentStatus], max_age_days: float, keep: int = 200) -> CopiesSummary:
    summary = CopiesSummary(max_age_days, keep=keep)
    for cs in statuses:
        summary.add(cs)
    return summary


def content_view(cs: ContentStatus) -> dict[str, Any]:
    return {"sha256": cs.sha256, "size": cs.size, "is_image": cs.is_image, "status": cs.status,
            "copies_counted": cs.counted, "media_kinds": cs.media_kinds, "offsite_copies": cs.offsite,
            "missing": cs.missing,
            "copies": [{"location": c.location, "path": c.path, "media": c.media, "site": c.site,
                        "sync": c.sync, "verified": iso(c.verified_at),
                        "days_since_verified": None if c.age_days is None else round(c.age_days, 1),
                        "counts": c.counts, "why_not": c.why_not} for c in cs.copies]}


def summary_view(summary: CopiesSummary) -> dict[str, Any]:
    return {"max_age_days": summary.max_age_days, "total": summary.total,
            "meets_3_2_1": summary.contents[MEETS], "short": summary.contents[SHORT],
            "at_risk": summary.contents[AT_RISK],
            "bytes": {k: summary.bytes[k] for k in (MEETS, SHORT, AT_RISK)},
            "images": {k: summary.images[k] for k in (MEETS, SHORT, AT_RISK)},
            "at_risk_by_location": dict(summary.at_risk_counts.most_common()),
            "short_reasons": dict(summary.short_reasons.most_common()),
            "sentences": summary.sentences()}
