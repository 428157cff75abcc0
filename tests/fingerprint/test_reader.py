"""Reading: digests, safe open, non-regular files, odd paths, errors, change during read."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from preservation.fingerprint import fingerprint_file, limits, reader
from preservation.vocabulary import ProblemCode

from .conftest import FP
from .helpers import codes, encode, noise_image


def b(p: Path) -> bytes:
    return os.fsencode(p)


def test_digests_match_hashlib_for_every_algorithm(fp: FP) -> None:
    data = os.urandom(3 * limits.CHUNK_SIZE + 12345)
    result = fp(data, "blob.bin", algorithms=("sha512", "md5", "SHA-1", "sha256"))
    assert result.problems == []
    assert result.size == len(data)
    assert result.digests == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
        "md5": hashlib.md5(data).hexdigest(),
        "sha1": hashlib.sha1(data).hexdigest(),
    }
    assert next(iter(result.digests)) == "sha256"


def test_sha256_is_always_computed(fp: FP) -> None:
    result = fp(b"hello", "a.txt", algorithms=("md5",))
    assert set(result.digests) == {"sha256", "md5"}
    assert result.sha256 == hashlib.sha256(b"hello").hexdigest()


def test_unknown_algorithm_is_a_programming_error(fp: FP) -> None:
    with pytest.raises(ValueError, match="unsupported digest"):
        fp(b"x", "a.bin", algorithms=("crc32",))


@pytest.mark.parametrize("rel", [b"/etc/passwd", b"", b"a/../../etc/passwd"])
def test_bad_rel_is_a_programming_error(tmp_path: Path, rel: bytes) -> None:
    with pytest.raises(ValueError):
        fingerprint_file(b(tmp_path), rel)


def test_image_kept_in_memory_hashes_like_streaming(fp: FP, tmp_path: Path) -> None:
    """The in-memory path (images) and the streamed path give the same digests."""
    jpeg = encode(noise_image((1200, 900)), "JPEG", quality=95)
    assert len(jpeg) > limits.CHUNK_SIZE  # several chunks
    as_image = fp(jpeg, "pic.jpg", algorithms=("md5",))
    as_blob = fp(b"not an image" + jpeg, "pic.bin", algorithms=("md5",))
    assert as_image.format == "jpeg" and as_image.hashes
    assert as_image.digests == {
        "sha256": hashlib.sha256(jpeg).hexdigest(), "md5": hashlib.md5(jpeg).hexdigest()
    }
    assert as_blob.digests["sha256"] == hashlib.sha256(b"not an image" + jpeg).hexdigest()


def test_size_and_mtime_recorded(fp: FP, tmp_path: Path) -> None:
    result = fp(b"12345", "five.bin")
    st = os.stat(tmp_path / "five.bin")
    assert (result.size, result.mtime_ns) == (5, st.st_mtime_ns)


def test_reading_changes_nothing_not_even_atime(tmp_path: Path) -> None:
    path = tmp_path / "photo.jpg"
    path.write_bytes(encode(noise_image(), "JPEG"))
    old = 1_000_000_000_000_000_000
    os.utime(path, ns=(old, old + 5))
    before = path.read_bytes()
    os.utime(path, ns=(old, old + 5))  # read_bytes may have touched atime
    result = fingerprint_file(b(tmp_path), b"photo.jpg")
    assert result.sha256
    st = os.stat(path)
    assert st.st_atime_ns == old, "O_NOATIME: the audit must not even update access times"
    assert st.st_mtime_ns == old + 5
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["photo.jpg"]


def test_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jpg")
    out: list[object] = []
    worker = threading.Thread(target=lambda: out.append(fingerprint_file(b(tmp_path), b"pipe.jpg")))
    worker.start()
    worker.join(5)
    if worker.is_alive():  # unblock it by opening the write end, then fail
        with open(tmp_path / "pipe.jpg", "wb"):
            pass
        pytest.fail("fingerprinting a FIFO blocked")
    result = out[0]
    assert codes(result) == [ProblemCode.NOT_REGULAR]  # type: ignore[attr-defined]
    assert "named pipe" in result.problems[0].message  # type: ignore[attr-defined]
    assert result.digests == {}  # type: ignore[attr-defined]


def test_fifo_swapped_in_after_lstat_is_refused_by_fstat(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race: a regular file at listing time, a FIFO when opened. fstat catches it."""
    os.mkfifo(tmp_path / "pipe")
    real_stat = os.stat

    def fake_stat(path: object, *a: object, **kw: object) -> os.stat_result:
        st = real_stat(path, *a, **kw)  # type: ignore[arg-type]
        fields = list(st)
        fields[0] = stat.S_IFREG | 0o644
        return os.stat_result(fields)

    monkeypatch.setattr(reader.os, "stat", fake_stat)
    result = fingerprint_file(b(tmp_path), b"pipe")
    assert codes(result) == [ProblemCode.NOT_REGULAR]


