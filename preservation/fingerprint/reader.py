"""Read one file once, read-only and safely, hashing as it streams; detect change during read.

* The file is opened ``O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC`` (plus ``O_NOATIME`` when
  the kernel allows it, so an audit does not even touch access times). It is ``lstat``-ed
  first and ``fstat``-ed after opening: anything but a regular file (a FIFO, socket, device,
  folder, symlink) is refused before a single byte is read, and never blocks.
* A path too long for the kernel (``ENAMETOOLONG``) is opened folder by folder with ``dir_fd``
  (each folder inside the location opened ``O_DIRECTORY | O_NOFOLLOW``).
* The bytes stream through the digests in 1 MiB reads into one reusable buffer. When the caller
  says the head looks like a decodable image no larger than ``MEMORY_CAP_BYTES``, the bytes are
  read straight into one preallocated ``BytesIO`` instead, for decoding from memory.
* ``fstat`` before and after (size, mtime, ctime, link count), the byte count, and the caller's
  expected size and mtime must all agree. If not, the file is read once more; if it still
  disagrees, no digest is returned: a hash of bytes that may be inconsistent is worse than none.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..vocabulary import ProblemCode
from . import digests, limits
from .model import Problem

_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_NOATIME = getattr(os, "O_NOATIME", 0)
_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC

WantMemory = Callable[[bytes, int], bool]


class NotRegularFileError(Exception):
    """The path names something other than a regular file."""

    def __init__(self, mode: int) -> None:
        super().__init__(mode)
        self.mode = mode


@dataclass(slots=True)
class ReadResult:
    size: int  # bytes read (of the last attempt)
    mtime_ns: int  # fstat after the read; 0 when the file could not be opened
    digests: dict[str, str]  # empty unless every byte was read consistently
    head: bytes  # first bytes (up to HEAD_SIZE), b"" unless the read was consistent
    data: io.BytesIO | None  # the whole file, when kept in memory for decoding
    problem: Problem | None


@dataclass(slots=True)
class _Attempt:
    total: int
    before: os.stat_result
    after: os.stat_result
    grew: bool
    digests: dict[str, str]
    head: bytes
    data: io.BytesIO | None


# --------------------------------------------------------------------------------------- open


def join(root: bytes, rel: bytes) -> bytes:
    return root.rstrip(b"/") + b"/" + rel


def _open_file(name: bytes, dir_fd: int | None) -> int:
    """Open a regular file read-only; O_NOATIME when permitted (owner or CAP_FOWNER)."""
    st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if not stat.S_ISREG(st.st_mode):
        raise NotRegularFileError(st.st_mode)
    try:
        fd = os.open(name, _FILE_FLAGS | _NOATIME, dir_fd=dir_fd)
    except OSError as exc:
        if not _NOATIME or exc.errno not in (errno.EPERM, errno.EINVAL):
            raise
        fd = os.open(name, _FILE_FLAGS, dir_fd=dir_fd)
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFileError(mode)
    except BaseException:
        os.close(fd)
        raise
    return fd


def _walk_dirs(start: bytes, parts: list[bytes], flags: int) -> int:
    """Open ``start`` then each of ``parts`` below it as directories; return the last fd."""
    fd = os.open(start, _DIR_FLAGS)
    try:
        for part in parts:
            next_fd = os.open(part, flags, dir_fd=fd)
            os.close(fd)
            fd = next_fd
    except BaseException:
        os.close(fd)
        raise
    return fd


def _open_root(root: bytes) -> int:
    try:
        return os.open(root, _DIR_FLAGS)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    # The location root itself is too long: walk it, following symlinks as a plain open would.
    start = b"/" if root.startswith(b"/") else b"."
    return _walk_dirs(start, [p for p in root.split(b"/") if p], _DIR_FLAGS)


def open_regular(root: bytes, rel: bytes) -> int:
    """An fd for ``root/rel`` if it is a regular file. Raises OSError or NotRegularFileError."""
    try:
        return _open_file(join(root, rel), None)
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
    parts = [p for p in rel.split(b"/") if p and p != b"."]
    if not parts:
        raise NotRegularFileError(stat.S_IFDIR)
    root_fd = _open_root(root)
    try:
        fd = root_fd
        for part in parts[:-1]:
            next_fd = os.open(part, _DIR_FLAGS | os.O_NOFOLLOW, dir_fd=fd)
            if fd != root_fd:
                os.close(fd)
            fd = next_fd
        try:
            return _open_file(parts[-1], fd)
        finally:
            if fd != root_fd:
                os.close(fd)
    finally:
        os.close(root_fd)


# ------------------------------------------------------------------------------------ problems


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    return "something other than a regular file"


def not_regular_problem(mode: int) -> Problem:
    return Problem(
        ProblemCode.NOT_REGULAR,
        f"This is {_kind(mode)}, not a regular file, so it was not read.",
    )


def problem_for_oserror(exc: OSError) -> Problem:
    """A plain-language Problem for an error opening or reading a file."""
    code = exc.errno
    if code == errno.ENOENT:
        return Problem(
            ProblemCode.VANISHED,
            "The file is gone: it was moved or deleted after its folder was listed.",
        )
    if code == errno.ENOTDIR:
        return Problem(
            ProblemCode.VANISHED,
            "A folder on the file's path was removed or replaced after it was listed.",
        )
    if code in (errno.EACCES, errno.EPERM):
        return Problem(ProblemCode.UNREADABLE, "Permission denied: the file could not be read.")
    if code == errno.EIO:
        return Problem(
            ProblemCode.UNREADABLE,
            "Input/output error: the file could not be read completely. The disk or card may "
            "be failing; copy what can still be read to healthy storage soon.",
        )
    if code == errno.ENAMETOOLONG:
        return Problem(
            ProblemCode.PATH_TOO_LONG,
            "The file's path (or one name in it) is too long for the operating system to open, "
            "even folder by folder.",
        )
    if code == errno.ELOOP:
        return Problem(
            ProblemCode.NOT_REGULAR,
            "The file is a symbolic link, or its path goes through one; links are not followed.",
        )
    if code in (errno.ENXIO, errno.ENODEV):
        return Problem(
            ProblemCode.NOT_REGULAR, "This is a device or socket, not a regular file; not read."
        )
    reason = exc.strerror or (errno.errorcode.get(code, "unknown error") if code else str(exc))
    return Problem(ProblemCode.UNREADABLE, f"The file could not be read ({reason}).")


_CHANGED_DURING = (
    "The file changed while it was being read (its size or modification time moved), twice in "
    "a row, so no hashes were recorded. It is probably still being written; check it again later."
)
_CHANGED_SINCE_LISTING = (
    "The file changed after its folder was listed (its size or modification time differs from "
    "the listing), so no hashes were recorded. Scan it again to record its current content."
)


# ---------------------------------------------------------------------------------------- read

_local = threading.local()


def _buffer() -> memoryview:
    buf: memoryview | None = getattr(_local, "buf", None)
    if buf is None:
        buf = memoryview(bytearray(limits.CHUNK_SIZE))
        _local.buf = buf
    return buf


def _fill(fd: int, view: memoryview) -> int:
    """Read into ``view`` until it is full or the file ends; the number of bytes read."""
    total = 0
    wanted = len(view)
    while total < wanted:
        got = os.readv(fd, [view[total:]])
        if got == 0:
            break
        total += got
    return total


def _read_once(fd: int, algorithms: tuple[str, ...], want_memory: WantMemory) -> _Attempt:
    before = os.fstat(fd)
    size = before.st_size
    hashers = digests.new_hashers(algorithms)
    buf = _buffer()

    total = _fill(fd, buf[: limits.HEAD_SIZE])
    head = bytes(buf[:total])
    for h in hashers:
        h.update(head)

    data: io.BytesIO | None = None
    grew = False
    if total and total <= size <= limits.MEMORY_CAP_BYTES and want_memory(head, size):
        try:
            data = io.BytesIO()
            data.seek(size - 1)
            data.write(b"\0")  # one allocation of exactly ``size`` bytes
        except MemoryError:
            data = None
    if data is not None:
        out = data.getbuffer()
        out[:total] = head
        while total < size:
            want = min(size - total, limits.CHUNK_SIZE)
            got = _fill(fd, out[total : total + want])
            if got:
                chunk = out[total : total + got]
                for h in hashers:
                    h.update(chunk)
                del chunk
            total += got
            if got < want:
                break  # the file shrank
        del out
        grew = _fill(fd, buf[:1]) > 0
        data.seek(0)
    else:
        while True:
            got = os.readv(fd, [buf])
            if got == 0:
                break
            chunk = buf[:got]
            for h in hashers:
                h.update(chunk)
            total += got
    after = os.fstat(fd)
    return _Attempt(
        total=total,
        before=before,
        after=after,
        grew=grew,
        digests={name: h.hexdigest() for name, h in zip(algorithms, hashers, strict=True)},
        head=head,
        data=data,
    )


def _inconsistency(
    a: _Attempt, expected_size: int | None, expected_mtime_ns: int | None
) -> str | None:
    b, f = a.before, a.after
    if (
        a.grew
        or a.total != b.st_size
        or f.st_size != b.st_size
        or f.st_mtime_ns != b.st_mtime_ns
        or f.st_ctime_ns != b.st_ctime_ns
        or f.st_nlink == 0  # deleted or replaced while we read it
    ):
        return _CHANGED_DURING
    if (expected_size is not None and a.total != expected_size) or (
        expected_mtime_ns is not None and f.st_mtime_ns != expected_mtime_ns
    ):
        return _CHANGED_SINCE_LISTING
    return None


def _failure(problem: Problem, size: int = 0, mtime_ns: int = 0) -> ReadResult:
    return ReadResult(size, mtime_ns, {}, b"", None, problem)


def read_file(
    root: bytes,
    rel: bytes,
    algorithms: tuple[str, ...],
    *,
    want_memory: WantMemory,
    expected_size: int | None = None,
    expected_mtime_ns: int | None = None,
) -> ReadResult:
    """Read ``root/rel`` once (twice if it changed meanwhile). Never raises for a bad file."""
    reason = _CHANGED_DURING
    attempt: _Attempt | None = None
    for _ in range(2):
        try:
            fd = open_regular(root, rel)
        except NotRegularFileError as exc:
            return _failure(not_regular_problem(exc.mode))
        except OSError as exc:
            return _failure(problem_for_oserror(exc))
        try:
            attempt = _read_once(fd, algorithms, want_memory)
        except OSError as exc:
            return _failure(problem_for_oserror(exc))
        finally:
            os.close(fd)
        why = _inconsistency(attempt, expected_size, expected_mtime_ns)
        if why is None:
            return ReadResult(
                attempt.total, attempt.after.st_mtime_ns, attempt.digests, attempt.head,
                attempt.data, None,
            )
        reason = why
        attempt.data = None
    assert attempt is not None
    return _failure(
        Problem(ProblemCode.CHANGED_DURING_READ, reason), attempt.total, attempt.after.st_mtime_ns
    )
