"""``preservation history`` and ``preservation log verify``: the provenance log."""

from __future__ import annotations

import sys

import click

from preservation.catalog.fixitystore import file_history
from preservation.cli.context import AppContext, console, emit_json, pass_app
from preservation.errors import EXIT_OK, EXIT_PROBLEMS
from preservation.provenance.export import chain_view, check_chain


@click.command()
@click.argument("path", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/history.json).")
@pass_app
def history(app: AppContext, path: str, as_json: bool) -> None:
    """Every recorded event concerning one file, and when its bytes were last verified.

    Events are found by the file's path and by its recorded SHA-256, so events about the same
    bytes elsewhere (a copy on a backup drive) are shown too.
    """
    with app.catalog.session() as s:
        h = file_history(s, path)
    if as_json:
        emit_json(h)
        return
    c = console()

    def say(text: str) -> None:
        c.print(text, markup=False)

    v = h["verification"]
    say(f"{h['absolute_path']} ({h['location']}: {h['path']}, {h['state']})")
    say(f"  sha256: {h['sha256'] or '- (never hashed)'}")
    say(f"  first seen {h['first_seen']}, last seen {h['last_seen']}")
    if v["last_verified"]:
        say(f"  last verified {v['last_verified']}: {v['status']} (verify run {v['run']}"
            f"{', by ' + v['operator'] if v['operator'] else ''})")
    else:
        say("  never verified (run: preservation verify)")
    say(f"  {len(h['events'])} events:")
    for e in h["events"]:
        d = e["detail"]
        what = d.get("message") or d.get("status") or d.get("action") or ""
        via = "" if "path" in e["via"] else " [same bytes elsewhere: " + str(d.get("location", "?")) + "]"
        who = f", {e['operator']}" if e["operator"] else ""
        say(f"  #{e['seq']} {e['time']} {e['type']} ({e['outcome']}{who}){via}"
            + (f": {what}" if what else ""))


@click.group()
def log() -> None:
    """The tamper-evident provenance log."""


@log.command("verify")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/log-verify.json).")
@pass_app
def verify_log(app: AppContext, as_json: bool) -> None:
    """Re-compute the hash chain over every event and name the first broken link.

    Exit codes: 0 the chain is intact, 1 it is broken (an event was altered, removed or
    re-ordered), 2 could not run.
    """
    check = check_chain(app.catalog)
    if as_json:
        emit_json(chain_view(check))
    elif check.broken is None:
        newest = check.newest
        console().print(
            f"Event log intact: {check.events:,} events." + (
                f" Newest: #{newest['seq']} at {newest['time']}, hash {newest['hash']} "
                "(note it down: a log cut short after it would end at an earlier hash)."
                if newest else ""), markup=False)
    else:
        console().print(f"Event log BROKEN at event #{check.broken.seq}: {check.broken.reason}. "
                        f"Events before #{check.broken.seq} are intact; {check.events:,} events "
                        "in all.", markup=False)
    sys.exit(EXIT_OK if check.broken is None else EXIT_PROBLEMS)
