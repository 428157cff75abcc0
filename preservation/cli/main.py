"""The ``preservation`` command: a thin layer over the Python API.

Exit codes: 0 all good, 1 finished and found problems, 2 could not run.
"""

from __future__ import annotations

import importlib
import json
import sys
from typing import Any

import click
from sqlalchemy.exc import DBAPIError

from preservation import __version__
from preservation.catalog.engine import (
    DEFAULT_CATALOG,
    ENV_VAR,
    damaged,
    describe_db_error,
    integrity_problem,
)
from preservation.cli.context import AppContext, terminal_safe
from preservation.errors import EXIT_ERROR, PreservationError


class PreservationGroup(click.Group):
    """Lazily loaded commands; the tool's own errors become a clear message and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attr = COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PreservationError as exc:
            _fail(str(exc), exc.exit_code)
        except DBAPIError as exc:
            _fail_if_damaged(ctx, exc)
            app = ctx.find_object(AppContext)
            _fail(str(describe_db_error(exc, app.catalog_value or DEFAULT_CATALOG if app else "?")),
                  EXIT_ERROR)
        except (ValueError, TypeError, KeyError, LookupError, UnicodeError) as exc:
            # what a damaged row decodes to (bad JSON, a date that is not one, a missing key)
            _fail_if_damaged(ctx, exc)
            raise
        except KeyboardInterrupt:
            _fail("Interrupted. Everything recorded so far is kept; run the same command again "
                  "to finish.", EXIT_ERROR)
        finally:
            app = ctx.find_object(AppContext)
            if app is not None:
                app.close()


def _fail_if_damaged(ctx: click.Context, exc: BaseException) -> None:
    """An unexpected error while a catalog was open: if the catalog's file is damaged, say
    that (exit 2), not a traceback about the row it garbled."""
    app = ctx.find_object(AppContext)
    catalog = app.opened if app is not None else None
    if catalog is None:
        return
    problem = integrity_problem(catalog.engine)
    if problem is not None:
        _fail(str(damaged(catalog.display, f"SQLite's integrity check failed ({problem}); "
                                           f"reading it gave {type(exc).__name__}: {exc}")),
              EXIT_ERROR)
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        # sound pages holding a value this tool never writes: damaged all the same
        _fail(str(damaged(catalog.display, f"a value in it cannot be read ({type(exc).__name__}: "
                                           f"{exc})")), EXIT_ERROR)


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {terminal_safe(message)}", err=True)
    sys.exit(code)


@click.group(cls=PreservationGroup, context_settings={"help_option_names": ["-h", "--help"],
                                                       "max_content_width": 100})
@click.option("--catalog", metavar="PATH|URL", envvar=ENV_VAR, show_envvar=True,
              help=f"Catalog file or SQLAlchemy URL (default: ./{DEFAULT_CATALOG}).")
@click.version_option(__version__, prog_name="preservation")
@click.pass_context
def cli(ctx: click.Context, catalog: str | None) -> None:
    """Audit photo and file collections without ever changing them.

    Inventory files with cryptographic and perceptual fingerprints, check fixity, find files
    that look like duplicates but differ, check 3-2-1 backup status, and make reports and
    evidence packages. Nothing in a scanned location is ever deleted, moved, renamed or
    rewritten.

    Exit codes: 0 all good, 1 finished and found problems, 2 could not run.
    """
    ctx.obj = AppContext(catalog)


# Command name -> "module:attribute". Modules are imported only when their command runs (or
# for --help), so `preservation scan` does not pay for PDF rendering or image analysis imports.
COMMANDS: dict[str, str] = {
    "location": "preservation.cli.location:location",
    "scan": "preservation.cli.scan:scan",
    "files": "preservation.cli.files:files",
    "show": "preservation.cli.files:show",
    "copies": "preservation.cli.copies:copies",
    "status": "preservation.cli.copies:status",
    "verify": "preservation.cli.verify:verify",
    "history": "preservation.cli.history:history",
    "log": "preservation.cli.history:log",
    "export": "preservation.cli.export:export",
    "lookalikes": "preservation.cli.lookalikes:lookalikes",
    "report": "preservation.cli.report:report",
    "workshop": "preservation.cli.workshop:workshop",
    "compare": "preservation.cli.compare:compare_cmd",
    "evidence": "preservation.cli.evidence:evidence",
    "audit": "preservation.cli.audit:audit_cmd",
    "decisions": "preservation.cli.decisions:decisions",
    "review": "preservation.cli.review:review",
    "accept": "preservation.cli.accept:accept_cmd",
}


def main() -> None:
    cli(prog_name="preservation")
