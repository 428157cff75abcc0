"""Cryptographic digests (fixity). SHA-256 is always computed; others on request."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

# BagIt's manifest algorithms. md5 and sha1 are for fixity only, never security.
_CONSTRUCTORS: dict[str, Callable[[], Any]] = {
    "sha256": hashlib.sha256,
    "sha512": hashlib.sha512,
    "sha1": lambda: hashlib.sha1(usedforsecurity=False),
    "md5": lambda: hashlib.md5(usedforsecurity=False),
}

SUPPORTED = frozenset(_CONSTRUCTORS)


@lru_cache(maxsize=32)
def _normalise(algorithms: tuple[str, ...]) -> tuple[str, ...]:
    names = ["sha256"]
    for name in algorithms:
        key = name.lower().replace("-", "")
        if key not in _CONSTRUCTORS:
            raise ValueError(f"unsupported digest algorithm {name!r}; choose from {sorted(SUPPORTED)}")
        if key not in names:
            names.append(key)
    return tuple(names)


def normalise(algorithms: Iterable[str]) -> tuple[str, ...]:
    """Validated, de-duplicated algorithm names, ``sha256`` first. Raises ValueError."""
    return _normalise(tuple(algorithms))


def new_hashers(algorithms: tuple[str, ...]) -> list[Any]:
    """Fresh hash objects for already normalised ``algorithms``, in the same order."""
    return [_CONSTRUCTORS[name]() for name in algorithms]
