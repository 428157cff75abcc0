"""Full lists next to a report, as CSV that a spreadsheet opens safely.

A report shows the first rows of a long list and writes the whole list to
``<stem>-<name>.csv`` beside it. Cells are protected against formula injection (a file named
``=HYPERLINK(...)`` must stay text when the CSV is opened in a spreadsheet): a cell starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe (OWASP's
advice). Files are written to a ``.part`` name first and renamed when complete, and only kept
when the report had to cut the list short.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

DANGEROUS_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """One cell as text, defused if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    if text.startswith(DANGEROUS_START):
        return "'" + text
    return text


def write_csv(out: IO[str], header: Iterable[str], rows: Iterable[Iterable[Any]]) -> None:
    """A whole CSV to an open text stream (standard output), every cell defused."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for values in rows:
        writer.writerow([safe_cell(v) for v in values])


class CsvList:
    """One list being written; rows are streamed to disk, never held in memory."""

    def __init__(self, path: str, header: Iterable[str]) -> None:
        self.path = path
        self.part = path + ".part"
        self._fh: IO[str] | None = open(self.part, "w", newline="", encoding="utf-8-sig")  # noqa: SIM115
        self._writer = csv.writer(self._fh)
        self._writer.writerow([safe_cell(h) for h in header])
        self.rows = 0

    def row(self, values: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(v) for v in values])
        self.rows += 1

    def close(self, keep: bool) -> str | None:
        """Finish the file: renamed into place if ``keep``, else removed. Returns its name."""
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if keep:
            os.replace(self.part, self.path)
            return os.path.basename(self.path)
        os.unlink(self.part)
        return None


@dataclass
class CsvSink:
    """Where a report's full lists go: ``directory/stem-name.csv``."""

    directory: str
    stem: str
    written: list[str] = field(default_factory=list)
    _open: list[CsvList] = field(default_factory=list)

    def open(self, name: str, header: Iterable[str]) -> CsvList:
        lst = CsvList(os.path.join(self.directory, f"{self.stem}-{name}.csv"), header)
        self._open.append(lst)
        return lst

    def finish(self, lst: CsvList, shown: int) -> str | None:
        """Keep the list's file only if the report shows fewer rows than it holds."""
        self._open.remove(lst)
        name = lst.close(keep=lst.rows > shown)
        if name:
            self.written.append(name)
        return name

    def abort(self) -> None:
        """Remove every unfinished file (the report failed)."""
        for lst in self._open:
            lst.close(keep=False)
        self._open.clear()
