"""``preservation lookalikes``: files that look like duplicates, and what they really are.

Exit codes: 0 when the analysis ran (look-alikes and copies are findings, not failures);
1 when it finished but some pairs could not be compared (a file unreadable or changed since
its scan); 2 when it could not run.
"""

from __future__ import annotations

import os

import click

from preservation.analyse.lookalikes import (
    DEFAULT_THRESHOLD,
    LookalikeResult,
    Member,
    find_lookalikes,
    write_diff_png,
)
from preservation.analyse.lookalikes.platform import add_platform_view, differs, merged_by, summary_json
from preservation.cli.context import (
    AppContext,
    console,
    emit_json,
    pass_app,
    refuse_writing_into_locations,
    terminal_safe,
)
from preservation.errors import EXIT_OK, EXIT_PROBLEMS, UsageError

_STYLE = {"identical": "green", "same-pixels": "green", "derivative": "cyan",
          "edited": "yellow", "burst": "magenta", "similar": "magenta"}


@click.group(invoke_without_command=True)
@click.option("--location", "-l", metavar="NAME", help="Only files of this location.")
@click.option("--threshold", "-t", type=click.IntRange(0, 32), default=DEFAULT_THRESHOLD,
              show_default=True, metavar="BITS",
              help="Hamming distance (of 64 bits) within which two fingerprints are close.")
@click.option("--group", "group_id", type=click.IntRange(min=1), metavar="ID",
              help="Only this group (ids from a run over the same catalog and options).")
@click.option("--no-copies", is_flag=True, help="Leave out groups that are only exact copies.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes for comparing pictures (0: all cores).")
@click.option("--no-cache", is_flag=True, help="Compare every pair again (ignore cached evidence).")
@click.option("--platform-view", is_flag=True,
              help="For each pair, which published photo matchers (PDQ, pHash, dHash) would merge it.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/lookalikes.json).")
@click.pass_context
def lookalikes(ctx: click.Context, location: str | None, threshold: int, group_id: int | None,
               no_copies: bool, jobs: int, no_cache: bool, platform_view: bool, as_json: bool) -> None:
    """Files that look like duplicates but may differ: every group, with evidence.

    Each pair gets a verdict - identical (same bytes), same-pixels, derivative (re-encoded or
    resized), edited (cropped, retouched, recoloured...), burst (another shot moments apart)
    or similar - and a sentence saying why; each group names its likely original and why.
    Nothing is ever deleted or proposed for deletion: even identical copies are backups.

    Exits 0 when the analysis ran, 1 if some pairs could not be compared (unreadable files).
    """
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.find_object(AppContext)
    assert app is not None
    result = find_lookalikes(app.catalog, location, threshold, jobs=jobs or None,
                             use_cache=not no_cache, include_copies=not no_copies)
    if group_id is not None:
        chosen = [g for g in result.groups if g.id == group_id]
        if not chosen:
            raise UsageError(f"There is no group {group_id} (this run found {len(result.groups)}).")
        result.groups = chosen
    if platform_view:
        add_platform_view(app.catalog, result)
    if as_json:
        out = result.to_json()
        if platform_view:
            out["matchers"] = summary_json()
        emit_json(out)
    else:
        _print(result)
    ctx.exit(EXIT_PROBLEMS if result.problems else EXIT_OK)


def _print_not_compared(result: LookalikeResult) -> None:
    """Every picture the search could not compare, by name (at most 20, then a count)."""
    c = console()
    st = result.stats
    if result.not_compared:
        c.print(f"{len(result.not_compared)} pictures could not be compared with any other:", markup=False)
        for n in result.not_compared[:20]:
            c.print(terminal_safe(f"  {n.path} ({n.location}): {n.reason}", name=True), markup=False)
        if len(result.not_compared) > 20:
            c.print(f"  ... and {len(result.not_compared) - 20} more (all of them in --json)", markup=False)
    if st.get("near_flat_compared_strictly"):
        c.print(f"{st['near_flat_compared_strictly']} near-flat pictures (plain backgrounds) were compared "
                "on a stricter path.", markup=False)
    if st.get("without_framing_hashes"):
        c.print(f"{st['without_framing_hashes']} pictures were fingerprinted by an older version and are "
                "compared as whole pictures only (not as mirror images, turns or inside bars): run "
                "'preservation scan --rehash' to add the missing fingerprints.", markup=False)