def test_directory_and_symlink_are_not_read(tmp_path: Path) -> None:
    (tmp_path / "folder.jpg").mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (tmp_path / "link.jpg").symlink_to(secret)
    folder = fingerprint_file(b(tmp_path), b"folder.jpg")
    link = fingerprint_file(b(tmp_path), b"link.jpg")
    assert codes(folder) == [ProblemCode.NOT_REGULAR] and "folder" in folder.problems[0].message
    assert codes(link) == [ProblemCode.NOT_REGULAR] and "symbolic link" in link.problems[0].message
    assert link.digests == {} and folder.digests == {}


def test_vanished_file(tmp_path: Path) -> None:
    result = fingerprint_file(b(tmp_path), b"gone.jpg")
    assert codes(result) == [ProblemCode.VANISHED]
    assert result.digests == {} and result.size == 0


def test_missing_parent_folder_is_vanished(tmp_path: Path) -> None:
    (tmp_path / "f").write_bytes(b"x")
    result = fingerprint_file(b(tmp_path), b"f/child.jpg")  # f is a file, not a folder
    assert codes(result) == [ProblemCode.VANISHED]


def test_invalid_utf8_and_newline_names(tmp_path: Path) -> None:
    names = [b"caf\xe9\n2024.jpg", b"\xff\xfe\x80.bin", b"line\nbreak\r\ttab.JPG"]
    for name in names:
        with open(b(tmp_path) + b"/" + name, "wb") as f:
            f.write(name)
    for name in names:
        result = fingerprint_file(b(tmp_path), name)
        # read whole; the .jpg names hold no JPEG, which is said (not a read problem)
        assert all(p.code == "extension-mismatch" for p in result.problems), name
        assert result.sha256 == hashlib.sha256(name).hexdigest()


