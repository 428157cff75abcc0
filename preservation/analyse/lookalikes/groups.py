"""Groups of connected pairs, the likely original of each, and stable group numbers.

The likely original is judged on what a person would check: the highest resolution, camera
metadata still there (a re-encode or a platform download usually loses it), no editing
software named, the richest metadata, the earliest capture time, the copy seen first. Every
reason that picked it is reported. Group ids are 1, 2, 3... in the order of each group's
smallest SHA-256, so the same catalog gives the same numbers; ``key`` (that SHA-256's first
12 characters) stays the same even when other groups appear or a location is left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from preservation.catalog.lookalikestore import ContentInfo
from preservation.fingerprint.exif import camera_label

from .evidence import parse_capture

_EDITORS = ("photoshop", "lightroom", "gimp", "snapseed", "picasa", "instagram", "facetune",
            "affinity", "pixelmator", "darktable", "capture one", "paint", "canva", "vsco",
            "luminar", "photos ")


class UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def components(self, items: Iterable[int]) -> list[list[int]]:
        out: dict[int, list[int]] = {}
        for x in items:
            out.setdefault(self.find(x), []).append(x)
        return list(out.values())


@dataclass(slots=True)
class Rank:
    """Why one content is more likely the original than another (higher sorts first)."""

    score: int
    key: tuple[object, ...]
    reasons: list[str] = field(default_factory=list)


def _pixels(c: ContentInfo) -> int:
    return (c.width or 0) * (c.height or 0)


def _has_camera(c: ContentInfo) -> bool:
    return bool(c.camera_make or c.camera_model or c.exif.get("Make") or c.exif.get("Model"))


def _edited_with(c: ContentInfo) -> str | None:
    sw = str(c.exif.get("Software") or "").strip()
    return sw if sw and any(e in sw.lower() for e in _EDITORS) else None


def _capture(c: ContentInfo) -> datetime | None:
    parsed = parse_capture(c.capture_time)
    return parsed[0] if parsed else None


def rank_contents(cs: Sequence[ContentInfo], first_seen: dict[int, datetime | None]) -> dict[int, Rank]:
    """Points for each sign of an original; ties broken by pixels, bytes, then SHA-256."""
    if not cs:
        return {}
    most_pixels = max(_pixels(c) for c in cs)
    captures = [t for t in (_capture(c) for c in cs) if t is not None]
    earliest_capture = min(captures) if captures else None
    seen = [t for t in (first_seen.get(c.id) for c in cs) if t is not None]
    earliest_seen = min(seen) if seen else None
    most_fields = max(len(c.exif) for c in cs)
    out: dict[int, Rank] = {}
    for c in cs:
        score, why = 0, []
        px = _pixels(c)
        if px and px == most_pixels:
            score += 3
            why.append(f"highest resolution ({c.width}x{c.height})")
        if _has_camera(c):
            score += 2
            cam = camera_label(c.camera_make, c.camera_model) or "camera"
            why.append(f"camera metadata kept ({cam})")
        editor = _edited_with(c)
        if editor is None:
            score += 1
        if c.exif and len(c.exif) == most_fields and len(cs) > 1:
            score += 1
            why.append(f"richest metadata ({len(c.exif)} fields)")
        t = _capture(c)
        if t is not None and t == earliest_capture and len(captures) > 1:
            score += 1
            why.append(f"earliest capture time ({c.capture_time})")
        fs = first_seen.get(c.id)
        if fs is not None and fs == earliest_seen and len(seen) > 1:
            score += 1
            why.append(f"seen first ({fs.date().isoformat()})")
        if editor is not None:
            why.append(f"note: saved by {editor}")
        bpp = c.size / px if px else 0.0
        out[c.id] = Rank(score, (score, px, bpp, c.size, _neg(c.sha256)), why)
    return out


def _neg(sha: str) -> str:
    """Sorts the smallest SHA-256 first under reverse=True ordering."""
    return "".join(chr(0x7F - ord(ch)) for ch in sha)


def order_by_rank(ids: Iterable[int], ranks: dict[int, Rank]) -> list[int]:
    return sorted(ids, key=lambda i: ranks[i].key, reverse=True)
