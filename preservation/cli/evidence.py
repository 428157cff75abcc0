"""``preservation evidence create`` and ``preservation evidence validate``: evidence packages."""

from __future__ import annotations

import os
import shlex
import sys

import click

from preservation import paths
from preservation.cli.context import AppContext, console, emit_json, human_bytes, operator_option, pass_app
from preservation.errors import EXIT_OK, EXIT_PROBLEMS, UsageError

# (kept here, not imported, so that 'evidence validate' starts without the analysis libraries;
# create checks them against the real lists)
LETTERS = ("appeal", "ccpa")
PAPERS = ("letter", "a4")


@click.group()
def evidence() -> None:
    """Evidence packages: BagIt bags of verified originals and the evidence about them.

    For a platform appeal or a CCPA complaint (with a draft letter), or for an archive handing
    records to an investigator. Files are copied, never moved; the originals are not touched.
    """


def _given(ctx: click.Context) -> str:
    """The command as given (values as parsed), for the package's own provenance."""
    words = ctx.command_path.split()
    for p in ctx.command.params:
        if isinstance(p, click.Option) and p.name and ctx.get_parameter_source(p.name) not in (
                click.core.ParameterSource.DEFAULT, None):
            values = ctx.params[p.name]
            for v in values if isinstance(values, tuple) else [values]:
                words += [max(p.opts, key=len)] + ([] if p.is_flag else [str(v)])
    return paths.printable(os.fsencode(shlex.join(words)))  # a name that is not UTF-8 as \xNN


@evidence.command("create")
@click.option("--out", "-o", required=True, type=click.Path(), metavar="FOLDER",
              help="The package to make: a new folder (never written over; not inside a location).")
@click.option("--file", "files", multiple=True, metavar="PATH",
              help="A file to package (repeat for more): a path, or a catalog path LOCATION/PATH, or "
                   "a file's name when only one catalogued file has it.")
@click.option("--group", metavar="N|KEY",
              help="Package a look-alike group: its number or key from 'preservation lookalikes'.")
@click.option("--from-compare", metavar="FILE", type=click.Path(dir_okay=False),
              help="Package the originals a loss audit ('preservation compare --json') found gone, "
                   "with what the platform holds instead.")
@click.option("--location", "-l", metavar="NAME",
              help="With --group: the --location the groups were listed with.")
@click.option("--threshold", "-t", type=click.IntRange(0, 32), metavar="BITS",
              help="How close fingerprints must be for files to count as look-alikes (default: "
                   "as for 'preservation lookalikes').")
@click.option("--letter", type=click.Choice(LETTERS),
              help="Add a draft letter (text and PDF): a platform appeal or a CCPA complaint.")
@click.option("--contact-name", metavar="NAME", help="Who to contact about the package.")
@click.option("--contact-email", metavar="EMAIL", help="Their e-mail address.")
@click.option("--organization", metavar="NAME",
              help="The person or organization the package comes from (default: the contact).")
@click.option("--description", metavar="TEXT", help="External-Description (default: written for you).")
@click.option("--identifier", metavar="ID",
              help="External-Identifier, e.g. a case number (default: a new urn:uuid).")
@click.option("--paper", type=click.Choice(PAPERS), default="letter", show_default=True,
              help="Page size of the report and the letter.")
