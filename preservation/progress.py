"""How long-running core operations report progress, without knowing about terminals."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    wants_totals: bool  # worth a quick counting pass first (for an ETA)?

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        """A step starts. ``unit`` names what ``advance`` counts ("files", "pairs"); "" for a
        step that counts nothing (only its label is shown)."""

    def advance(self, files: int, nbytes: int) -> None: ...

    def note(self, message: str) -> None: ...

    def end(self) -> None: ...


class NoProgress:
    wants_totals = False

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        pass

    def advance(self, files: int, nbytes: int) -> None:
        pass

    def note(self, message: str) -> None:
        pass

    def end(self) -> None:
        pass
