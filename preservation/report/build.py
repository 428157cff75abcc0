"""Building a report: every section's data from the catalog, in one :class:`~.model.Report`.

Above the sections (:mod:`.sections`, :mod:`.lossaudit`), which build on :mod:`.model`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from preservation import __version__, agent
from preservation.catalog.engine import Catalog
from preservation.catalog.events import default_operator
from preservation.catalog.inventory import iso
from preservation.catalog.locations import get_location, list_locations
from preservation.report.assets import AssetStore
from preservation.report.csvout import CsvSink
from preservation.report.lossaudit import load_comparison, with_loss_audit
from preservation.report.model import BuildContext, Report, ReportOptions, Section
from preservation.report.sections import SECTIONS


def default_collection_name(catalog: Catalog, location: str | None) -> str:
    if location:
        return location
    stem = os.path.splitext(os.path.basename(catalog.display))[0]
    if stem.lower() not in ("", "preservation", "catalog", ":memory:"):
        return stem
    # a catalog named by default: the locations it holds say more than "Collection"
    with catalog.session() as s:
        names = [loc.name for loc in list_locations(s)]
    return ", ".join(names) if 0 < len(names) <= 3 else "Collection"


def build_report(catalog: Catalog, options: ReportOptions, *, sink: CsvSink | None = None,
                 sections: Sequence[Section] | None = None) -> Report:
    """Build every section's data from the catalog (read-only).

    ``sections``: the standard report (:data:`preservation.report.sections.SECTIONS`) unless
    another list is given.
    """
    if sections is None:
        sections = SECTIONS
    options.check()
    comparison = None
    if options.compare is not None:  # read and checked first: a bad file stops the report at once
        comparison = load_comparison(options.compare)
        sections = with_loss_audit(sections)
    now = (options.now or datetime.now(UTC)).astimezone(UTC)
    location_id = None
    if options.location is not None:
        with catalog.session() as s:
            location_id = get_location(s, options.location).id
    operator = options.operator or default_operator()
    ctx = BuildContext(catalog, options, now, location_id, options.location, sink, AssetStore())
    meta = {
        "title": "Preservation audit",
        "collection": options.collection or default_collection_name(catalog, options.location),
        "generated": iso(now), "operator": operator, "audience": options.audience,
        "paper": options.paper, "location": options.location, "show_gps": options.show_gps,
        "tool": "preservation", "version": __version__, "agent": agent(),
        "catalog": catalog.display, "command_line": options.command_line,
        "rows": ctx.rows, "max_pairs": options.max_pairs,
        "compare": comparison.to_json() if comparison else None,
    }
    ctx.shared["meta"] = meta
    ctx.shared["compare"] = comparison
    for sec in [s for s in sections if not s.late] + [s for s in sections if s.late]:
        ctx.sections[sec.id] = sec.build(ctx)
    ordered = {sec.id: ctx.sections[sec.id] for sec in sections}
    return Report(meta, ordered, list(sections), ctx.assets, ctx.findings,
                  list(sink.written) if sink else [])


__all__ = ["build_report", "default_collection_name"]
