"""The bag on disk: where it may be written, the hidden folder it is made in, and its name.

A bag is made in a hidden sibling folder, ``.<name>.partial-XXXXXXXX``, locked (``flock``) for
as long as the process making it lives, and renamed to the requested name only when it is
complete and has passed validation. The rename never replaces anything (``renameat2`` with
``RENAME_NOREPLACE`` where the system has it). A process killed half way leaves only the hidden
folder, unlocked; the next ``evidence create`` of the same name removes it and says so, while a
folder still locked by a live process is left alone.

Bags are never written into a scanned location, and an existing file or folder is never
overwritten.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
from dataclasses import dataclass

from preservation import paths
from preservation.catalog.engine import Catalog
from preservation.catalog.evidencestore import location_roots
from preservation.catalog.locations import refuse_writing_into_locations
from preservation.errors import UsageError

ALGORITHMS = ("sha256", "sha512")
DECLARATION = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
_AT_FDCWD = -100
_RENAME_NOREPLACE = 1


@dataclass(frozen=True)
class Destination:
    path: str  # absolute: the bag's final name
    parent: str
    name: str

    @property
    def partial_prefix(self) -> str:
        return f".{self.name}.partial-"


def destination(catalog: Catalog, out: str | os.PathLike[str]) -> Destination:
    """Where the bag goes; refuses an existing name, a missing folder, a scanned location."""
    path = os.path.abspath(os.path.expanduser(os.fspath(out)))
    parent, name = os.path.split(path)
    if not name or name in (".", ".."):
        raise UsageError(f"{os.fspath(out)!r} is not a name for a new folder.")
    if os.path.lexists(path):
        raise UsageError(f"{path} already exists. An evidence package is never written over "
                         "anything: choose a new name for it.")
    if not os.path.isdir(parent):
        raise UsageError(f"Cannot make {path}: the folder {parent} does not exist.")
    with catalog.session() as s:
        refuse_writing_into_locations(s, path, shown=path, advice="Make the package somewhere else.")
    return Destination(path, parent, name)


def _try_lock(path: str) -> int | None:
    """An fd holding an exclusive lock on folder ``path``, or None if someone else holds it."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    except BaseException:
        os.close(fd)
        raise
    return fd


def clear_leftovers(catalog: Catalog, dest: Destination) -> list[str]:
    """Remove hidden folders of this name left by a run that died; returns what was removed.
    Raises if another live process is making a bag of this name right now."""
    removed: list[str] = []
    with catalog.session() as s:
        roots = location_roots(s)
    for entry in sorted(os.listdir(dest.parent)):
        if not entry.startswith(dest.partial_prefix):
            continue
        full = os.path.join(dest.parent, entry)
        if os.path.islink(full) or not os.path.isdir(full):
            continue  # not a folder this tool made
        fd = _try_lock(full)
        if fd is None:
            raise UsageError(f"Another 'preservation evidence create' is making {dest.name} right now "
                             f"(in {full}). Wait for it to finish, or choose another name.")
        try:
            real = os.fsencode(os.path.realpath(full))
            if any(paths.relative_to(root, real) is not None for _n, root in roots):
                continue  # a location lives inside it: never removed
            shutil.rmtree(full)
            removed.append(full)
        finally:
            os.close(fd)
    return removed


class Partial:
    """The hidden folder a bag is made in, locked while this process lives."""

    def __init__(self, dest: Destination) -> None:
        self.dest = dest
        self.dir = tempfile.mkdtemp(prefix=dest.partial_prefix, dir=dest.parent)
        mask = os.umask(0o022)
        os.umask(mask)
        os.chmod(self.dir, 0o777 & ~mask)  # the finished bag is an ordinary folder (not 0700)
        fd = _try_lock(self.dir)
        assert fd is not None  # a folder just made is not locked by anyone else
        self._fd: int | None = fd

    def _unlock(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def finish(self) -> str:
        """Give the finished bag its name; never replaces anything."""
        rename_noreplace(self.dir, self.dest.path)
        self._unlock()
        return self.dest.path

    def discard(self) -> None:
        self._unlock()
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.dir)


def rename_noreplace(src: str, dst: str) -> None:
    """Rename ``src`` to ``dst``, failing if ``dst`` exists (atomically where the system can)."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        renameat2 = None
    if renameat2 is not None:
        if renameat2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst), _RENAME_NOREPLACE) == 0:
            return
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            raise UsageError(f"{dst} appeared while the package was being made; it was not touched. "
                             "The finished package was discarded: make it again under another name.")
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), dst)
    if os.path.lexists(dst):
        raise UsageError(f"{dst} appeared while the package was being made; it was not touched. "
                         "The finished package was discarded: make it again under another name.")
    os.rename(src, dst)


def make_bag(folder: str, info: dict[str, str]) -> None:
    """Turn ``folder`` (its contents become the payload) into a BagIt 1.0 bag."""
    import bagit

    bagit.make_bag(folder, dict(info), processes=1, checksums=list(ALGORITHMS))
    with open(os.path.join(folder, "bagit.txt"), "w", encoding="utf-8", newline="\n") as fh:
        fh.write(DECLARATION)  # the library declares 0.97; the bag follows RFC 8493 (1.0)


def seal(folder: str) -> None:
    """Write the tag manifests again, now that every tag file is in place."""
    import bagit

    bagit.Bag(folder).save(manifests=False)


def bagit_problems(folder: str) -> list[str]:
    """The bagit library's own verdict on the bag: [] when it validates."""
    import bagit

    try:
        bagit.Bag(folder).validate(processes=1)
    except bagit.BagValidationError as exc:
        return [str(d) for d in exc.details] or [str(exc)]
    except bagit.BagError as exc:
        return [str(exc)]
    return []


def library_version() -> str:
    import bagit

    return str(bagit.VERSION)


__all__ = ["ALGORITHMS", "Destination", "Partial", "bagit_problems", "clear_leftovers", "destination",
           "library_version", "make_bag", "rename_noreplace", "seal"]
