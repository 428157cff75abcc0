"""File names as bytes, for display, and for comparison.

POSIX names are bytes. We keep the exact bytes (so a name that is not valid UTF-8 still
round-trips to the file), a printable form for people and JSON (undecodable bytes shown as
``\\xNN``), and an NFC-normalised key for comparing names written by different systems.
"""

from __future__ import annotations

import os
import unicodedata


def printable(b: bytes) -> str:
    return b.decode("utf-8", "backslashreplace")


def key(b: bytes) -> str:
    return unicodedata.normalize("NFC", printable(b))


def to_bytes(p: str | bytes | os.PathLike[str] | os.PathLike[bytes]) -> bytes:
    return os.fsencode(p)


def absolute(p: str | bytes | os.PathLike[str]) -> bytes:
    """Absolute, normalised, with the root's own symlinks resolved (a mount path may be a link)."""
    return os.path.realpath(os.path.expanduser(os.fsencode(p)))


def parent(rel: bytes) -> bytes:
    i = rel.rfind(b"/")
    return rel[:i] if i >= 0 else b""


def relative_to(path: bytes, root: bytes) -> bytes | None:
    """``path`` relative to ``root`` (b"" for the root itself), or None if outside it."""
    root = root.rstrip(b"/") or b"/"
    if path == root:
        return b""
    prefix = root if root.endswith(b"/") else root + b"/"
    return path[len(prefix):] if path.startswith(prefix) else None


def join(root: bytes, rel: bytes) -> bytes:
    return os.path.join(root, rel) if rel else root
