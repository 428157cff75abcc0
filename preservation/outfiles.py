"""Files the tool writes (exports, anchors): whole or not at all.

A file is written under ``NAME.part`` beside its final name and renamed into place only when it
is complete, so a run that fails or is killed never leaves a half-written file under the name
a person (or a script) will trust.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO


@contextlib.contextmanager
def part_file(path: str | os.PathLike[str]) -> Iterator[str]:
    """The name to write (``path`` + ``.part``); renamed to ``path`` only if the block ends
    without error, removed otherwise. For writers that take a file name (WeasyPrint)."""
    final = os.fspath(path)
    part = final + ".part"
    done = False
    try:
        yield part
        os.replace(part, final)
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(part)


@contextlib.contextmanager
def written_whole(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """A binary file to write; it appears at ``path`` only if the block ends without error."""
    with part_file(path) as part, open(part, "wb") as fh:
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
