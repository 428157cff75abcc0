"""``preservation export``: the catalog in formats other tools read."""

from __future__ import annotations

import io

import click

from preservation.cli.context import AppContext, pass_app
from preservation.outfiles import written_whole
from preservation.provenance.export import manifest_location, write_json, write_sha256sum
from preservation.provenance.premis import write_premis


@click.command()
@click.option("--format", "fmt", type=click.Choice(["sha256sum", "premis", "json"]),
              required=True, help="sha256sum: a manifest GNU 'sha256sum -c' checks in the "
              "location's root; premis: PREMIS 3.0 XML of files, events and agents; json: the "
              "whole catalog (schemas/export.json).")
@click.option("--location", "-l", metavar="NAME",
              help="The location a sha256sum manifest is for (needed when there are several).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), metavar="FILE",
              help="Write to FILE instead of standard output.")
@pass_app
def export(app: AppContext, fmt: str, location: str | None, output: str | None) -> None:
    """Write the catalog as a checksum manifest, PREMIS XML or JSON (to standard output).

    \b
    preservation export --format sha256sum --location Laptop > Laptop.sha256
    cd /path/to/Laptop && sha256sum -c /path/to/Laptop.sha256
    """
    if fmt == "sha256sum":
        name = manifest_location(app.catalog, location)  # refuse before creating --output
    elif location is not None:
        raise click.BadParameter("only the sha256sum manifest is per location",
                                 param_hint="--location")
    app.catalog  # noqa: B018  (opened, and so checked, before anything is written)
    with (written_whole(output) if output else click.open_file("-", "wb")) as out:
        if fmt == "sha256sum":
            write_sha256sum(app.catalog, name, out)
        elif fmt == "premis":
            write_premis(app.catalog, out)
        else:
            text = io.TextIOWrapper(out, encoding="utf-8", newline="\n", write_through=False)
            try:
                write_json(app.catalog, text)
            finally:
                text.flush()
                text.detach()
    if output:
        from preservation.provenance.anchor import write_anchor

        made = write_anchor(app.catalog, output, f"export --format {fmt}")
        if made:
            click.echo(f"The event log's head, to check the log against later: {made}", err=True)
