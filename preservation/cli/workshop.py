"""``preservation workshop``: material for archiving workshops."""

from __future__ import annotations

import os

import click

from preservation.cli.context import AppContext, console, human_bytes, pass_app, refuse_writing_into_locations
from preservation.workshop.sample import ANSWERS, DEFAULT_SEED, write_sample


@click.group()
def workshop() -> None:
    """Material for archiving workshops: a sample family archive with its answer key, and the
    participant handout."""


@workshop.command()
@click.argument("directory", metavar="DIR", type=click.Path(file_okay=False))
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True,
              help="Another seed gives other sensor grain (so other bytes); the story and the expected "
                   "results stay the same.")
@pass_app
def sample(app: AppContext, directory: str, seed: int) -> None:
    """Write a sample family archive into DIR, a new or empty folder, with its answer key.

    Three "drives" as folders (laptop, usb-drive, cloud-sync) holding camera originals,
    backups, burst shots, edits, a re-encode, an EXIF-stripped copy, a HEIC named .jpg and a
    truncated file. DIR/ANSWERS.md says what every file is and what scan, copies and
    lookalikes should report. The same seed writes the same bytes and dates every time.
    Nothing is written outside DIR, and a DIR that is not empty is refused.
    """
    refuse_writing_into_locations(app, directory, around=True)
    manifest = write_sample(directory, seed)
    root = os.path.abspath(os.path.expanduser(directory))
    c = console()
    c.print(f"Wrote a sample archive to {root}: {len(manifest.files)} files "
            f"({human_bytes(manifest.total_bytes)}) on {len(manifest.drives)} drives. "
            f"The answer key is {os.path.join(root, ANSWERS)}.", markup=False)
    c.print("Register the drives as locations:", markup=False)
    for line in manifest.location_commands(root):
        c.print(f"  {line}", markup=False)
    c.print("Then try: preservation scan, preservation files --problems, preservation copies, "
            "preservation lookalikes.", markup=False)


@workshop.command()
@click.option("--out", "-o", type=click.Path(dir_okay=False), metavar="FILE", default="handout.pdf",
              show_default=True, help="Where to write it: .pdf (printable) or .html.")
@click.option("--paper", type=click.Choice(["letter", "a4"]), default="letter", show_default=True,
              help="Page size of the PDF.")
@pass_app
def handout(app: AppContext, out: str, paper: str) -> None:
    """Print the participant handout: the exercises, step by step, with what each should show.

    The handout goes with the sample archive (preservation workshop sample). Its source is
    shipped with the tool; every command in it is run by the tool's tests.
    """
    from preservation.workshop.handout import kind_of, write_handout

    kind_of(out)
    refuse_writing_into_locations(app, out, advice="Choose another folder for --out.")
    written = write_handout(out, paper)
    pages = f"{written.pages} pages, " if written.pages else ""
    console().print(f"Wrote {written.path} ({pages}{human_bytes(written.bytes)}).", markup=False)
