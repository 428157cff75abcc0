"""The shared vocabulary other code (and other people's scripts) depends on.

These strings appear in the catalog, in JSON output and in reports; changing one is a
breaking change that needs a migration. See DESIGN.md, "Vocabulary".
"""

from __future__ import annotations

from enum import StrEnum


class Verdict(StrEnum):
    """What a look-alike pair really is."""

    IDENTICAL = "identical"
    SAME_PIXELS = "same-pixels"
    DERIVATIVE = "derivative"
    EDITED = "edited"
    BURST = "burst"
    SIMILAR = "similar"


class FixityStatus(StrEnum):
    OK = "ok"
    CHANGED = "changed"
    MISSING = "missing"
    NEW = "new"
    MOVED = "moved"
    UNREADABLE = "unreadable"
    UNREACHABLE = "unreachable"


class EventType(StrEnum):
    """PREMIS event types (id.loc.gov/vocabulary/preservation/eventType) where one fits."""

    INGESTION = "ingestion"
    MESSAGE_DIGEST_CALCULATION = "message digest calculation"
    FIXITY_CHECK = "fixity check"
    FORMAT_IDENTIFICATION = "format identification"
    METADATA_EXTRACTION = "metadata extraction"
    REPLICATION = "replication"
    VALIDATION = "validation"
    DELETION_DETECTED = "deletion-detected"
    APPRAISAL = "appraisal"
    CREATION = "creation"  # a report or package made from the catalog
    # Catalog housekeeping a reader of the log should see (a location forgotten, a catalog
    # created); not a PREMIS type, named plainly.
    CATALOG_CHANGE = "catalog change"


class Decision(StrEnum):
    """What a person decided about contents the tool showed them (an ``appraisal`` event).

    The tool never acts on a decision: it records it and shows it where the tool's own guess
    would otherwise stand (see :mod:`preservation.provenance.decisions`).
    """

    KEEP_BOTH = "different-photos-keep-both"  # different photographs: keep both
    AUTHORITATIVE = "authoritative-copy"  # this copy is the authoritative version
    SAME_PICTURE = "same-picture"  # the same picture (no copy chosen)
    NOT_SURE = "not-sure"
    ACCEPT_CHANGE = "accept-change"  # a fixity change was expected (an edit, a re-save)


class EventOutcome(StrEnum):
    SUCCESS = "success"
    WARNING = "warning"  # finished, with problems worth a look
    FAILURE = "failure"


class Media(StrEnum):
    HDD = "hdd"
    SSD = "ssd"
    USB_FLASH = "usb-flash"
    SD_CARD = "sd-card"
    OPTICAL = "optical"
    TAPE = "tape"
    NAS = "nas"
    CLOUD = "cloud"
    PHONE = "phone"
    UNKNOWN = "unknown"


class Site(StrEnum):
    ONSITE = "onsite"
    OFFSITE = "offsite"


class Trust(StrEnum):
    """How far a location's copies may be relied on for 3-2-1.

    ``trusted``: counts as a copy. ``untrusted``: inventoried, but never counts (a borrowed
    drive, a platform export of unknown fidelity).
    """

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


class FileState(StrEnum):
    """Where a catalogued file stands as of the latest scan of its location."""

    PRESENT = "present"
    MISSING = "missing"  # was seen before, not found by the latest complete scan


class ProblemCode(StrEnum):
    """Why a file could not be fully fingerprinted. Stored with a plain-language message."""

    UNREADABLE = "unreadable"  # permission denied, I/O error
    VANISHED = "vanished"  # gone between listing and reading
    CHANGED_DURING_READ = "changed-during-read"
    NOT_REGULAR = "not-a-regular-file"  # replaced by a directory, FIFO... between list and read
    PATH_TOO_LONG = "path-too-long"
    CORRUPT_IMAGE = "corrupt-image"  # truncated or undecodable; bytes still hashed
    DECOMPRESSION_BOMB = "decompression-bomb"
    UNSUPPORTED_IMAGE = "unsupported-image"  # e.g. camera RAW without the optional extra
    METADATA = "metadata"  # EXIF present but unreadable
    EMPTY = "empty"  # zero bytes: recorded, nothing to fingerprint
    EXTENSION_MISMATCH = "extension-mismatch"  # the content is not the format the name claims
