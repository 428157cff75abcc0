"""``preservation audit``: the walk-in command, the whole job for a drive in one run."""

from __future__ import annotations

import shlex
import sys

import click

from preservation.audit import AuditOptions, audit, result_view
from preservation.catalog.events import default_operator
from preservation.cli.context import AppContext, console, emit_json, operator_option, pass_app
from preservation.cli.progress import LineProgress, TerminalProgress, bar_total
from preservation.cli.report import _command_line
from preservation.errors import EXIT_OK, EXIT_PROBLEMS
from preservation.progress import NoProgress, Progress
from preservation.report.model import AUDIENCES, PAPERS


class _OneBar(TerminalProgress):
    """One live bar for the whole run: each step relabels it instead of starting another."""

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        if self._bar is None or self._task is None:
            super().begin(label, total_files, total_bytes, unit)
        else:
            self._bar.reset(self._task, total=bar_total(total_files, total_bytes, unit),
                            description=label, files=0, total_files=total_files, unit=unit)

    def end(self) -> None:
        pass  # the next step reuses the bar; close() removes it

    def close(self) -> None:
        super().end()


class _Lines(LineProgress):
    """Not a terminal: a plain line as each step starts, then the usual lines every few seconds."""

    def begin(self, label: str, total_files: int | None, total_bytes: int | None,
              unit: str = "files") -> None:
        super().begin(label, total_files, total_bytes, unit)
        self.note(f"{label}...")

    def close(self) -> None:
        pass


def _display(quiet: bool) -> _OneBar | _Lines | None:
    if quiet:
        return None
    err = console(stderr=True)
    return _OneBar(err) if err.is_terminal else _Lines()


@click.command()
@click.argument("targets", nargs=-1, metavar="[PATH|LOCATION]...")
@click.option("--report", "-o", "report_path", type=click.Path(dir_okay=False), metavar="FILE",
              help="Also write the report: .pdf (printable), .html or .json. Never inside a location.")
@click.option("--audience", type=click.Choice(AUDIENCES), default="patron", show_default=True,
              help="Who the report is for: plain words for a patron, every detail for staff.")
@click.option("--paper", type=click.Choice(PAPERS), default="letter", show_default=True,
              help="Page size of the PDF report.")
@click.option("--collection", metavar="NAME", help="The collection's name, for the report's title.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (default: all cores).")
@click.option("--recheck-older-than", "recheck_days", type=click.FloatRange(min=0), metavar="DAYS",
              help="Re-read only the files verified before whose last check is older than DAYS "
                   "(default: every file verified before; 1 makes a same-day re-run quick).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display and no summary.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (schemas/audit.json).")
@operator_option
@pass_app
def audit_cmd(app: AppContext, targets: tuple[str, ...], report_path: str | None, audience: str,
              paper: str, collection: str | None, jobs: int, recheck_days: float | None,
              quiet: bool, as_json: bool, operator: str | None) -> None:
    """Audit drives or folders in one run: the walk-in command.

    For each PATH: register it as a location if it is not one (a registered location's name
    works too; none means every registered location), scan it, check again the files verified
    before, and show what changed since the last visit (new, changed, missing files). Then find
    pictures that look like duplicates but differ, check 3-2-1 copies, write the report
    (--report), and sum it all up in plain words. Running it again on the same drive only reads
    what changed. Files are only ever opened for reading.

    Exit codes: 0 no problems, 1 files changed or went missing since the last visit, or cannot
    be read or opened, or a location could not be reached, 2 could not run.
    """
    options = AuditOptions(jobs=jobs, operator=operator or default_operator(), report=report_path,
                           audience=audience, paper=paper, collection=collection,
                           recheck_older_than_days=recheck_days,
                           command_line=" ".join([_command_line(click.get_current_context()),
                                                   *map(shlex.quote, targets)]))
    display = _display(quiet or as_json)
    progress: Progress = display if display is not None else NoProgress()
    try:
        app.creates = True
        result = audit(app.catalog, list(targets), options, progress)
    finally:
        if display is not None:
            display.close()
    if as_json:
        emit_json(result_view(result))
    elif not quiet:
        c = console()
        for name in result.registered:
            c.print(f"Registered {name!r} as a new location (media unknown; for 3-2-1, register "
                    "drives with 'preservation location add' before auditing them).", markup=False)
        for line in result.sentences():
            c.print(line, markup=False)
    sys.exit(EXIT_OK if result.ok else EXIT_PROBLEMS)
