"""``preservation report``: a printable audit (PDF, HTML) or its data (JSON)."""

from __future__ import annotations

import os
import shlex
import sys

import click

from preservation.analyse.copies import DEFAULT_MAX_AGE_DAYS
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
from preservation.cli.context import AppContext, console, emit_json, human_bytes, operator_option, pass_app
from preservation.errors import EXIT_OK, EXIT_PROBLEMS, UsageError
from preservation.report.model import AUDIENCES, PAPERS, ROWS, ReportOptions


def _command_line(ctx: click.Context) -> str:
    """The command as given (values as parsed), for the report's own provenance."""
    words = ["preservation"]
    app = ctx.find_object(AppContext)
    if app is not None and app.catalog_value:
        words += ["--catalog", app.catalog_value]
    words.append(ctx.info_name or "report")
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name is None:
            continue
        value = ctx.params.get(param.name)
        if ctx.get_parameter_source(param.name) in (click.core.ParameterSource.DEFAULT, None):
            continue
        flag = max(param.opts, key=len)
        if param.is_flag:
            if value:
                words.append(flag)
        elif value is not None:
            words += [flag, str(value)]
    return shlex.join(words)


@click.command()
@click.option("--out", "-o", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write the report here: .pdf (printable), .html (a web page and a folder of "
                   "pictures) or .json (the report's data, schemas/report.json).")
@click.option("--audience", type=click.Choice(AUDIENCES), default="patron", show_default=True,
              help="patron: plain words and fewer tables; staff: every detail.")
@click.option("--paper", type=click.Choice(PAPERS), default="letter", show_default=True,
              help="Page size of the PDF.")
@click.option("--location", "-l", metavar="NAME", help="Only this location's files.")
@click.option("--show-gps", is_flag=True,
              help="Print GPS coordinates found in photos (not printed unless asked).")
@click.option("--collection", metavar="NAME",
              help="The collection's name, for the title and the header of every page.")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False),
              metavar="DIR", help="Your own templates; a file here replaces the package's of the "
                                  "same name (e.g. report/report.css).")
@click.option("--rows", type=click.IntRange(min=0), metavar="N",
              help=f"Rows of each long list shown (default {ROWS['patron']} for patrons, "
                   f"{ROWS['staff']} for staff); every list is written in full to a CSV beside "
                   "the report.")
@click.option("--pairs", "max_pairs", type=click.IntRange(min=0), default=200, show_default=True,
              metavar="N", help="Look-alike comparisons shown with pictures; all are in a CSV.")
@click.option("--max-age", type=click.FloatRange(min=0), default=DEFAULT_MAX_AGE_DAYS,
              show_default=True, metavar="DAYS",
              help="For 3-2-1, a copy counts only if verified within this many days.")
@click.option("--threshold", type=click.IntRange(min=0, max=32), default=DEFAULT_THRESHOLD,
              show_default=True, metavar="BITS", help="How close perceptual hashes must be for "
                                                      "two pictures to count as look-alikes.")
@click.option("--compare", "compare_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Add a loss audit: what a platform removed and what it kept, from the JSON of "
                   "'preservation compare REFERENCE OTHER --json' (schemas/compare.json).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report's data as JSON (schemas/report.json) on standard output.")
@operator_option
@pass_app
def report(app: AppContext, out: str | None, audience: str, paper: str, location: str | None,
           show_gps: bool, collection: str | None, templates_dir: str | None, rows: int | None,
           max_pairs: int, max_age: float, threshold: int, compare_file: str | None, as_json: bool,
           operator: str | None) -> None:
    """A printable audit of the collection for a patron or for staff.

    In order: a summary page, 3-2-1 status, files that look like duplicates but differ (side by
    side, with a difference map), fixity, NDSA levels, formats and storage, the report's own
    provenance, and a glossary. With --compare, a loss audit follows the summary: which
    originals a platform removed and what it kept in their place, with the pictures side by side.
    Long lists are cut in the report and written in full to CSV files next to it
    (audit-at-risk.csv...). Files are only read; the report's creation is recorded in the
    provenance log.

    Exit codes: 0 nothing needs doing, 1 the report found problems (files at risk, changed or
    missing, originals gone from the platform), 2 could not run (a damaged --compare file too).
    """
    from preservation.report import output_kind, write_report

    if out is None and not as_json:
        raise UsageError("Name the report to write with --out (audit.pdf, audit.html or audit.json), "
                         "or print its data with --json.")
    if out is not None:
        output_kind(out)
    options = ReportOptions(audience=audience, paper=paper, location=location, show_gps=show_gps,
                            operator=operator, collection=collection,
                            command_line=_command_line(click.get_current_context()),
                            max_rows=rows, max_pairs=max_pairs, max_age_days=max_age,
                            threshold=threshold, compare=compare_file)
    written = write_report(app.catalog, options, out, templates_dir=templates_dir)
    rep = written.report
    if as_json:
        emit_json(rep.to_json())
    else:
        c = console()
        if written.path:
            extra = f"{written.pages} pages, " if written.pages else ""
            c.print(f"Wrote {written.path} ({extra}{human_bytes(written.bytes)}).", markup=False)
        if written.images_dir:
            c.print(f"Pictures for the web page: {written.images_dir}{os.sep} "
                    "(keep it next to the page).", markup=False)
        for name in written.csv:
            c.print(f"Full list: {name}", markup=False)
        if written.anchor:
            c.print(f"The event log's head, to check the log against later: {written.anchor}",
                    markup=False)
        for f in rep.sections.get("summary", {}).get("findings", []):
            c.print(f"- {f['text']}", markup=False)
    sys.exit(EXIT_PROBLEMS if rep.problems else EXIT_OK)
