"""Material for archiving workshops.

Public API::

    build_sample(seed=DEFAULT_SEED) -> SampleManifest        # in memory, nothing written
    write_sample(directory, seed=DEFAULT_SEED) -> SampleManifest

:mod:`.sample` makes a deterministic sample family archive (three "drives" with originals,
backups, bursts, edits, re-encodes, an EXIF-stripped copy and a corrupted file) and its answer
key, ``ANSWERS.md``, from one data structure.
"""

from __future__ import annotations

from .sample import (
    DEFAULT_SEED,
    DRIVES,
    SampleContent,
    SampleFile,
    SampleManifest,
    build_sample,
    write_sample,
)

__all__ = [
    "DEFAULT_SEED",
    "DRIVES",
    "SampleContent",
    "SampleFile",
    "SampleManifest",
    "build_sample",
    "write_sample",
]
