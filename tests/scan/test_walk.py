from __future__ import annotations

import os
from pathlib import Path

from preservation.scan.walk import walk


def _all(root: Path) -> tuple[set[bytes], dict[bytes, str]]:
    files: set[bytes] = set()
    skipped: dict[bytes, str] = {}
    for listing in walk(os.fsencode(root)):
        for e in listing.files:
            files.add(listing.rel_dir + b"/" + e.name if listing.rel_dir else e.name)
        skipped.update(dict(listing.skipped))
    return files, skipped


def test_symlinks_are_never_followed_out_or_round_a_loop(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("not ours")
    root = tmp_path / "loc"
    (root / "a").mkdir(parents=True)
    (root / "a" / "f.txt").write_text("x")
    (root / "link-out").symlink_to(outside)
    (root / "a" / "loop").symlink_to(root)
    (root / "file-link").symlink_to(outside / "secret.txt")
    files, skipped = _all(root)
    assert files == {b"a/f.txt"}
    assert "symbolic link" in skipped[b"link-out"]
    assert "symbolic link" in skipped[b"a/loop"]
    assert "symbolic link" in skipped[b"file-link"]


def test_fifos_and_sockets_are_listed_as_skipped_never_opened(tmp_path: Path) -> None:
    import socket

    root = tmp_path / "loc"
    root.mkdir()
    os.mkfifo(root / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(root / "sock"))
    try:
        files, skipped = _all(root)  # would hang forever if the FIFO were opened
    finally:
        sock.close()
    assert files == set()
    assert "FIFO" in skipped[b"pipe"] and "socket" in skipped[b"sock"]


def test_deep_trees_beyond_path_max_walk(tmp_path: Path) -> None:
    root = tmp_path / "loc"
    root.mkdir()
    fd = os.open(root, os.O_RDONLY)
    name = "d" * 200
    depth = 30  # 30 * 201 bytes > PATH_MAX (4096)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        nfd = os.open(name, os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = nfd
    wfd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
    os.write(wfd, b"deep")
    os.close(wfd)
    os.close(fd)
    files, _ = _all(root)
    assert len(files) == 1
    (only,) = files
    assert only.endswith(b"/deep.txt") and len(only) > 4096


def test_odd_names_round_trip_as_bytes(tmp_path: Path) -> None:
    root = tmp_path / "loc"
    root.mkdir()
    names = [b"new\nline.jpg", b"\xff\xfeinvalid-utf8.jpg", b"rtl\xe2\x80\xaegpj.exe", b"<img src=x onerror=alert(1)>.jpg"]
    for n in names:
        with open(os.path.join(os.fsencode(root), n), "wb") as fh:
            fh.write(b"x")
    files, _ = _all(root)
    assert files == set(names)


def test_order_is_deterministic_and_parents_come_first(tmp_path: Path) -> None:
    root = tmp_path / "loc"
    for d in ("b/y", "a/x", "c"):
        (root / d).mkdir(parents=True)
    dirs = [listing.rel_dir for listing in walk(os.fsencode(root))]
    assert dirs == [b"", b"a", b"a/x", b"b", b"b/y", b"c"]


def test_unlistable_folder_is_reported_not_fatal(tmp_path: Path, monkeypatch) -> None:
    root = tmp_path / "loc"
    (root / "locked").mkdir(parents=True)
    (root / "ok.txt").write_text("x")
    real_open = os.open

    def deny(path, flags, *a, **kw):  # tests run as root: simulate EACCES honestly
        if path in ("locked", b"locked"):
            raise PermissionError(13, "Permission denied")
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    listings = list(walk(os.fsencode(root)))
    errors = {lst.rel_dir: lst.error for lst in listings if lst.error}
    assert "Permission denied" in errors[b"locked"]
    assert any(e.name == b"ok.txt" for lst in listings for e in lst.files)
