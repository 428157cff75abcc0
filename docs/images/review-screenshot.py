"""Take docs/images/review.png: the review page of the workshop sample in Debian's Chromium.

    python docs/images/review-screenshot.py   # needs chromium at /usr/bin/chromium
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from preservation.analyse.lookalikes import find_lookalikes
from preservation.catalog.engine import open_catalog
from preservation.cli.main import cli
from preservation.review.app import Review, new_token
from preservation.review.model import ReviewData
from preservation.review.server import Running
from preservation.workshop import write_sample

OUT = Path(__file__).resolve().parent / "review.png"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sample, catalog = Path(tmp) / "family-archive", Path(tmp) / "catalog.sqlite"
        write_sample(sample)
        with contextlib.suppress(SystemExit):
            cli(["--catalog", str(catalog), "scan", str(sample), "-q", "-j", "2"], standalone_mode=False)
        cat = open_catalog(catalog)
        data = ReviewData.from_result(find_lookalikes(cat))
        g = data.groups[0]
        index = next((i for i, p in enumerate(g.pairs) if str(p.verdict) != "identical"), 0)
        with Running(Review(cat, data, operator="Records officer", token=new_token())) as srv, \
                sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.goto(srv.url(f"/group/{g.id}/pair/{index}"))
            page.wait_for_function("() => [...document.querySelectorAll('img.pic')].every(i => i.complete)")
            page.get_by_label("Different photos: keep both").check()
            page.evaluate("window.scrollTo(0, 0)")
            page.screenshot(path=str(OUT))
            browser.close()
        cat.dispose()
    im = Image.open(OUT).convert("RGB")
    im = im.resize((960, 600), Image.Resampling.LANCZOS).quantize(colors=128)
    im.save(OUT, optimize=True)
    print(OUT, OUT.stat().st_size, "bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
