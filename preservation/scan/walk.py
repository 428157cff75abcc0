"""Walking a location read-only, one directory at a time.

Directories are opened relative to their parent's descriptor, so trees deeper than PATH_MAX
still walk. Symbolic links are never followed (a link cannot lead out of the location or round
a loop); FIFOs, sockets and device nodes are listed as skipped and never opened (opening a
FIFO blocks forever). A directory that is also reachable another way (a bind mount) is walked
once.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
MAX_DEPTH = 4000


@dataclass(frozen=True, slots=True)
class Entry:
    name: bytes
    size: int
    mtime_ns: int
    inode: int


@dataclass(slots=True)
class Listing:
    """The regular files of one directory, and what was passed over there and why."""

    rel_dir: bytes  # b"" for the location root
    files: list[Entry] = field(default_factory=list)
    skipped: list[tuple[bytes, str]] = field(default_factory=list)  # (rel path, reason)
    error: str | None = None  # the directory itself could not be listed


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "symbolic link (not followed)"
    if stat.S_ISFIFO(mode):
        return "FIFO (named pipe), never opened"
    if stat.S_ISSOCK(mode):
        return "socket, never opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device file, never opened"
    return "not a regular file"


def _rel(rel_dir: bytes, name: bytes) -> bytes:
    return rel_dir + b"/" + name if rel_dir else name


def _list(fd: int, rel_dir: bytes, seen: set[tuple[int, int]]) -> tuple[Listing, list[bytes]]:
    listing = Listing(rel_dir)
    subdirs: list[bytes] = []
    try:
        with os.scandir(fd) as it:
            for de in it:
                name = os.fsencode(de.name)
                try:
                    st = de.stat(follow_symlinks=False)
                except OSError as exc:
                    listing.skipped.append((_rel(rel_dir, name), f"cannot stat: {exc.strerror}"))
                    continue
                mode = st.st_mode
                if stat.S_ISREG(mode):
                    listing.files.append(Entry(name, st.st_size, st.st_mtime_ns, st.st_ino))
                elif stat.S_ISDIR(mode):
                    if (st.st_dev, st.st_ino) in seen:
                        listing.skipped.append(
                            (_rel(rel_dir, name), "folder already walked (bind mount or loop)"))
                    else:
                        seen.add((st.st_dev, st.st_ino))
                        subdirs.append(name)
                else:
                    listing.skipped.append((_rel(rel_dir, name), _kind(mode)))
    except OSError as exc:
        listing.error = exc.strerror or str(exc)
    listing.files.sort(key=lambda e: e.name)
    subdirs.sort(reverse=True)  # popped from the end: name order
    return listing, subdirs


def walk(root: bytes) -> Iterator[Listing]:
    """Yield a :class:`Listing` per directory, parents before children, in name order.

    Raises ``OSError`` only if the root itself cannot be opened (the location is unreachable).
    Open descriptors are bounded by the depth of the tree, and all are closed even when the
    caller stops early.
    """
    root_fd = os.open(root, DIR_FLAGS & ~os.O_NOFOLLOW)  # the root may be reached via a link
    st = os.fstat(root_fd)
    seen: set[tuple[int, int]] = {(st.st_dev, st.st_ino)}
    stack: list[tuple[int, bytes, list[bytes]]] = []
    try:
        listing, subdirs = _list(root_fd, b"", seen)
        stack.append((root_fd, b"", subdirs))
        yield listing
        while stack:
            fd, rel_dir, subdirs = stack[-1]
            if not subdirs:
                os.close(fd)
                stack.pop()
                continue
            name = subdirs.pop()
            rel = _rel(rel_dir, name)
            if len(stack) >= MAX_DEPTH:
                yield Listing(rel, error=f"nested deeper than {MAX_DEPTH} folders; not walked")
                continue
            try:
                child = os.open(name, DIR_FLAGS, dir_fd=fd)
            except OSError as exc:
                yield Listing(rel, error=f"folder cannot be opened: {exc.strerror}")
                continue
            listing, child_subdirs = _list(child, rel, seen)
            stack.append((child, rel, child_subdirs))
            yield listing
    finally:
        for fd, _, _ in stack:
            os.close(fd)
