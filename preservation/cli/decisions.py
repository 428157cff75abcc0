"""``preservation decisions``: what people decided, for a records system or a spreadsheet."""

from __future__ import annotations

import sys
from typing import Any

import click

from preservation.cli.context import AppContext, console, emit_json, pass_app
from preservation.provenance.decisions import export_view, iter_decisions
from preservation.report.csvout import write_csv

CSV_COLUMNS = ("seq", "time", "operator", "decision", "label", "contents", "files",
               "authoritative_location", "authoritative_path", "authoritative_sha256", "note",
               "current", "event_hash")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/decisions.json).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV output, one decision a row.")
@click.option("--all", "include_replaced", is_flag=True,
              help="Also decisions replaced by a later one about the same files.")
@pass_app
def decisions(app: AppContext, as_json: bool, as_csv: bool, include_replaced: bool) -> None:
    """What people decided in the review page, and who decided it when.

    Every decision is a PREMIS 'appraisal' event in the provenance log (different photos:
    keep both; this copy is the authoritative version; same picture; not sure; accept this
    change). A later decision about the same contents replaces an earlier one; --all lists both.
    """
    if as_json and as_csv:
        raise click.UsageError("Choose one of --json and --csv.")
    with app.catalog.session() as s:
        records = list(iter_decisions(s))
    view = export_view(records, include_replaced=include_replaced)
    if as_json:
        emit_json(view)
    elif as_csv:
        write_csv(sys.stdout, CSV_COLUMNS, (_csv_row(d) for d in view["decisions"]))
    else:
        c = console()
        if not view["decisions"]:
            c.print("No decisions recorded yet. Review look-alikes with: preservation review",
                    markup=False)
            return
        for d in view["decisions"]:
            who = d["operator"] or "?"
            c.print(f"#{d['seq']} {d['time'][:10]} {who}: {d['label']}"
                    + ("" if d["current"] else " (replaced)"), markup=False)
            for f in d["files"]:
                mark = " <- authoritative" if d["authoritative"] and f == d["authoritative"] else ""
                c.print(f"    {f['location']}/{f['path']}{mark}", markup=False)
            if not d["files"]:
                c.print("    contents " + ", ".join(x[:12] for x in d["contents"]), markup=False)
            if d["note"]:
                c.print(f"    note: {d['note']}", markup=False)
        c.print(f"{view['count']} decisions" + (f" ({view['replaced']} replaced by later ones)"
                                                if view["replaced"] else "") + ".", markup=False)


def _csv_row(d: dict[str, Any]) -> list[Any]:
    a = d["authoritative"] or {}
    return [d["seq"], d["time"], d["operator"], d["decision"], d["label"], " ".join(d["contents"]),
            " | ".join(f"{f['location']}/{f['path']}" for f in d["files"]),
            a.get("location"), a.get("path"), a.get("sha256"), d["note"],
            "yes" if d["current"] else "no", d["event_hash"]]
