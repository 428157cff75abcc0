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
        files = task.fields.get("files", 0)
        total = task.fields.get("total_files")
        rate = files / task.elapsed if task.elapsed else 0.0
        count = f"{files:,}/{total:,}" if total else f"{files:,}"
        return Text(f"{count} files {rate:,.0f}/s")


class TerminalProgress:
    """Rich live bar: files, files/s, MB/s, ETA (from a quick counting pass)."""

    wants_totals = True

    def __init__(self, console: Console) -> None:
        self.console = console
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def begin(self, label: str, total_files: int | None, total_bytes: int | None) -> None:
        self._bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), FilesColumn(),
                             TransferSpeedColumn(), TimeElapsedColumn(), TimeRemainingColumn(),
                             console=self.console, transient=True)
        self._bar.start()
        self._task = self._bar.add_task(label, total=total_bytes, files=0, total_files=total_files)

    def advance(self, files: int, nbytes: int) -> None:
        if self._bar is not None and self._task is not None:
            task = self._bar.tasks[0]
            self._bar.update(self._task, advance=nbytes, files=task.fields["files"] + files)

    def note(self, message: str) -> None:
        self.console.print(message)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


class LineProgress:
    """For logs and pipes: one plain line every few seconds, no control characters."""

    wants_totals = False

    def __init__(self, every: float = 10.0) -> None:
        self.every = every
        self.label = ""
        self.files = self.bytes = 0
        self.start = self.last = 0.0

    def begin(self, label: str, total_files: int | None, total_bytes: int | None) -> None:
        self.label, self.files, self.bytes = label, 0, 0
        self.start = self.last = time.monotonic()

    def advance(self, files: int, nbytes: int) -> None:
        self.files += files
        self.bytes += nbytes
        t = time.monotonic()
        if t - self.last >= self.every:
            self.last = t
            el = t - self.start
            print(f"{self.label}: {self.files:,} files, {human_bytes(self.bytes)}, "
                  f"{self.files / el:,.0f} files/s, {human_bytes(self.bytes / el)}/s",
                  file=sys.stderr, flush=True)

    def note(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def end(self) -> None:
        pass