def _print(result: LookalikeResult) -> None:
    c = console()
    st = result.stats
    _print_not_compared(result)
    if not result.groups:
        c.print(f"No look-alikes or copies among {st.get('contents_with_hashes', 0)} fingerprinted "
                f"pictures (threshold {result.threshold}).")
        return
    for g in result.groups:
        title = "exact copies" if g.kind == "copies" else "look-alikes"
        c.print(f"\n[bold]Group {g.id}[/bold] ({title}, {len(g.members)} files, key {g.key})")
        if g.authoritative is not None and g.authoritative_decision is not None:
            c.print(terminal_safe(f"  authoritative copy: {g.authoritative.path} ({g.authoritative.location}), "
                                  f"{g.authoritative_decision.reviewed}", name=True), markup=False)
        else:
            c.print(terminal_safe(f"  likely original: {g.original.path} ({g.original.location})", name=True),
                    markup=False)
            if g.original_reasons:
                c.print("    because: " + "; ".join(g.original_reasons), markup=False)
        if len(g.originals) > 1:
            c.print(f"  {len(g.originals)} distinct photographs in this group; each is an original:",
                    markup=False)
            for m in g.originals:
                c.print(f"    {terminal_safe(m.path, name=True)}", markup=False)
        for p in g.pairs:
            style = _STYLE.get(str(p.verdict), "")
            c.print(f"  [{style}]{p.verdict!s:<11}[/{style}] {_name(p.a)}  ~  {_name(p.b)}",
                    highlight=False)
            c.print(f"  {'':<11} {p.explanation}", markup=False)
            if p.platform is not None:
                for r in p.platform:
                    mark = "MERGES" if r.merges else "keeps both"
                    c.print(f"  {'':<11} {r.matcher.label}: {mark} - {r.reason}", markup=False)
            if p.decision is not None:
                c.print(terminal_safe(f"  {'':<11} decided: {p.decision.label}, {p.decision.reviewed}"
                                      + (f" ({p.decision.note})" if p.decision.note else ""), name=True),
                        markup=False)
    counts: dict[str, int] = {}
    for g in result.groups:
        for p in g.pairs:
            counts[str(p.verdict)] = counts.get(str(p.verdict), 0) + 1
    c.print(f"\n{st.get('groups', len(result.groups))} groups "
            f"({st.get('lookalike_groups', 0)} with look-alikes, {st.get('copy_groups', 0)} only exact copies); "
            + ", ".join(f"{n} {v}" for v, n in sorted(counts.items())) + ".", markup=False)
    undecided = sum(1 for g in result.groups for p in g.pairs if p.decision is None)
    c.print("Nothing was changed. Even exact copies in different places are backups: keep them.",
            markup=False)
    if undecided:
        c.print(f"{undecided} pairs nobody has decided about yet: preservation review", markup=False)
    merged = [p for g in result.groups for p in g.pairs if p.platform and merged_by(p.platform)]
    if any(p.platform is not None for g in result.groups for p in g.pairs):
        differ = sum(1 for p in merged if differs(p))
        c.print(f"{len(merged)} pairs a published matcher would treat as one photo; {differ} of them "
                "are nevertheless different files (sources of the thresholds: --json, 'matchers').",
                markup=False)
    if result.problems:
        c.print(f"[yellow]{result.problems} pairs could not be compared (a file unreadable or "
                "changed since its scan); see the pairs marked 'could not be compared'.[/yellow]")


def _name(m: Member) -> str:
    from rich.markup import escape

    return escape(terminal_safe(f"{m.location}:{m.relative_path}", name=True))


@lookalikes.command()
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "-o", type=click.Path(dir_okay=False), metavar="PNG",
              help="Write the side-by-side picture with the difference map here.")
@click.option("--json", "as_json", is_flag=True, help="The comparison as JSON (schemas/lookalikes-diff.json).")
@pass_app
def diff(app: AppContext, file_a: str, file_b: str, out: str | None, as_json: bool) -> None:
    """Compare two picture files: verdict, sentence, evidence, and a difference picture.

    The files are only read. The picture (--out) may not be written inside a scanned location.
    """
    if out is not None:
        refuse_writing_into_locations(app, out, advice="Choose another folder for --out.")
    if out is not None:
        res = write_diff_png(file_a, file_b, out)
    else:
        from preservation.analyse.lookalikes import compare_files

        res = compare_files(file_a, file_b)
    if as_json:
        emit_json({"a": os.path.abspath(file_a), "b": os.path.abspath(file_b), **res.to_json(),
                   "picture": os.path.abspath(out) if out else None})
        return
    c = console()
    style = _STYLE.get(str(res.verdict), "")
    c.print(f"[{style}]{res.verdict}[/{style}]: {res.explanation}")
    d = res.evidence.difference
    if d is not None:
        c.print(f"  PSNR {d.psnr:.1f} dB, SSIM {d.ssim:.3f}, change {d.pattern}", markup=False)
    if out:
        c.print(f"Difference picture written to {out}", markup=False)
