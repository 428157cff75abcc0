"""``preservation review``: a local web page to review look-alikes and record decisions."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click

from preservation.analyse.lookalikes import DEFAULT_THRESHOLD, find_lookalikes
from preservation.catalog.events import default_operator
from preservation.cli.context import AppContext, console, operator_option, pass_app

if TYPE_CHECKING:
    from preservation.analyse.lookalikes import Pair
    from preservation.catalog.engine import Catalog
    from preservation.review.app import PlatformView


@click.command()
@click.option("--location", "-l", metavar="NAME", help="Only files of this location.")
@click.option("--undecided", is_flag=True, help="Open the list at the groups nobody decided yet.")
@click.option("--threshold", "-t", type=click.IntRange(0, 32), default=DEFAULT_THRESHOLD,
              show_default=True, metavar="BITS",
              help="Hamming distance (of 64 bits) within which two fingerprints are close.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0,
              help="Worker processes for comparing pictures not compared before (0: all cores).")
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@operator_option
@pass_app
def review(app: AppContext, location: str | None, undecided: bool, threshold: int, jobs: int,
           no_browser: bool, operator: str | None) -> None:
    """Review look-alikes and exact copies in a local web page, and record what you decide.

    Opens http://127.0.0.1:PORT/?token=... in your browser: the groups most at risk first, each
    pair side by side with its verdict, differences and every copy's location. Each decision
    (different photos: keep both; this copy is the authoritative version; same picture; not
    sure) is recorded in the provenance log with your name. Nothing is ever done to a file.

    The page answers only this computer, and only with the link's token. Ctrl-C stops it.
    """
    from preservation.review.app import Review, new_token
    from preservation.review.model import ReviewData
    from preservation.review.server import serve

    c = console(stderr=True)
    if operator is None:
        operator = default_operator()
        if sys.stdin.isatty():
            operator = click.prompt("Your name, for the record of decisions", default=operator)
    c.print("Finding look-alikes and exact copies (evidence already computed is re-used)...",
            markup=False)
    result = find_lookalikes(app.catalog, location, threshold, jobs=jobs or None)
    data = ReviewData.from_result(result)
    rv = Review(app.catalog, data, operator=operator, token=new_token(), platform=platform_view(app.catalog))
    c.print(f"{len(data.groups):,} groups to review; decisions are recorded as {operator!r}.",
            markup=False)

    def announce(url: str) -> None:
        c.print(f"Review page: {url}", markup=False, soft_wrap=True)
        c.print("Press Ctrl-C to stop.", markup=False)

    query = {"undecided": "1"} if undecided else {}
    if location:
        query["location"] = location
    serve(rv, open_browser=not no_browser, announce=announce, query=query)
    c.print("Review page stopped. Every decision made is in the provenance log "
            "(preservation decisions).", markup=False)


def platform_view(catalog: Catalog) -> PlatformView:
    """The platform view of a pair: which published matchers would merge it
    (:mod:`preservation.analyse.lookalikes.platform`), as rows for the page."""
    from preservation.analyse.lookalikes.platform import platform_view as matchers

    def rows(pair: Pair) -> list[dict[str, Any]]:
        return [{"matcher": r.matcher.label, "distance": "—" if r.distance is None else r.distance,
                 "threshold": f"≤ {r.matcher.threshold} of {r.matcher.bits}", "merge": r.merges,
                 "source": f"{r.reason}; threshold: {r.matcher.cite}"}
                for r in matchers(catalog, pair.a.sha256, pair.b.sha256)]

    return rows
