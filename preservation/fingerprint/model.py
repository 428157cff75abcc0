"""Result types of fingerprinting one file. Plain data: picklable, JSON-friendly.

Workers return these to the single catalog writer; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PerceptualHash:
    """One perceptual fingerprint and exactly how it was made.

    ``params`` and ``library`` let a later version detect that hashes were made differently
    (a new ImageHash release, another hash size) instead of silently comparing them.
    """

    algorithm: str  # "phash" | "dhash" | "ahash" | "whash" | "colorhash" | "pdq"
    value: str  # hex string as ImageHash prints it (PDQ: as the reference prints it)
    bits: int  # 64 for the four structural hashes, 256 for PDQ
    params: dict[str, Any]  # e.g. {"hash_size": 8, "highfreq_factor": 4, "prep": "..."}
    library: str  # e.g. "ImageHash 4.3.2"
    quality: int | None = None  # PDQ's quality score, 0..100 (below 50: too featureless to match)
    # PDQ's eight dihedral hashes (hex), in the reference's order: original, rotated 90, 180,
    # 270 (counter-clockwise), flipped x, flipped y, flipped about the main and the other diagonal.
    variants: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that stopped part of the fingerprint. ``code`` is a vocabulary.ProblemCode."""

    code: str
    message: str  # plain language, names the file's issue, not a traceback


@dataclass(slots=True)
class ImageInfo:
    width: int  # as stored (before EXIF orientation)
    height: int
    mode: str  # Pillow mode of the decoded image: "RGB", "L", "RGBA", "I;16"...
    frames: int = 1
    orientation: int | None = None  # EXIF orientation 1..8
    exif: dict[str, Any] = field(default_factory=dict)  # normalised, JSON-serialisable
    capture_time: str | None = None  # ISO 8601 from DateTimeOriginal (+ subsec, offset)
    camera_make: str | None = None
    camera_model: str | None = None
    is_grey: bool | None = None  # true when the pixels carry no colour


@dataclass(slots=True)
class Fingerprint:
    """Everything learned from one read of one file."""

    size: int  # bytes actually read
    mtime_ns: int  # from fstat after the read
    digests: dict[str, str]  # algorithm -> hex ("sha256", plus "sha512"/"md5" on request);
    # empty when the file could not be read completely and consistently (see problems)
    format: str | None = None  # canonical short name identified from content: "jpeg", "heic"...
    mime: str | None = None
    extension_mismatch: bool = False  # content format disagrees with the file name's extension
    image: ImageInfo | None = None
    hashes: list[PerceptualHash] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def sha256(self) -> str | None:
        """None when the bytes could not be read completely and consistently."""
        return self.digests.get("sha256")
