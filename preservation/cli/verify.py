"""``preservation verify``: fixity audits of registered locations."""

from __future__ import annotations

import re
from typing import Any

import click

from preservation import paths
from preservation.analyse.fixity import VerifyOptions, VerifyReport, open_change_message, report_view
from preservation.analyse.fixity import verify as run_verify
from preservation.catalog.events import default_operator
from preservation.cli.context import (
    AppContext,
    console,
    emit_json,
    exit_with,
    human_bytes,
    operator_option,
    pass_app,
)
from preservation.cli.scan import make_progress
from preservation.vocabulary import FixityStatus

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
SHOW_NEW = 20  # new files listed on the terminal (--json lists them all)


class Duration(click.ParamType):
    """90s, 30m, 2h, 1d (or plain seconds)."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, int | float):
            return float(value)
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(value).lower())
        if not m or float(m.group(1)) <= 0:
            self.fail(f"{value!r} is not a duration like 90s, 30m, 2h or 1d", param, ctx)
        return float(m.group(1)) * UNITS[m.group(2) or "s"]


LABELS = {FixityStatus.CHANGED: "CHANGED", FixityStatus.MISSING: "MISSING",
          FixityStatus.UNREADABLE: "UNREADABLE", FixityStatus.MOVED: "moved",
          FixityStatus.NEW: "new"}


def print_report(report: VerifyReport, *, quiet: bool) -> None:
    """Problems always; with ``quiet``, nothing else (silent when all is well, for cron)."""
    c = console()

    def say(text: str) -> None:
        c.print(text, markup=False)

    for lv in report.locations:
        k = lv.counts
        if lv.status == "unreachable":
            say(lv.message or f"{lv.location} is unreachable.")
            continue
        if not quiet or lv.problems:
            summary = (f"{lv.location}: {k['checked']:,} files checked "
                       f"({human_bytes(k['bytes_read'])}) in {lv.elapsed:,.1f} s: {k['ok']:,} ok")
            for key in ("changed", "missing", "unreadable"):
                if k[key]:
                    summary += f", {k[key]:,} {key}"
            if k["unaccepted"]:
                summary += f", {k['unaccepted']:,} changed before and not accepted"
            extra = [f"{k[key]:,} {key}" for key in ("moved", "new") if k[key]]
            say(summary + (f"; {', '.join(extra)}." if extra else "."))
        shown_new = 0
        for f in lv.findings:
            if f.status == FixityStatus.NEW:
                shown_new += 1
                if quiet or shown_new > SHOW_NEW:
                    continue
            elif f.status == FixityStatus.MOVED and quiet:
                continue
            name = paths.visible(paths.printable(f.rel), one_line=True)
            say(f"  {LABELS[f.status]:<10} {name}: {f.message}")
            if f.status == FixityStatus.CHANGED:
                say(f"  {'':<10} recorded {f.expected}, found {f.found}")
        for oc in lv.unaccepted:
            say(f"  {'CHANGED':<10} {paths.visible(oc.path, one_line=True)}: "
                f"{open_change_message(oc)}")
        if not quiet and shown_new > SHOW_NEW:
            say(f"  ... and {shown_new - SHOW_NEW:,} more new files (--json lists them all).")
        if lv.status != "complete" and lv.message and (not quiet or lv.status == "interrupted"):
            say(f"  {lv.message}")
        if k["unhashed"] and not quiet:
            say(f"  {k['unhashed']:,} files have no recorded hash to check (they could not be "
                "read when scanned): see 'preservation files --problems'.")
    if quiet:
        return
    if report.ok:
        say("All checked files are intact.")
    elif any(lv.counts[k] for lv in report.locations
             for k in ("changed", "missing", "unreadable", "unaccepted")):
        say("Problems were found: each is listed above and recorded in the provenance log.")


@click.command()
@click.argument("targets", nargs=-1, metavar="[LOCATION]...")
@click.option("--older-than", type=click.FloatRange(min=0), metavar="DAYS",
              help="Only files not verified for this many days (and those never verified or "
                   "whose last check found a problem).")
@click.option("--max-time", type=Duration(), metavar="DURATION",
              help="Stop cleanly after this long (90s, 30m, 2h, 1d); the next run continues "
                   "with the files not reached.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Files read in parallel (default: one per core).")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress display; print only problems (nothing when all is well).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (schemas/verify.json).")
@operator_option
@pass_app
def verify(app: AppContext, targets: tuple[str, ...], older_than: float | None,
           max_time: float | None, jobs: int, quiet: bool, as_json: bool,
           operator: str | None) -> None:
    """Check fixity: re-read every recorded file and compare its SHA-256 with the catalog.

    Checks every registered location by default. Reports files that changed, went missing,
    cannot be read, were moved (same bytes at a new path) or are new, and locations that are
    not reachable. Files are only ever opened for reading. Least recently verified files are
    read first, so a run stopped by --max-time (or killed) is continued by the next one.

    A change stays a problem, run after run, until a person accepts it (preservation accept).

    Exit codes: 0 every checked file is intact, 1 problems found, 2 could not run.
    """
    options = VerifyOptions(jobs=jobs, older_than_days=older_than, max_seconds=max_time,
                            operator=operator or default_operator())
    report = run_verify(app.catalog, list(targets), options, make_progress(quiet or as_json))
    if as_json:
        emit_json(report_view(report))
    else:
        print_report(report, quiet=quiet)
    exit_with(report)
