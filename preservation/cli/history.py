"""``preservation history`` and ``preservation log verify``: the provenance log."""

from __future__ import annotations

import sys

import click

from preservation.catalog.fixitystore import file_history
from preservation.cli.context import AppContext, console, emit_json, pass_app
from preservation.errors import EXIT_OK, EXIT_PROBLEMS
from preservation.provenance.anchor import check_anchors, parse_expect, read_anchor
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
@click.option("--anchor", "anchor_files", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="An anchor written beside a report, export or evidence package (NAME.anchor.json): "
                   "the event it names must still be in the log with the same hash. Repeatable.")
@click.option("--expect", "expected", multiple=True, metavar="[SEQ:]HASH",
              help="An event hash noted down earlier (as 'log verify' prints it): the log must still "
                   "hold it (at event SEQ, if given). Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/log-verify.json).")
@pass_app
def verify_log(app: AppContext, anchor_files: tuple[str, ...], expected: tuple[str, ...],
               as_json: bool) -> None:
    """Re-compute the hash chain over every event and name the first broken link.

    A chain can only show changes inside it: a log cut short at its end, or rewritten from some
    event on with every later hash recomputed, is a valid chain. Checking it against an anchor
    (the head of the log noted at an earlier moment) shows those too.

    Exit codes: 0 the chain is intact (and holds every anchor), 1 it is broken (an event was
    altered, removed or re-ordered) or an anchored event is gone or changed, 2 could not run.
    """
    anchors = [read_anchor(f) for f in anchor_files] + [parse_expect(e) for e in expected]
    check = check_chain(app.catalog)
    held = check_anchors(app.catalog, anchors, check.events)
    if as_json:
        emit_json({**chain_view(check), "anchors": [h.view() for h in held]})
    else:
        c = console()
        if check.broken is None:
            newest = check.newest
            c.print(
                f"Event log intact: {check.events:,} events." + (
                    f" Newest: #{newest['seq']} at {newest['time']}, hash {newest['hash']} "
                    "(note it down: a log cut short after it would end at an earlier hash)."
                    if newest else ""), markup=False)
        else:
            c.print(f"Event log BROKEN at event #{check.broken.seq}: {check.broken.reason}. "
                    f"Events before #{check.broken.seq} are intact; {check.events:,} events "
                    "in all.", markup=False)
        for h in held:
            at = f"#{h.anchor.seq} " if h.anchor.seq is not None else ""
            c.print(f"Anchor {h.anchor.source} ({at}{h.anchor.hash}): "
                    + ("held, " if h.ok else "NOT HELD, ") + h.reason + ".", markup=False)
    sys.exit(EXIT_OK if check.broken is None and all(h.ok for h in held) else EXIT_PROBLEMS)
