"""``preservation accept``: a person accepts fixity changes as intended."""

from __future__ import annotations

import click

from preservation.catalog.events import default_operator
from preservation.cli.context import AppContext, console, emit_json, exit_with, operator_option, pass_app
from preservation.provenance.accept import AcceptResult, accept


def result_view(r: AcceptResult) -> dict[str, object]:
    """What ``accept --json`` prints (schemas/accept.json)."""
    return {
        "problems": r.problem_count,
        "accepted": [{"location": a.location, "path": a.path, "previous_sha256": a.previous_sha256,
                      "accepted_sha256": a.accepted_sha256, "event": a.seq} for a in r.accepted],
        "not_accepted": [{"location": n.location, "path": n.path, "reason": n.reason}
                         for n in r.refused],
        "nothing_to_accept": list(r.nothing_open),
    }


@click.command()
@click.argument("targets", nargs=-1, required=True, metavar="PATH|LOCATION...")
@click.option("--note", required=True, metavar="TEXT",
              help="Why the change is accepted (kept in the provenance log with your decision).")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/accept.json).")
@operator_option
@pass_app
def accept_cmd(app: AppContext, targets: tuple[str, ...], note: str, as_json: bool,
               operator: str | None) -> None:
    """Accept fixity changes: the bytes a file holds now are what it should hold.

    A file whose bytes changed (found by verify, or recorded by a scan as its new version)
    stays a problem until a person accepts the change. Each PATH is a file, a folder inside a
    location (every changed file below it) or a location's name. The file is read once more
    and its bytes become its recorded version; the old version and its history stay. Your
    decision (who, when, which bytes, the note) is recorded as an appraisal event.
    To accept every change of a location at once: preservation scan --rehash LOCATION.

    Exit codes: 0 every named change accepted, 1 some could not be (a file that cannot be
    read now), 2 could not run.
    """
    result = accept(app.catalog, list(targets), note, operator or default_operator())
    if as_json:
        emit_json(result_view(result))
        exit_with(result)
    c = console()
    for a in result.accepted:
        c.print(f"Accepted {a.location}/{a.path}: its bytes (sha256 {a.accepted_sha256}) are now "
                f"its recorded version; before: {a.previous_sha256}. Recorded as event "
                f"#{a.seq}.", markup=False)
    for n in result.refused:
        c.print(f"Not accepted {n.location}/{n.path}: {n.reason}.", markup=False)
    for t in result.nothing_open:
        c.print(f"Nothing to accept for {t}: no fixity change of it is open.", markup=False)
    exit_with(result)
