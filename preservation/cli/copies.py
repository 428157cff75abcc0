"""``preservation copies`` and ``preservation status``."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from preservation.analyse.copies import (
    DEFAULT_MAX_AGE_DAYS,
    MEETS,
    assess,
    content_view,
    summarise,
    summary_view,
)
from preservation.analyse.storage import DEFAULT_PRICE_PER_GB_MONTH, storage_picture, storage_view
from preservation.cli.context import AppContext, console, human_bytes, name_text, pass_app
from preservation.errors import EXIT_OK, EXIT_PROBLEMS


@click.command()
@click.option("--at-risk", "at_risk_only", is_flag=True, help="Only what falls short, with what to do.")
@click.option("--max-age", type=click.FloatRange(min=0), default=DEFAULT_MAX_AGE_DAYS, show_default=True,
              metavar="DAYS", help="A copy counts only if its bytes were verified within this many days.")
@click.option("--price", type=click.FloatRange(min=0), default=DEFAULT_PRICE_PER_GB_MONTH, show_default=True,
              metavar="USD", help="Storage price per GB-month, for the cost of duplicates within a location.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/copies.json).")
@pass_app
def copies(app: AppContext, at_risk_only: bool, max_age: float, price: float, as_json: bool) -> None:
    """3-2-1 status: three verified copies, two kinds of media, one off-site.

    Exits 1 when any file falls short, so a scheduled job can alert.
    """
    keep = 10**9 if as_json else 200
    if as_json:
        app.catalog  # noqa: B018  (opened, and so checked, before the first byte is written)
        out = sys.stdout
        out.write('{"contents": [')
        first = True

        def stream(it):  # type: ignore[no-untyped-def]
            nonlocal first
            for cs in it:
                if not at_risk_only or cs.status != MEETS:
                    out.write(("\n" if first else ",\n") + json.dumps(content_view(cs), ensure_ascii=False))
                    first = False
                yield cs

        summary = summarise(stream(assess(app.catalog, max_age_days=max_age)), max_age, keep=0)
        out.write("\n],\n")
        body = {"summary": summary_view(summary), "storage": storage_view(storage_picture(app.catalog, price))}
        out.write(json.dumps(body, indent=2, ensure_ascii=False)[1:])
        out.write("\n")
        sys.exit(EXIT_OK if summary.ok else EXIT_PROBLEMS)
    summary = summarise(assess(app.catalog, max_age_days=max_age), max_age, keep=keep)
    c = console()
    for line in summary.sentences():
        c.print(line, markup=False)
    if summary.at_risk_counts:
        c.print()
        for loc, n in summary.at_risk_counts.most_common():
            t = Table(title=name_text(f"Only one counted copy, on {loc} ({n:,})"), title_justify="left")
            t.add_column("File")
            t.add_column("Size", justify="right")
            t.add_column("Why other copies do not count")
            for cs in summary.at_risk_by_location[loc][:50]:
                here = next(cp for cp in cs.copies if cp.location == loc)
                t.add_row(name_text(here.path), human_bytes(cs.size),
                          "; ".join(cp.why_not or "" for cp in cs.copies if not cp.counts) or "no other copy")
            c.print(t)
            if n > 50:
                c.print(f"... and {n - 50:,} more on {loc} (use --json for all).", markup=False)
    if not at_risk_only:
        pic = storage_picture(app.catalog, price)
        c.print()
        t = Table("Location", "Media", "Site", "Files", "Size", "Stored twice here", title="Storage",
                  title_justify="left")
        for ls in pic.locations:
            t.add_row(name_text(ls.name), ls.media, ls.site, f"{ls.files:,}", human_bytes(ls.bytes),
                      human_bytes(ls.reclaimable_bytes) if ls.reclaimable_bytes else "")
        c.print(t)
        if pic.reclaimable_bytes:
            c.print(f"{human_bytes(pic.reclaimable_bytes)} are the same file stored twice inside one location "
                    f"(about ${pic.monthly_cost:,.2f} a month at ${price}/GB-month). Copies in *other* "
                    "locations are backups, not waste. This tool never removes anything.", markup=False)
    sys.exit(EXIT_OK if summary.ok else EXIT_PROBLEMS)




@click.command()
@click.option("--max-age", type=click.FloatRange(min=0), default=DEFAULT_MAX_AGE_DAYS, show_default=True,
              metavar="DAYS", help="Freshness window for counting copies.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/status.json).")
@pass_app
def status(app: AppContext, max_age: float, as_json: bool) -> None:
    """One-screen dashboard: locations, fixity problems, look-alikes, 3-2-1 and NDSA levels."""
    from preservation.analyse.dashboard import dashboard

    d = dashboard(app.catalog, max_age_days=max_age)
    summary = d.pop("_summary")
    if as_json:
        d["copies"] = summary_view(summary)
        from preservation.cli.context import emit_json

        emit_json(d)
        sys.exit(EXIT_OK if d["ok"] else EXIT_PROBLEMS)
    c = console()
    t = Table("Location", "Media", "Site", "Files", "Size", "Last scan", "Last verify", "Problems",
              title="Locations", title_justify="left")
    for loc in d["locations"]:
        t.add_row(name_text(loc["name"]), loc["media"], loc["site"] + (" (sync)" if loc["sync"] else ""),
                  f"{loc['files']:,}", human_bytes(loc["bytes"]), (loc["last_scan"] or "never")[:16],
                  (loc["last_verify"] or "never")[:16], str(loc["problems"] + loc["missing"]) or "")
    c.print(t)
    c.print(f"Fixity: {d['fixity']['problems']:,} problems recorded "
            f"({', '.join(f'{k} {v:,}' for k, v in d['fixity']['by_status'].items()) or 'none'}).",
            markup=False)
    la = d["lookalikes"]
    c.print(f"Look-alikes: {la['groups']:,} groups of files that look alike; {la['differ']:,} of "
            f"{la['pairs']:,} pairs differ (not exact copies): see 'preservation lookalikes'.", markup=False)
    c.print("3-2-1: " + " ".join(summary.sentences()), markup=False)
    t = Table("Area", "Level", "Next step", title="NDSA levels (2019), as the catalog shows them",
              title_justify="left")
    for a in d["ndsa"]:
        nxt = a["next_step"]
        t.add_row(a["area"], str(a["level"]), f"L{nxt['level']}: {nxt['text']} ({nxt['why']})" if nxt else "all shown")
    c.print(t)
    sys.exit(EXIT_OK if d["ok"] else EXIT_PROBLEMS)
