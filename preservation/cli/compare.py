"""``preservation compare``: a loss audit of what a platform still holds of your collection.

Exit codes: 0 when every file of REFERENCE is still in OTHER (the same bytes or the same
picture); 1 when something is gone (only a look-alike left, or nothing) or could not be read;
2 when the comparison could not run.
"""

from __future__ import annotations

from collections.abc import Callable

import click
from rich.markup import escape
from rich.table import Column, Table

from preservation.analyse.compare import CompareResult, Entry, Status, compare
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
from preservation.catalog.events import default_operator
from preservation.cli.context import (
    AppContext,
    console,
    emit_json,
    exit_with,
    operator_option,
    pass_app,
    terminal_safe,
)
from preservation.cli.scan import make_progress
from preservation.progress import Progress
from preservation.scan.run import ScanOptions

_STYLE = {"present": "green", "same-picture": "cyan", "lookalike-only": "yellow", "missing": "red",
          "unreadable": "red"}
# the order in which statuses are listed: what is gone first
_ORDER = {Status.MISSING: 0, Status.LOOKALIKE_ONLY: 1, Status.UNREADABLE: 2, Status.SAME_PICTURE: 3,
          Status.PRESENT: 4}


@click.command(name="compare")
@click.argument("reference", metavar="REFERENCE")
@click.argument("other", metavar="OTHER")
@click.option("--threshold", "-t", type=click.IntRange(0, 32), default=DEFAULT_THRESHOLD, show_default=True,
              metavar="BITS", help="Hamming distance (of 64 bits) within which two fingerprints are close.")
@click.option("--rescan", is_flag=True,
              help="Scan both locations again first (only new and changed files are read).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes for scanning and comparing pictures (0: all cores).")
@click.option("--no-cache", is_flag=True, help="Compare every pair of pictures again (ignore cached evidence).")
@click.option("--all", "show_all", is_flag=True, help="Also list the files that are present (identical).")
@click.option("--quiet", "-q", is_flag=True, help="No progress display; only the summary.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/compare.json).")
@operator_option
@pass_app
def compare_cmd(app: AppContext, reference: str, other: str, threshold: int, rescan: bool, jobs: int,
                no_cache: bool, show_all: bool, quiet: bool, as_json: bool, operator: str | None) -> None:
    """Loss audit: which files of REFERENCE are gone from OTHER, and what OTHER kept instead.

    REFERENCE is your own copy (a backup drive); OTHER is what a platform still holds (a
    downloaded export such as Google Takeout, a synced folder). Each is a location name or a
    folder; a folder not yet registered is registered and scanned first, as 'preservation scan'
    does. Every file of REFERENCE gets one status: present (the same bytes in OTHER),
    same-picture (the same pixels, or re-compressed or resized by the platform), lookalike-only
    (OTHER has only another burst frame, an edit or a similar photo: this original is gone
    there) or missing (nothing like it). Google Takeout's JSON sidecars are read to match
    renamed files and to put back the capture times the platform stripped.

    Nothing in either location is changed. Exits 0 when everything is still there, 1 when
    something is gone.
    """
    progress = make_progress(quiet or as_json)
    options = ScanOptions(jobs=jobs, operator=operator or default_operator())
    app.creates = True  # a folder named is registered and scanned, as scan does
    result = compare(app.catalog, reference, other, threshold=threshold, jobs=jobs or None,
                     use_cache=not no_cache, rescan=rescan, scan_options=options, progress=progress,
                     evidence_progress=_pairs_progress(progress))
    if as_json:
        emit_json(result.to_json())
    else:
        print_result(result, show_all=show_all, quiet=quiet)
    exit_with(result)


def _pairs_progress(progress: Progress) -> Callable[[int, int], None]:
    started = [False]

    def step(done: int, total: int) -> None:
        if not started[0]:
            progress.begin("Comparing pictures", total, None, unit="pairs")
            started[0] = True
        progress.advance(1, 0)
        if done >= total:
            progress.end()
            started[0] = False

    return step


def _col(header: str, ratio: int | None = None) -> Column:
    return Column(escape(header), overflow="fold", ratio=ratio)


def _name(text: str) -> str:
    """A file name in a styled table: one line, never markup, never a terminal escape."""
    return escape(terminal_safe(text, name=True))


def _entry_row(e: Entry) -> tuple[str, str, str, str]:
    style = _STYLE.get(str(e.status), "")
    other = ""
    if e.other is not None:
        name = e.other.relative_path.rsplit("/", 1)[-1]
        other = _name(name)
        if e.other.title and e.other.title != name:
            other += _name(f" (was {e.other.title})")
    why = e.explanation or ""
    if e.other is not None and e.status != Status.PRESENT:
        why = f"{e.other.verdict}: {why}"
        if e.other.matchers:
            why += f" A photo matcher would explain the choice: {', '.join(e.other.matchers)}."
    return f"[{style}]{e.status}[/{style}]", _name(e.relative_path), other, escape(why)


def print_result(result: CompareResult, *, show_all: bool = False, quiet: bool = False) -> None:
    c = console()
    ref, oth = result.reference, result.other
    for name in result.registered:
        c.print(f"Registered new location {name!r} (media unknown: set it with "
                "'preservation location add' next time).", markup=False)
    if not quiet:
        rows = sorted((e for e in result.entries if show_all or e.status != Status.PRESENT),
                      key=lambda e: (_ORDER[e.status], e.relative_path))
        if rows:
            t = Table(Column("Status", no_wrap=True), _col(f"In {ref.name}", 2), _col(f"In {oth.name}", 2),
                      _col("Why", 3), box=None, pad_edge=False, expand=True, title_justify="left",
                      title=escape(f"{ref.name} ({ref.root}) compared with {oth.name} ({oth.root})"))
            for e in rows:
                t.add_row(*_entry_row(e))
            c.print(t)
        hidden = sum(1 for e in result.entries if e.status == Status.PRESENT) if not show_all else 0
        if hidden:
            c.print(f"({hidden:,} files present as identical copies not listed; --all lists them.)",
                    markup=False)
        if result.other_only:
            t = Table(_col(f"Only in {oth.name}", 2), _col("Original name", 1), _col(f"Closest in {ref.name}", 2),
                      _col("Why", 3), box=None, pad_edge=False, expand=True)
            for o in sorted(result.other_only, key=lambda o: o.relative_path):
                closest = o.closest_reference or ""
                if closest.startswith(ref.root.rstrip("/") + "/"):
                    closest = closest[len(ref.root.rstrip("/")) + 1:]
                why = f"{o.verdict}: {o.explanation}" if o.verdict else "Nothing like it in " + ref.name
                t.add_row(_name(o.relative_path), _name(o.title or ""), _name(closest), escape(why))
            c.print()
            c.print(t)
        c.print()
    counts = result.counts
    c.print("  ".join(f"[{_STYLE[s]}]{s}[/{_STYLE[s]}] {counts[s]:,}" for s in counts if counts[s] or s != "unreadable"))
    for sentence in result.sentences:
        c.print(sentence, markup=False)
    for note in result.notes:
        c.print(f"[yellow]Note:[/yellow] {escape(note)}")
