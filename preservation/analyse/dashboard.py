"""The ``status`` dashboard as one plain result: every number on the screen comes from here."""

from __future__ import annotations

from typing import Any

from preservation.analyse.copies import DEFAULT_MAX_AGE_DAYS, assess, summarise
from preservation.analyse.ndsa import assess_ndsa, ndsa_view
from preservation.catalog.copiesstore import fixity_counts
from preservation.catalog.engine import Catalog
from preservation.catalog.inventory import iso
from preservation.catalog.locations import list_locations, location_stats


def lookalike_counts(catalog: Catalog) -> dict[str, int]:
    """Groups and pairs of files that look alike, and how many pairs differ (not identical).

    Evidence is cached in the catalog, so after ``preservation lookalikes`` this is quick.
    """
    from preservation.analyse.lookalikes import find_lookalikes
    from preservation.vocabulary import Verdict

    result = find_lookalikes(catalog, jobs=1)
    pairs = [p for g in result.groups for p in g.pairs]
    return {"groups": len(result.groups), "pairs": len(pairs),
            "differ": sum(p.verdict != Verdict.IDENTICAL for p in pairs)}


def dashboard(catalog: Catalog, *, max_age_days: float = DEFAULT_MAX_AGE_DAYS) -> dict[str, Any]:
    with catalog.session() as s:
        locs = []
        for loc in list_locations(s):
            locs.append({"name": loc.name, "root": loc.root, "media": loc.media, "site": loc.site,
                         "sync": loc.sync, "trust": loc.trust, "last_scan": iso(loc.last_scan_at),
                         "last_verify": iso(loc.last_verify_at), **location_stats(s, loc)})
        fixity = fixity_counts(s)
    summary = summarise(assess(catalog, max_age_days=max_age_days), max_age_days)
    areas = assess_ndsa(catalog, summary)
    problems = sum(fixity.values())
    return {
        "ok": summary.ok and problems == 0,
        "locations": locs,
        "fixity": {"problems": problems, "by_status": fixity},
        "lookalikes": lookalike_counts(catalog),
        "ndsa": ndsa_view(areas),
        "_summary": summary,
    }
