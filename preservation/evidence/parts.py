"""The parts of an evidence package: the files copied into it, the pairs of look-alikes among
them, the originals a loss audit found gone, and the selection that holds them all.

Plain data, below every step that makes a package (selection, copying, comparisons), so that
each of those can use them without importing another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from preservation.analyse.lookalikes import PairResult
from preservation.catalog.evidencestore import CatalogFile

#: Where each kind of file goes in the payload (data/<folder>/<location>/<path>).
ROLE_FOLDERS = {"file": "files", "original": "originals", "platform": "platform"}
LOOKALIKES, LOSS_AUDIT = "look-alike analysis", "loss audit"


@dataclass(slots=True)
class CopyRecord:
    """What copying one file found."""

    size: int
    sha256: str  # of the copy, read back from disk
    sha512: str
    source_sha256: str  # of the source, as it was read
    source_mtime_ns: int
    copied_at: datetime


@dataclass(slots=True)
class Packed:
    """One catalogued file to copy into the package."""

    file: CatalogFile
    role: str  # file | original | platform
    also_at: list[str] = field(default_factory=list)  # other places holding the same bytes
    bag_path: str = ""
    copy: CopyRecord | None = None


@dataclass(slots=True)
class Pair:
    """Two packaged files that look alike, and what they really are (``a``: the reference)."""

    a: Packed
    b: Packed
    origin: str  # LOOKALIKES | LOSS_AUDIT
    distances: dict[str, int] = field(default_factory=dict)
    result: PairResult | None = None
    # the loss audit's own verdict and sentence (they may use a platform sidecar's capture time)
    verdict: str | None = None
    explanation: str | None = None
    reasons: list[str] = field(default_factory=list)
    difference: str | None = None  # the difference picture's path in the bag


@dataclass(slots=True)
class Loss:
    """An original the loss audit found gone from the platform."""

    original: Packed
    status: str  # lookalike-only | missing
    counterpart: Packed | None
    explanation: str
    verdict: str | None = None
    title: str | None = None  # the name the platform's sidecar gives its copy
    pair: Pair | None = None


@dataclass
class Selection:
    mode: str
    what: str  # the selection in plain words
    files: list[Packed]
    pairs: list[Pair] = field(default_factory=list)
    losses: list[Loss] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    source: dict[str, Any] = field(default_factory=dict)  # the group or the comparison


__all__ = ["LOOKALIKES", "LOSS_AUDIT", "ROLE_FOLDERS", "CopyRecord", "Loss", "Packed", "Pair", "Selection"]
