"""Copying catalogued files into a package: read-only at the source, verified twice.

The source is opened read-only and never followed through a symbolic link
(:func:`preservation.fingerprint.reader.open_regular`); its bytes are hashed as they are copied,
so a file changed since it was recorded is caught. The copy is flushed to disk, dropped from
the page cache where the system allows, read back and hashed again. Both must match the SHA-256
(and the SHA-512, when recorded) in the catalog.

Payload names: ``data/<files|originals|platform>/<location>/<path in the location>``, each part
made safe for every system and for BagIt manifests (no control characters, none of
``%\\:*?"<>|``, no ``.``/``..`` parts), in Unicode NFC.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime

from preservation.catalog.evidencestore import CatalogFile
from preservation.evidence.parts import ROLE_FOLDERS, CopyRecord, Packed
from preservation.fingerprint.reader import NotRegularFileError, open_regular

CHUNK = 1 << 20
MAX_PART = 180  # bytes of one name part
MAX_PATH = 900  # bytes of a whole payload path; longer ones keep only the file's own name
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f%\\:*?"<>|\u2028\u2029\ufeff]')


class CopyFailed(Exception):
    """The source could not be read, or its bytes are not the catalog's."""

    def __init__(self, message: str, found: str | None = None, *, source: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.found = found  # the SHA-256 read, when the bytes were read but differ
        self.source = source  # a finding about the source (not about the disk written to)


def safe_part(part: str) -> str:
    out = _UNSAFE.sub("_", unicodedata.normalize("NFC", part)).strip()
    if out in ("", ".", ".."):
        out = "_" + out
    raw = out.encode("utf-8")
    if len(raw) > MAX_PART:  # keep the extension
        _stem, dot, ext = out.rpartition(".")
        keep = ("." + ext) if dot and len(ext) <= 10 else ""
        out = raw[:MAX_PART - len(keep.encode())].decode("utf-8", "ignore") + keep
    return out


def assign_bag_paths(files: Iterable[Packed]) -> None:
    """Give every packaged file its own payload path (``data/...``), unique in the bag."""
    used: set[str] = set()
    for p in files:
        parts = [ROLE_FOLDERS[p.role], safe_part(p.file.location)]
        rel = [safe_part(x) for x in p.file.path.split("/") if x]
        path = "/".join(["data", *parts, *rel])
        if len(path.encode()) > MAX_PATH:
            path = "/".join(["data", *parts, rel[-1]])
        candidate, n = path, 1
        while candidate.casefold() in used:  # also unique where names ignore case
            n += 1
            stem, dot, ext = path.rpartition(".")
            candidate = f"{stem}~{n}.{ext}" if dot and "/" not in ext else f"{path}~{n}"
        used.add(candidate.casefold())
        p.bag_path = candidate


def _hash_file(path: str) -> tuple[str, str]:
    h256, h512 = hashlib.sha256(), hashlib.sha512()
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        while chunk := os.read(fd, CHUNK):
            h256.update(chunk)
            h512.update(chunk)
    finally:
        os.close(fd)
    return h256.hexdigest(), h512.hexdigest()


def copy_verified(f: CatalogFile, dest: str) -> CopyRecord:
    """Copy ``f`` to ``dest`` (a new file) and verify source and copy against the catalog."""
    where = f"{f.location}: {f.path}"
    try:
        src = open_regular(f.root_bytes, f.rel_bytes)
    except NotRegularFileError:
        raise CopyFailed(f"{where} is no longer a regular file.") from None
    except OSError as exc:
        raise CopyFailed(f"{where} cannot be read now ({exc.strerror or exc}).") from None
    h256, h512 = hashlib.sha256(), hashlib.sha512()
    size = 0
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    try:
        st = os.fstat(src)
        out = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        try:
            while True:
                try:
                    chunk = os.read(src, CHUNK)
                except OSError as exc:
                    raise CopyFailed(f"{where} could not be read to the end ({exc.strerror or exc}).") from None
                if not chunk:
                    break
                h256.update(chunk)
                h512.update(chunk)
                size += len(chunk)
                view = memoryview(chunk)
                while view:
                    view = view[os.write(out, view):]
            os.fsync(out)
            if hasattr(os, "posix_fadvise"):  # read the copy back from the disk, not from memory
                os.posix_fadvise(out, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(out)
    finally:
        os.close(src)
    source = h256.hexdigest()
    if source != f.sha256 or (f.sha512 and h512.hexdigest() != f.sha512):
        raise CopyFailed(f"{where} has changed since it was recorded: its bytes now have SHA-256 "
                         f"{source}, not the recorded {f.sha256}. Run 'preservation verify "
                         f"{f.location}' and look at it before packaging it.", found=source)
    copy256, copy512 = _hash_file(dest)
    if copy256 != f.sha256 or (f.sha512 and copy512 != f.sha512):
        raise CopyFailed(f"The copy of {where} written to {dest} does not read back as written "
                         "(the disk being written to may be failing). Nothing was packaged.",
                         source=False)
    os.utime(dest, ns=(st.st_atime_ns, st.st_mtime_ns), follow_symlinks=False)
    return CopyRecord(size, copy256, copy512, source, st.st_mtime_ns, datetime.now(UTC))


__all__ = ["CopyFailed", "CopyRecord", "assign_bag_paths", "copy_verified", "safe_part"]
