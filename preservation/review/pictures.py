"""Pictures for the review page, rendered on the server from catalogued files, by content id.

A request names a content by its SHA-256, never a path: the path is looked up in the catalog
(present copies, trusted locations first), the file is read read-only and its bytes checked
against that SHA-256 (:func:`preservation.analyse.lookalikes.pixels.load`), decoded upright
(EXIF orientation applied) and re-encoded as a JPEG: at screen size (:data:`SCREEN_SIDE`
pixels on the long side) or at full resolution for the 1:1 view. The difference map is the
look-alike analysis' own heat map (:func:`~preservation.analyse.lookalikes.diffimage.heat_map`),
in colour. Each rendering is kept in a small cache.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable

from PIL import Image

from preservation.analyse.lookalikes import Evidence
from preservation.analyse.lookalikes.diffimage import heat_map
from preservation.analyse.lookalikes.imaging import rgb8
from preservation.catalog import lookalikestore
from preservation.catalog.engine import Catalog
from preservation.catalog.reportstore import content_ids_by_sha
from preservation.report.assets import encode_jpeg, fit, load_picture

SCREEN_SIDE = 1600
MAP_SIDE = 1000
CACHE_ITEMS = 48
SHA256 = re.compile(r"[0-9a-f]{64}")


class PictureError(Exception):
    """The picture cannot be shown; the message says why."""


class Pictures:
    def __init__(self, catalog: Catalog, allowed: set[str]) -> None:
        self.catalog = catalog
        self.allowed = allowed  # the contents the page shows: nothing else is ever served
        self._cache: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def _paths(self, sha256: str) -> list[bytes]:
        if not SHA256.fullmatch(sha256) or sha256 not in self.allowed:
            raise PictureError("not a picture of this review")
        with self.catalog.session() as s:
            ids = content_ids_by_sha(s, [sha256])
            if sha256 not in ids:
                raise PictureError("not a catalogued content")
            where = lookalikestore.copies(s, [ids[sha256]], None).get(ids[sha256], [])
        where.sort(key=lambda c: (not c.trusted, c.sync, c.location, c.path))
        if not where:
            raise PictureError("no copy of this picture is present")
        return [c.absolute_bytes for c in where]

    def _cached(self, key: str, make: Callable[[], bytes]) -> bytes:
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        data = make()
        with self._lock:
            self._cache[key] = data
            while len(self._cache) > CACHE_ITEMS:
                self._cache.popitem(last=False)
        return data

    def _picture(self, sha256: str, side: int | None) -> Image.Image:
        problem = "no copy could be read"
        for path in self._paths(sha256)[:3]:
            try:
                if side is not None:
                    return load_picture(path, sha256, side)
                from preservation.analyse.lookalikes.pixels import load

                return rgb8(load(path, expected_sha256=sha256).decoded.image)
            except Exception as exc:  # unreadable now: the page says why
                problem = str(exc) or type(exc).__name__
        raise PictureError(problem)

    def screen(self, sha256: str) -> bytes:
        return self._cached(f"screen-{sha256}", lambda: encode_jpeg(
            "screen", self._picture(sha256, SCREEN_SIDE), quality=85).data)

    def full(self, sha256: str) -> bytes:
        return self._cached(f"full-{sha256}", lambda: encode_jpeg(
            "full", self._picture(sha256, None), quality=92).data)

    def difference_map(self, sha_a: str, sha_b: str, evidence: Evidence) -> bytes:
        def make() -> bytes:
            a = self._picture(sha_a, MAP_SIDE)
            b = self._picture(sha_b, MAP_SIDE)
            return encode_jpeg("map", fit(heat_map(a, b, evidence), MAP_SIDE), quality=85).data

        return self._cached(f"map-{sha_a}-{sha_b}", make)
