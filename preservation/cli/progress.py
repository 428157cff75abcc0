"""Terminal progress for long runs: a live bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from preservation.cli.context import human_bytes


class FilesColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        unit = task.fields.get("unit", "files")
        if not unit:
            return Text("")
        files = task.fields.get("files", 0)
        total = task.fields.get("total_files")
        rate = files / task.elapsed if task.elapsed else 0.0
        count = f"{files:,}/{total:,}" if total else f"{files:,}"
        return Text(f"{count} {unit} {rate:,.1f}/s" if rate < 10 else f"{count} {unit} {rate:,.0f}/s")


class BytesSpeedColumn(TransferSpeedColumn):
    """Read speed, for steps that read bytes; blank for the others."""

    def render(self, task: Task) -> Text:
        return super().render(task) if task.total is not None or task.completed else Text("")


def bar_total(total_files: int | None, total_bytes: int | None, unit: str) -> int | None:
    """The bar fills by bytes read when files are read, else by items counted."""
    return total_bytes if unit == "files" else total_files


class TerminalProgress:
    """Rich live bar: files, files/s, MB/s, ETA (from a quick counting pass)."""

    wants_totals = True

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), FilesColumn(),
                             BytesSpeedColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                             console=self.console, transient=True)
        self._bar.start()
        self._task = self._bar.add_task(label, total=bar_total(total_files, total_bytes, unit),
                                        files=0, total_files=total_files, unit=unit)

    def advance(self, files: int, nbytes: int) -> None:
        if self._bar is not None and self._task is not None:
            task = self._bar.tasks[0]
            by_bytes = task.fields.get("unit", "files") == "files"
            self._bar.update(self._task, advance=nbytes if by_bytes else files,
                             files=task.fields["files"] + files)

    def note(self, message: str) -> None:
        self.console.print(message, markup=False)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class LineProgress:
    """For logs and pipes: one plain line every few seconds, no control characters."""

    wants_totals = False

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.label, self.unit = "", "files"
        self.files = self.bytes = 0
        self.total: int | None = None
        self.start = self.last = 0.0

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        self.label, self.unit, self.total, self.files, self.bytes = label, unit, total_files, 0, 0
        self.start = self.last = time.monotonic()

    def advance(self, files: int, nbytes: int) -> None:
        self.files += files
        self.bytes += nbytes
        t = time.monotonic()
        if t - self.last >= self.every and self.unit:
            self.last = t
            el = t - self.start
            if self.unit == "files":
                line = (f"{self.files:,} files, {human_bytes(self.bytes)}, "
                        f"{self.files / el:,.0f} files/s, {human_bytes(self.bytes / el)}/s")
            else:
                line = f"{self.files:,}" + (f" of {self.total:,}" if self.total else "") + f" {self.unit}"
            print(f"{self.label}: {line}", file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def end(self) -> None:
        pass