def _make_deep(root: Path, total: int) -> tuple[bytes, bytes]:
    """Create nested folders below root until the joined path exceeds ``total`` bytes."""
    rel_parts: list[bytes] = []
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        while len(b(root)) + sum(len(p) + 1 for p in rel_parts) < total:
            part = b"d" * 200 + b"\xe9" + str(len(rel_parts)).encode()
            os.mkdir(part, dir_fd=fd)
            nfd = os.open(part, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
            rel_parts.append(part)
        data = b"deep content"
        wfd = os.open(b"deep.jpg.bak", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
        os.write(wfd, data)
        os.close(wfd)
    finally:
        os.close(fd)
    return b"/".join([*rel_parts, b"deep.jpg.bak"]), data


def test_path_longer_than_path_max_is_opened_by_walking(tmp_path: Path) -> None:
    rel, data = _make_deep(tmp_path, 5000)
    assert len(b(tmp_path)) + 1 + len(rel) > 4096
    with pytest.raises(OSError) as info:
        os.stat(b(tmp_path) + b"/" + rel)
    assert info.value.errno == errno.ENAMETOOLONG  # a plain open really cannot do it
    result = fingerprint_file(b(tmp_path), rel)
    assert result.problems == []
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_location_root_itself_longer_than_path_max(tmp_path: Path) -> None:
    rel, data = _make_deep(tmp_path, 4500)
    parts = rel.split(b"/")
    root = b(tmp_path) + b"/" + b"/".join(parts[:-1])
    result = fingerprint_file(root, parts[-1])
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_name_too_long_even_for_walking(tmp_path: Path) -> None:
    result = fingerprint_file(b(tmp_path), b"x" * 300 + b".jpg")
    assert codes(result) == [ProblemCode.PATH_TOO_LONG]
    assert "too long" in result.problems[0].message


def test_permission_denied(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 000 is no obstacle to root, so as root the open itself is made to fail."""
    path = tmp_path / "locked.jpg"
    path.write_bytes(b"secret")
    path.chmod(0)
    if os.geteuid() != 0:
        result = fingerprint_file(b(tmp_path), b"locked.jpg")
    else:
        def denied(*a: object, **kw: object) -> int:
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr(reader.os, "open", denied)
        result = fingerprint_file(b(tmp_path), b"locked.jpg")
    assert codes(result) == [ProblemCode.UNREADABLE]
    assert result.problems[0].message == "Permission denied: the file could not be read."
    assert result.digests == {}


def test_noatime_refused_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the owner: O_NOATIME gives EPERM, and the file is opened without it."""
    (tmp_path / "theirs.bin").write_bytes(b"data")
    real_open = os.open
    seen: list[int] = []

    def picky_open(path: object, flags: int, *a: object, **kw: object) -> int:
        seen.append(flags)
        if flags & getattr(os, "O_NOATIME", 0):
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return real_open(path, flags, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(reader.os, "open", picky_open)
    result = fingerprint_file(b(tmp_path), b"theirs.bin")
    assert result.problems == [] and result.sha256 == hashlib.sha256(b"data").hexdigest()
    if hasattr(os, "O_NOATIME"):
        assert seen[0] & os.O_NOATIME and not seen[1] & os.O_NOATIME
    assert all(f & os.O_NOFOLLOW and f & os.O_NONBLOCK and f & os.O_CLOEXEC for f in seen)
    assert all(not f & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC) for f in seen)


def test_io_error_while_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "failing.bin").write_bytes(os.urandom(3 * limits.CHUNK_SIZE))
    real_readv = os.readv
    calls = {"n": 0}

    def flaky_readv(fd: int, buffers: list[memoryview]) -> int:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.EIO, "Input/output error")
        return real_readv(fd, buffers)

    monkeypatch.setattr(reader.os, "readv", flaky_readv)
    result = fingerprint_file(b(tmp_path), b"failing.bin")
    assert codes(result) == [ProblemCode.UNREADABLE]
    assert "Input/output error" in result.problems[0].message
    assert result.digests == {}


def _hook_after_first_stat(
    monkeypatch: pytest.MonkeyPatch, action: object, times: int
) -> dict[str, int]:
    """Run ``action`` at the start of the first ``times`` read attempts (after fstat)."""
    real = reader.digests.new_hashers
    state = {"calls": 0}

    def hooked(algorithms: tuple[str, ...]) -> list[object]:
        state["calls"] += 1
        if state["calls"] <= times:
            action()  # type: ignore[operator]
        return real(algorithms)

    monkeypatch.setattr(reader.digests, "new_hashers", hooked)
    return state


@pytest.mark.parametrize("name", ["growing.log", "growing.jpg"])
def test_file_growing_during_every_read_has_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    path = tmp_path / name
    content = encode(noise_image((300, 200)), "JPEG") if name.endswith(".jpg") else b"a" * 5000
    path.write_bytes(content)

    def append() -> None:
        with open(path, "ab") as f:
            f.write(b"more")

    state = _hook_after_first_stat(monkeypatch, append, times=99)
    result = fingerprint_file(b(tmp_path), name.encode())
    assert state["calls"] == 2, "re-read exactly once"
    assert codes(result) == [ProblemCode.CHANGED_DURING_READ]
    assert result.digests == {} and result.hashes == [] and result.format is None
    assert "while it was being read" in result.problems[0].message


def test_change_during_first_read_only_is_retried(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settling.bin"
    path.write_bytes(b"first version")

    def rewrite() -> None:
        path.write_bytes(b"second version, longer")

    state = _hook_after_first_stat(monkeypatch, rewrite, times=1)
    result = fingerprint_file(b(tmp_path), b"settling.bin")
    assert state["calls"] == 2
    assert result.problems == []
    assert result.sha256 == hashlib.sha256(b"second version, longer").hexdigest()


def test_same_size_rewrite_during_read_is_caught_by_mtime(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "same-size.bin"
    path.write_bytes(b"A" * 100)
    ns = [1_600_000_000_000_000_000]

    def rewrite() -> None:
        with open(path, "r+b") as f:
            f.write(b"B" * 100)
        ns[0] += 1_000_000_000
        os.utime(path, ns=(ns[0], ns[0]))

    _hook_after_first_stat(monkeypatch, rewrite, times=99)
    result = fingerprint_file(b(tmp_path), b"same-size.bin")
    assert codes(result) == [ProblemCode.CHANGED_DURING_READ] and result.digests == {}


def test_file_deleted_while_read_is_reread_and_vanished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "temp.bin"
    path.write_bytes(b"x" * 1000)
    _hook_after_first_stat(monkeypatch, path.unlink, times=1)
    result = fingerprint_file(b(tmp_path), b"temp.bin")
    assert codes(result) == [ProblemCode.VANISHED] and result.digests == {}


def test_real_concurrent_writer(tmp_path: Path) -> None:
    """A thread appending the whole time: never a digest of an inconsistent read."""
    path = tmp_path / "recording.bin"
    path.write_bytes(os.urandom(16 * limits.CHUNK_SIZE))
    stop = threading.Event()
    started = threading.Event()

    def writer() -> None:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            while not stop.is_set():
                os.write(fd, b"z" * 64)
                started.set()
                time.sleep(0.0001)
        finally:
            os.close(fd)

    t = threading.Thread(target=writer)
    t.start()
    try:
        started.wait(5)
        result = fingerprint_file(b(tmp_path), b"recording.bin")
    finally:
        stop.set()
        t.join()
    assert codes(result) == [ProblemCode.CHANGED_DURING_READ]
    assert result.digests == {}


def test_expected_size_and_mtime_from_the_listing(tmp_path: Path) -> None:
    path = tmp_path / "listed.bin"
    path.write_bytes(b"0123456789")
    st = os.stat(path)
    ok = fingerprint_file(b(tmp_path), b"listed.bin", expected_size=10,
                          expected_mtime_ns=st.st_mtime_ns)
    assert ok.problems == [] and ok.sha256
    stale = fingerprint_file(b(tmp_path), b"listed.bin", expected_size=9)
    assert codes(stale) == [ProblemCode.CHANGED_DURING_READ] and stale.digests == {}
    assert "after its folder was listed" in stale.problems[0].message
    stale_time = fingerprint_file(b(tmp_path), b"listed.bin", expected_mtime_ns=st.st_mtime_ns - 1)
    assert codes(stale_time) == [ProblemCode.CHANGED_DURING_READ]


def test_large_non_image_streams_in_constant_memory(tmp_path: Path) -> None:
    path = tmp_path / "video.mp4"
    with open(path, "wb") as f:
        f.write(b"\0\0\0\x18ftypisom\0\0\0\0isomiso2")
        f.truncate(200 * limits.CHUNK_SIZE)  # sparse: 200 MiB of holes
    tracemalloc.start()
    try:
        result = fingerprint_file(b(tmp_path), b"video.mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.problems == [] and result.format == "mp4" and result.size == 200 << 20
    assert peak < 4 * limits.CHUNK_SIZE, f"peak {peak} bytes: not streamed"


@pytest.mark.slow
def test_image_larger_than_memory_cap_is_streamed_not_decoded(tmp_path: Path) -> None:
    path = tmp_path / "huge.jpg"
    head = encode(noise_image((64, 64)), "JPEG")
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(limits.MEMORY_CAP_BYTES + limits.CHUNK_SIZE)
    tracemalloc.start()
    try:
        result = fingerprint_file(b(tmp_path), b"huge.jpg")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert result.format == "jpeg" and result.sha256 and result.hashes == []
    assert codes(result) == [ProblemCode.UNSUPPORTED_IMAGE]
    assert "larger than the in-memory limit" in result.problems[0].message
    assert peak < 4 * limits.CHUNK_SIZE


def test_empty_file_is_valid(fp: FP) -> None:
    result = fp(b"", "marker")
    assert result.problems == [] and result.format is None and result.size == 0
    assert result.sha256 == hashlib.sha256(b"").hexdigest()


def test_empty_file_named_like_a_photo_is_flagged(fp: FP) -> None:
    result = fp(b"", "IMG_0001.JPG")
    assert codes(result) == [ProblemCode.EMPTY]
    assert "JPEG image" in result.problems[0].message
    assert result.sha256 == hashlib.sha256(b"").hexdigest() and result.format is None
