"""HTML to PDF with WeasyPrint (CSS paged media: page size, running header, page numbers).

Pictures are served to WeasyPrint from the report's asset store through an ``asset:`` URL
scheme; WeasyPrint caches an image by its URL, so a picture shown several times is embedded
once. Nothing is fetched from the network: only ``asset:``, ``data:`` and local ``file:`` URLs
(a logo in a user template folder) are allowed.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from preservation.report.assets import AssetStore

SCHEME = "asset:"
ALLOWED = ("asset", "data", "file")


def asset_url(asset_id: str) -> str:
    return SCHEME + asset_id


def _fetcher(store: AssetStore) -> Any:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class Fetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(SCHEME):
                a = store.get(url[len(SCHEME):])
                if a is None:
                    raise ValueError(f"no such picture in this report: {url}")
                return URLFetcherResponse(url, a.data, {"Content-Type": a.mime})
            return super().fetch(url, headers)

    return Fetcher(allowed_protocols=ALLOWED, timeout=5)


def write_pdf(html: str, store: AssetStore, out: str | os.PathLike[str], *,
              base_url: str | None = None) -> int:
    """Render ``html`` to ``out``; returns the number of pages."""
    import weasyprint

    # WeasyPrint reports unsupported CSS and the like through its loggers: keep them off the
    # terminal a person reads (they are about our stylesheet, not about their files).
    for name in ("weasyprint", "weasyprint.progress", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    doc = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_fetcher(store)).render()
    doc.write_pdf(os.fspath(out))
    return len(doc.pages)