@click.option("--show-gps", is_flag=True, help="Print GPS coordinates in the evidence report.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes for comparing pictures (0: all cores).")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/evidence-create.json).")
@operator_option
@pass_app
def create_cmd(app: AppContext, out: str, files: tuple[str, ...], group: str | None,
               from_compare: str | None, location: str | None, threshold: int | None, letter: str | None,
               contact_name: str | None, contact_email: str | None, organization: str | None,
               description: str | None, identifier: str | None, paper: str, show_gps: bool, jobs: int,
               as_json: bool, operator: str | None) -> None:
    """Make an evidence package: a BagIt bag of verified copies and the evidence about them.

    Each file is copied (never moved) and the copy checked against the SHA-256 the catalog
    recorded; a file the catalog does not know, or whose last check found it changed, is refused.
    The bag (RFC 8493, SHA-256 and SHA-512 manifests) also holds a PDF evidence report (the
    files side by side with difference maps, verdicts, EXIF, fixity history), the provenance as
    PREMIS XML and JSON with the chain of events, and with --letter a draft letter. It is built
    in a hidden folder and only gets its name once complete and valid. Making it is recorded in
    the provenance log.

    Exit codes: 0 made, 2 could not make it (nothing is left under the name).
    """
    from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
    from preservation.evidence.create import Options, create
    from preservation.evidence.select import Request

    if group is None and location is not None:
        raise UsageError("--location only goes with --group.")
    request = Request(files=files, group=group, from_compare=from_compare, location=location,
                      threshold=DEFAULT_THRESHOLD if threshold is None else threshold, jobs=jobs or None)
    options = Options(out=out, letter=letter, contact_name=contact_name, contact_email=contact_email,
                      organization=organization, description=description, identifier=identifier,
                      operator=operator, paper=paper, show_gps=show_gps,
                      command_line=_given(click.get_current_context()), jobs=jobs or None)
    err = console(stderr=True)
    made = create(app.catalog, request, options, lambda m: err.print(m, markup=False))
    if as_json:
        emit_json(made.to_json())
        return
    c = console()
    v, sel = made.validation, made.selection

    def say(text: str) -> None:
        c.print(text, markup=False)

    say(f"Made the evidence package {made.path}")
    say(f"  {sel.what}")
    say(f"  {v.payload_files} file{'s' if v.payload_files != 1 else ''} ({human_bytes(v.payload_bytes)}), "
        f"{len(sel.pairs)} comparison{'s' if len(sel.pairs) != 1 else ''}; evidence report: "
        f"evidence/report.pdf ({made.pages.get('report', 0)} pages)")
    if made.letter:
        say(f"  Draft {made.letter} letter to edit: letter/letter.txt (and letter/letter.pdf)")
    say(f"  Identifier: {made.identifier}")
    say(f"  A valid BagIt 1.0 bag (checked by preservation and by bagit.py {made.bagit_version}); "
        f"recorded as events #{made.events[0]}-#{made.events[-1]} of the provenance log.")
    for note in sel.notes:
        say(f"  Note: {note}")
    say(f"Check it at any time: preservation evidence validate {shlex.quote(os.path.relpath(made.path))}")
    if made.anchor:
        say(f"and the catalog's log against it: preservation log verify --anchor "
            f"{shlex.quote(os.path.relpath(made.anchor))}")


@evidence.command("validate")
@click.argument("bag", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/evidence-validate.json).")
def validate_cmd(bag: str, as_json: bool) -> None:
    """Check a bag completely and list every problem found.

    Checks bagit.txt and bag-info.txt, every manifest and tag manifest entry and checksum, that
    every payload file is listed and every listed file is there, and the Payload-Oxum; it goes
    on after the first problem. Manifest entries that lead outside the bag (../, absolute paths)
    are refused and never read. Any BagIt bag can be checked, not only this tool's.

    Exit codes: 0 valid, 1 problems found, 2 could not run (no such folder).
    """
    from preservation.evidence.validate import validate_bag

    if not os.path.isdir(bag):
        raise UsageError(f"{bag} is not a folder.")
    v = validate_bag(bag)
    if as_json:
        emit_json(v.to_json())
    else:
        c = console()
        if v.valid:
            c.print(f"Valid: {v.bag} (BagIt {v.version}; {v.payload_files} payload files, "
                    f"{human_bytes(v.payload_bytes)}; {', '.join(v.algorithms)}).", markup=False)
        else:
            n = len(v.problems)
            c.print(f"NOT VALID: {v.bag}: {n} problem{'s' if n != 1 else ''}.", markup=False)
            for p in v.problems:
                c.print(f"  [{p.type}] {p.message}", markup=False)
        for w in v.warnings:
            c.print(f"  (warning: {w.message})", markup=False)
    sys.exit(EXIT_OK if v.valid else EXIT_PROBLEMS)
