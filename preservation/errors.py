"""One exception base for everything the tool reports to a person.

Exit codes follow borg's convention: 0 all good, 1 finished and found problems, 2 could not run.
A :class:`PreservationError` is a *user-facing* failure: the CLI prints its message (no
traceback) and exits with its code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_ERROR = 2


@runtime_checkable
class HasProblems(Protocol):
    """A finished result that knows how many things in it need a person's action.

    The one exit-code rule: every command's result implements this, and
    :func:`exit_code` turns it into 0 (nothing needs action) or 1. Exit 2 (could not run)
    comes only from a :class:`PreservationError`.
    """

    @property
    def problem_count(self) -> int: ...


def exit_code(result: HasProblems) -> int:
    """0 if nothing in ``result`` needs action, 1 otherwise."""
    return EXIT_PROBLEMS if result.problem_count else EXIT_OK


class PreservationError(Exception):
    """Base class: a clear message for a person and the exit code to leave with."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n{self.hint}"


class CatalogError(PreservationError):
    """The catalog cannot be opened or used (not a catalog, corrupt, newer version, disk full)."""


class LocationError(PreservationError):
    """An unknown location, a duplicate name, a root that does not exist."""


class NotInCatalogError(PreservationError):
    """A path or file the user named is not recorded in the catalog."""


class UsageError(PreservationError):
    """Options that cannot work together or values out of range."""


class ClusterError(PreservationError):
    """The Dask cluster cannot be used: no scheduler there, no workers, workers that differ."""


class Refused(PreservationError):
    """The package cannot be made from these files; every reason is in the message."""

    def __init__(self, problems: Sequence[str], *, hint: str | None = None) -> None:
        lines = "\n".join(f"  - {p}" for p in problems)
        n = len(problems)
        super().__init__(f"No evidence package was made: {n} file{'s' if n != 1 else ''} cannot go into "
                         f"it (a package holds only verified originals):\n{lines}", hint=hint)
        self.problems = list(problems)
