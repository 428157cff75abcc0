"""``preservation scan``: inventory locations into the catalog."""

from __future__ import annotations

import sys

import click

from preservation import paths
from preservation.catalog.events import default_operator
from preservation.cli.context import AppContext, console, emit_json, human_bytes, operator_option, pass_app
from preservation.cli.progress import LineProgress, TerminalProgress
from preservation.errors import EXIT_OK, EXIT_PROBLEMS
from preservation.progress import NoProgress, Progress
from preservation.scan.run import ALGORITHMS, ScanOptions, ScanReport
from preservation.scan.run import scan as run_scan


def make_progress(quiet: bool) -> Progress:
    if quiet:
        return NoProgress()
    err = console(stderr=True)
    return TerminalProgress(err) if err.is_terminal else LineProgress()


def print_summary(report: ScanReport) -> None:
    c = console()
    for name in report.registered:
        c.print(f"Registered new location {name!r} (media unknown: set it with "
                f"'preservation location add' next time).", markup=False)
    for ls in report.locations:
        k = ls.counts
        if ls.status != "complete":
            c.print(f"{ls.location}: {ls.message}", markup=False)
            continue
        rate = k["bytes_hashed"] / ls.elapsed if ls.elapsed else 0
        c.print(f"{ls.location}: {k['files']:,} files, {human_bytes(k['bytes'])}; "
                f"{k['new']:,} new, {k['changed']:,} changed, {k['unchanged']:,} unchanged, "
                f"{k['missing']:,} missing; {k['images']:,} images fingerprinted; "
                f"{ls.problems:,} problems; {ls.elapsed:,.1f} s ({human_bytes(rate)}/s read).",
                markup=False)
        for path, reason in ls.skipped[:10]:
            c.print(f"  skipped {paths.visible(path, one_line=True)}: {reason}", markup=False)
        if len(ls.skipped) > 10 or k["skipped"] > len(ls.skipped):
            c.print(f"  ... {k['skipped']:,} entries skipped in all", markup=False)
    if not report.ok:
        c.print("Problems were recorded: see 'preservation files --problems'.", markup=False)


@click.command()
@click.argument("targets", nargs=-1, metavar="[LOCATION|PATH]...")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes (default: all cores).")
@click.option("--rehash", is_flag=True, help="Read every file again, even if it looks unchanged.")
@click.option("--algorithms", default="sha256", show_default=True, metavar="LIST",
              help=f"Comma-separated digests to record; SHA-256 always. Choices: {', '.join(ALGORITHMS)}.")
@click.option("--executor", type=click.Choice(["processes", "dask"]), default="processes",
              show_default=True,
              help="Who fingerprints: worker processes on this machine, or a Dask cluster "
                   "(needs preservation[distributed]).")
@click.option("--scheduler", metavar="ADDRESS",
              help="With --executor dask: tcp://HOST:8786, a running scheduler whose workers see "
                   "the locations at the same paths; or local:N, N worker processes started on "
                   "this machine (default: local:JOBS).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON (schemas/scan.json).")
@operator_option
@pass_app
def scan(app: AppContext, targets: tuple[str, ...], jobs: int, rehash: bool, algorithms: str,
         executor: str, scheduler: str | None, quiet: bool, as_json: bool,
         operator: str | None) -> None:
    """Inventory locations (all registered ones by default) into the catalog.

    A PATH that is not a registered location is registered (media unknown) and scanned.
    Rescans only read files whose size, modification time or inode changed. Files are only
    ever opened for reading.
    """
    algos = tuple(dict.fromkeys(["sha256", *[a.strip().lower() for a in algorithms.split(",") if a.strip()]]))
    bad = [a for a in algos if a not in ALGORITHMS]
    if bad:
        raise click.BadParameter(f"unknown digest {', '.join(bad)}; choose from {', '.join(ALGORITHMS)}",
                                 param_hint="--algorithms")
    dask: str | None = None
    if scheduler is not None and executor != "dask":
        raise click.BadParameter("a scheduler is for --executor dask", param_hint="--scheduler")
    if executor == "dask":
        from preservation.scan.distributed import check_address

        if scheduler is not None and jobs:
            raise click.BadParameter("the Dask workers do the work; for N processes on this "
                                     "machine use --scheduler local:N", param_hint="--jobs")
        dask = scheduler or f"local:{ScanOptions(jobs=jobs).effective_jobs()}"
        check_address(dask)
    options = ScanOptions(jobs=jobs, rehash=rehash, algorithms=algos,
                          operator=operator or default_operator(), dask=dask)
    app.creates = True
    report = run_scan(app.catalog, list(targets), options, make_progress(quiet or as_json))
    if as_json:
        emit_json(report.to_json())
    elif not quiet:
        print_summary(report)
    sys.exit(EXIT_OK if report.ok else EXIT_PROBLEMS)
