"""Fingerprint one file: fixity digests, format, EXIF, perceptual hashes — in one read.

Public API::

    fingerprint_file(root, rel, *, algorithms=("sha256",), expected_size=None,
                     expected_mtime_ns=None) -> Fingerprint

``root`` is the location's absolute root and ``rel`` the file's path below it, both bytes (any
bytes but NUL; invalid UTF-8 and paths longer than PATH_MAX are fine). The file is opened
read-only, never followed through a symlink, never written, renamed or touched (not even its
access time where the kernel allows). Every failure is a :class:`Problem` in the result; only
programming errors (an absolute ``rel``, an unknown algorithm) raise.

Empty files: a zero-byte file is a valid file. It is recorded with the digests of no bytes and
no format. It gets an ``empty`` problem only when its name claims a format that cannot be empty
(``IMG_0001.JPG``, ``scan.pdf``...): that is the classic trace of an interrupted copy or sync,
where the picture itself is lost and an archivist wants to know. Empty ``.nomedia``, lock or
marker files raise nothing.

Modules: :mod:`.reader` (safe open, single streamed read, change detection), :mod:`.digests`,
:mod:`.sniff` and :mod:`.formats` (identification, extension check), :mod:`.exif`,
:mod:`.decode` (Pillow, reduced decode, bomb checks), :mod:`.raw` (optional rawpy),
:mod:`.prepare` (the working image), :mod:`.perceptual` (ImageHash), :mod:`.image` (ties the
image steps together), :mod:`.limits` (sizes and the decompression-bomb policy).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from ..vocabulary import ProblemCode
from . import digests, formats, limits, reader
from .model import Fingerprint, ImageInfo, PerceptualHash, Problem

__all__ = [
    "Fingerprint",
    "ImageInfo",
    "PerceptualHash",
    "Problem",
    "fingerprint_file",
]


def _check_rel(rel: bytes) -> None:
    if not rel or rel.startswith(b"/"):
        raise ValueError(f"rel must be a non-empty relative path, got {rel!r}")
    if b"\0" in rel:
        raise ValueError("rel must not contain NUL bytes")
    if b".." in rel.split(b"/"):
        raise ValueError(f"rel must not contain '..' components, got {rel!r}")


def _empty_problem(rel: bytes) -> Problem | None:
    claimed = formats.format_claimed_by_name(rel)
    if claimed is None:
        return None
    return Problem(
        ProblemCode.EMPTY,
        f"The file is empty (0 bytes) although its name says it is {claimed.label}. Its content "
        "may have been lost, for example by an interrupted copy or sync; look for another copy.",
    )


def _too_large_problem(label: str) -> Problem:
    return Problem(
        ProblemCode.UNSUPPORTED_IMAGE,
        f"This {label.split(' ', 1)[-1]} is larger than the in-memory limit for decoding; its "
        "bytes were hashed, but it has no look-alike fingerprints.",
    )


def fingerprint_file(
    root: bytes,
    rel: bytes,
    *,
    algorithms: Iterable[str] = ("sha256",),
    expected_size: int | None = None,
    expected_mtime_ns: int | None = None,
) -> Fingerprint:
    """Fingerprint ``root/rel`` in one read. Never raises for a bad file (see module doc)."""
    if isinstance(root, str):
        root = os.fsencode(root)
    if isinstance(rel, str):
        rel = os.fsencode(rel)
    _check_rel(rel)
    algos = digests.normalise(algorithms)

    sniffer = formats.Sniffer()
    read = reader.read_file(
        root, rel, algos,
        want_memory=sniffer,
        expected_size=expected_size,
        expected_mtime_ns=expected_mtime_ns,
    )
    fp = Fingerprint(size=read.size, mtime_ns=read.mtime_ns, digests=read.digests)
    if read.problem is not None:
        fp.problems.append(read.problem)
        return fp
    if read.size == 0:
        problem = _empty_problem(rel)
        if problem is not None:
            fp.problems.append(problem)
        return fp

    ident = formats.identify(read.head, read.data, sniffer.name)
    fp.format, fp.mime = ident.name, ident.mime
    info = ident.info
    # Decoders (Pillow, NumPy, ImageHash) are imported on first use: a process that only lists
    # or verifies files, or rescans an unchanged tree, never pays for them.
    from . import image

    outcome: image.ImageOutcome | None = None
    if info is None or info.kind == "other":
        pass
    elif info.kind not in formats.DECODED_KINDS:
        outcome = image.undecodable(info)
    elif read.data is not None:
        outcome = image.analyse(read.data, info, read.size)
    elif read.size > limits.MEMORY_CAP_BYTES:
        outcome = image.ImageOutcome(info.name, problems=[_too_large_problem(info.label)])
    # else: only puremagic thought it an image; our sniffing did not, so it is not decoded.
    if outcome is not None:
        if outcome.format != ident.name:
            ident = formats.with_name(ident, outcome.format)
            fp.format, fp.mime = ident.name, ident.mime
        fp.image = outcome.image
        fp.hashes = outcome.hashes
        fp.problems.extend(outcome.problems)
    fp.extension_mismatch = formats.extension_mismatch(fp.format, rel)
    if fp.extension_mismatch:
        fp.problems.append(Problem(ProblemCode.EXTENSION_MISMATCH, formats.mismatch_message(fp.format, rel)))
    return fp
