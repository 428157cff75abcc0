"""File names as bytes, for display, and for comparison.

POSIX names are bytes. We keep the exact bytes (so a name that is not valid UTF-8 still
round-trips to the file), a printable form for people and JSON (undecodable bytes shown as
``\\xNN``), and an NFC-normalised key for comparing names written by different systems.

The printable form never shows two names alike: ``\\xNN`` always stands for one byte. A name
that really holds a backslash followed by ``x`` and two hex digits has that backslash written
as ``\\x5c`` (its own byte), so the file named ``a\\xff`` (six characters) prints as
``a\\x5cxff`` and the file whose name holds the byte 0xff prints as ``a\\xff``. Any other
backslash is shown as it is.
"""

from __future__ import annotations

import os
import re
import unicodedata

_LOOKS_ESCAPED = re.compile(rb"\\(?=x[0-9a-fA-F]{2})")


def printable(b: bytes) -> str:
    return _LOOKS_ESCAPED.sub(rb"\\x5c", b).decode("utf-8", "backslashreplace")


def text(s: str) -> str:
    """Text from the command line (a name, a note) as the catalog can store it.

    Python gives bytes that are not UTF-8 in ``argv`` as lone surrogates, which no database or
    UTF-8 file can hold; they become ``\\xNN`` as in :func:`printable`.
    """
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return printable(s.encode("utf-8", "surrogateescape" if _escaped_only(s) else "surrogatepass"))


def _escaped_only(s: str) -> bool:
    return all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in s)


# What a terminal or a web page would act on rather than show: control characters (an escape
# sequence can clear the screen or retitle the window) and the bidirectional controls that make
# "photo\u202egpj.exe" display as "photoexe.jpg".
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_ACTIVE = re.compile(f"[{_CONTROLS}]")
_ACTIVE_OR_BREAK = re.compile(f"[{_CONTROLS}\t\n]")


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, one_line: bool = False) -> str:
    """``text`` (a printable name, a message) for a terminal or a page: what would be acted on
    rather than shown is written as ``\\xNN`` / ``\\uNNNN``; ``one_line`` escapes newlines
    and tabs too, so that one name shows as one line. JSON, CSV and the catalog keep the text
    as it is; only what people read is escaped."""
    return (_ACTIVE_OR_BREAK if one_line else _ACTIVE).sub(_escape, text)


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
