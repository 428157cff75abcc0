"""What every command shares: the catalog option, opening it lazily, JSON and console output."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

import click
from rich.console import Console

from preservation.catalog.engine import Catalog, open_catalog
from preservation.units import human_bytes

__all__ = ["AppContext", "console", "emit_json", "human_bytes", "operator_option", "pass_app"]


@dataclass
class AppContext:
    catalog_value: str | None
    _catalog: Catalog | None = field(default=None, repr=False)

    @property
    def catalog(self) -> Catalog:
        if self._catalog is None:
            self._catalog = open_catalog(self.catalog_value)
        return self._catalog

    def close(self) -> None:
        if self._catalog is not None:
            self._catalog.dispose()


pass_app = click.make_pass_decorator(AppContext)


def console(stderr: bool = False) -> Console:
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def operator_option(f: Any) -> Any:
    return click.option("--operator", metavar="NAME",
                        help="Who is doing this, for the provenance log (default: your OS user).")(f)

