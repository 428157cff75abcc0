"""A small collection with look-alikes, exact copies and a hostile file name, scanned."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from preservation.evalset.pairs import camera_exif, encode
from tests.analyse.lookalikes.test_lookalikes_cli import scene
from tests.conftest import PHOTOS

WHEN = dt.datetime(2022, 8, 3, 9, 41, 7)
HOSTILE = '<img src=x onerror="alert(1)">&amp;.jpg'


@pytest.fixture
def collection(run, tmp_path: Path) -> dict[str, Path]:
    """laptop: an original, an edit of it, another shot moments later (hostile name), a photo of
    something else; backup: an exact copy of the original. Scanned into the test's catalog."""
    laptop, backup = tmp_path / "laptop", tmp_path / "backup"
    laptop.mkdir()
    backup.mkdir()
    first = scene("coffee.jpg", seed=1)
    orig = encode(first, quality=93, exif=camera_exif(make="Apple", model="iPhone 12", when=WHEN,
                                                      subsec="120"))
    h, w = first.shape[:2]
    edited = first.copy()
    edited[h - 90:h - 40, 30:110] = first[60:110, w - 120:w - 40]
    files = {"orig": laptop / "IMG_0001.JPG", "edit": laptop / "IMG_0001-edit.jpg",
             "burst": laptop / HOSTILE, "other": laptop / "rocket.jpg",
             "copy": backup / "IMG_0001.JPG"}
    files["orig"].write_bytes(orig)
    files["copy"].write_bytes(orig)
    files["edit"].write_bytes(encode(edited, quality=93, exif=camera_exif(
        make="Apple", model="iPhone 12", when=WHEN, subsec="120")))
    files["burst"].write_bytes(encode(scene("coffee.jpg", seed=2, shift=4), quality=93, exif=camera_exif(
        make="Apple", model="iPhone 12", when=WHEN, subsec="470")))
    files["other"].write_bytes((PHOTOS / "rocket.jpg").read_bytes())
    run("location", "add", "Laptop", str(laptop))
    run("location", "add", "Backup", str(backup), "--site", "offsite")
    run("scan", "-q", "-j", "1")
    return files


@pytest.fixture
def served(run, catalog_path, collection):
    """The review page of the collection, served on a free loopback port, stopped afterwards."""
    from preservation.analyse.lookalikes import find_lookalikes
    from preservation.catalog.engine import open_catalog
    from preservation.review.app import Review, new_token
    from preservation.review.model import ReviewData
    from preservation.review.server import Running

    cat = open_catalog(catalog_path)
    data = ReviewData.from_result(find_lookalikes(cat, jobs=1))
    review = Review(cat, data, operator="Test Operator", token=new_token())
    server = Running(review)
    try:
        with server:
            yield server
    finally:
        cat.dispose()
