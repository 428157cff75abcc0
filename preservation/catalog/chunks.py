"""Long lists of ids in pieces: a query names at most a few hundred values at once (SQLite
allows 32,766 bound parameters, and a PostgreSQL plan grows with every one)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

#: Values bound in one ``IN (...)``.
CHUNK = 500


def chunked(items: Sequence[T], n: int = CHUNK) -> Iterator[list[T]]:
    """``items`` in consecutive lists of at most ``n``."""
    items = list(items)
    for i in range(0, len(items), n):
        yield items[i:i + n]


__all__ = ["CHUNK", "chunked"]
