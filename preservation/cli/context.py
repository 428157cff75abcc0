"""What every command shares: the catalog option, opening it lazily, JSON and console output."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.text import Text

from preservation import paths
from preservation.catalog import locations
from preservation.catalog.engine import Catalog, open_catalog, resolve_url
from preservation.errors import HasProblems, exit_code
from preservation.units import human_bytes

__all__ = ["AppContext", "console", "emit_json", "exit_with", "human_bytes", "name_text", "operator_option", "pass_app",
           "refuse_writing_into_locations", "terminal_safe"]


@dataclass
class AppContext:
    catalog_value: str | None
    #: set by the commands that may start a new catalog (scan, audit, location add); every
    #: other command refuses a catalog that does not exist instead of creating an empty one
    creates: bool = False
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = open_catalog(self.catalog_value, create=self.creates)
        return self._catalog

    @property
    def opened(self) -> Catalog | None:
        """The catalog if this command opened it, else None."""
        return self._catalog

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.dispose()


pass_app = click.make_pass_decorator(AppContext)


def terminal_safe(text: str, *, name: bool = False) -> str:
    """``text`` as a terminal should show it (:func:`preservation.paths.visible`); ``name``: a
    file or location name, kept to one line."""
    return paths.visible(text, one_line=name)


def name_text(value: object) -> Text:
    """A name for a table cell or a styled line: shown exactly, never read as markup."""
    return Text(terminal_safe(str(value), name=True))


class SafeConsole(Console):
    """A console that shows control characters in any text it prints instead of sending them."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(terminal_safe(text), **kwargs)


def console(stderr: bool = False) -> Console:
    return SafeConsole(stderr=stderr, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def operator_option(f: Any) -> Any:
    return click.option("--operator", metavar="NAME", callback=_storable_text,
                        help="Who is doing this, for the provenance log (default: your OS user).")(f)


def _storable_text(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    return None if value is None else paths.text(value)



def exit_with(result: HasProblems) -> NoReturn:
    """Leave with the one exit-code rule: 1 if anything in ``result`` needs action, else 0."""
    sys.exit(exit_code(result))


def refuse_writing_into_locations(app: AppContext, path: str, *, around: bool = False,
                                  advice: str = "Choose another folder.") -> None:
    """The catalog's never-write-here guard (:func:`preservation.catalog.locations.refuse_writing_into_locations`)
    for a command's output ``path``; without a catalog yet there are no locations (and none is
    created here)."""
    url = resolve_url(app.catalog_value)
    if url.startswith("sqlite:///") and not os.path.exists(url[len("sqlite:///"):]):
        return
    with app.catalog.session() as s:
        locations.refuse_writing_into_locations(s, path, shown=path, around=around, advice=advice)
