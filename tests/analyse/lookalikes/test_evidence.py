"""Evidence, verdict rules and sentences, on pictures built in code from the real photos."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from preservation.analyse.lookalikes import compare_files
from preservation.analyse.lookalikes.evidence import (
    Evidence,
    Meta,
    compare_metadata,
    parse_capture,
    pixels_equal,
)
from preservation.analyse.lookalikes.explain import duration, where
from preservation.analyse.lookalikes.verdict import decide
from preservation.evalset import camera_exif, encode, replace_jpeg_exif
from preservation.vocabulary import Verdict
from tests.conftest import PHOTOS


def photo(name: str = "coffee.jpg", size: int = 480, seed: int = 1) -> np.ndarray:
    im = Image.open(PHOTOS / name).convert("RGB")
    im = im.resize((size, round(size * im.height / im.width)), Image.Resampling.LANCZOS)
    arr = np.asarray(im, np.float32) + np.random.default_rng(seed).normal(0, 3, (im.height, im.width, 1))
    return np.clip(arr, 0, 255).astype(np.uint8)


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


WHEN = dt.datetime(2023, 7, 14, 16, 2, 11)


# --- verdict rules: the dangerous direction is closed by construction ------------------------


def test_identical_only_when_bytes_are_equal() -> None:
    ev = Evidence(bytes_equal=False, pixels_equal=True, decoded=True)
    assert decide(ev).verdict == Verdict.SAME_PIXELS
    ev = Evidence(bytes_equal=True, pixels_equal=True)
    assert decide(ev).verdict == Verdict.IDENTICAL


def test_no_same_pixels_without_equal_pixels() -> None:
    ev = Evidence(bytes_equal=False, pixels_equal=False, decoded=False, problem="unreadable")
    assert decide(ev).verdict == Verdict.SIMILAR
    ev = Evidence(bytes_equal=False, pixels_equal=None, decoded=False)
    assert decide(ev).verdict == Verdict.SIMILAR


def test_different_capture_times_are_never_the_same_picture() -> None:
    ev = Evidence(pixels_equal=False, decoded=True)
    ev.metadata = compare_metadata(Meta(capture_time="2023-07-14T16:02:11.120"),
                                   Meta(capture_time="2023-07-14T16:02:11.470"))
    assert ev.metadata.seconds_apart == pytest.approx(0.35)
    assert decide(ev).verdict == Verdict.BURST
    ev.metadata = compare_metadata(Meta(capture_time="2023-07-14T16:02:11"),
                                   Meta(capture_time="2023-07-14T16:40:11"))
    assert decide(ev).verdict == Verdict.SIMILAR


def test_capture_time_parsing_and_precision() -> None:
    t, digits = parse_capture("2023-07-14T16:02:11.35+02:00") or (None, None)
    assert t == dt.datetime(2023, 7, 14, 16, 2, 11, 350000) and digits == 2
    # sub-seconds on one side only: compared to the second
    md = compare_metadata(Meta(capture_time="2023-07-14T16:02:11.900"),
                          Meta(capture_time="2023-07-14T16:02:11"))
    assert md.seconds_apart == 0
    md = compare_metadata(Meta(capture_time="2023-07-14T16:02:11"), Meta(capture_time="2023-07-14T18:02:11"))
    assert md.clock_shift


def test_pixel_equality_is_exact_and_mode_aware() -> None:
    grey = Image.fromarray(np.arange(64 * 64, dtype=np.uint32).reshape(64, 64).astype(np.uint8) % 200)
    assert pixels_equal(grey, grey.convert("RGB"))
    rgba = grey.convert("RGBA")
    other = rgba.copy()
    other.putpixel((3, 3), (0, 0, 0, 254))
    assert not pixels_equal(rgba, other)
    nudged = grey.copy()
    nudged.putpixel((10, 10), (nudged.getpixel((10, 10)) or 0) + 1)
    assert not pixels_equal(grey, nudged)


def test_sentence_helpers() -> None:
    assert duration(0.35) == "0.35 s"
    assert duration(12 * 60) == "12 minutes"
    assert where(0, 300, 60, 40, 400, 400) == "near the lower left"
    assert where(180, 180, 40, 40, 400, 400) == "in the centre"


# --- real files, real pipeline ------------------------------------------------------------------


def test_lossless_metadata_strip_is_same_pixels_and_says_what_was_lost(tmp_path: Path) -> None:
    exif = camera_exif(when=WHEN, subsec="120", gps=(48.8, 2.3))
    a = write(tmp_path, "a.jpg", encode(photo(), quality=93, exif=exif))
    b = write(tmp_path, "b.jpg", replace_jpeg_exif(a.read_bytes(), None))
    res = compare_files(a, b)
    assert res.verdict == Verdict.SAME_PIXELS
    assert res.explanation.startswith("Same picture; this copy has lost its camera metadata (capture date, camera model")


def test_burst_sentence(tmp_path: Path) -> None:
    arr = photo()
    shifted = np.roll(arr, 5, axis=1)
    a = write(tmp_path, "a.jpg", encode(arr, exif=camera_exif(when=WHEN, subsec="120")))
    b = write(tmp_path, "b.jpg", encode(shifted, exif=camera_exif(when=WHEN, subsec="470")))
    res = compare_files(a, b)
    assert res.verdict == Verdict.BURST
    assert res.explanation == "Taken 0.35 s apart with the same camera: a different photograph."


def test_local_change_is_edited_with_its_place_and_size(tmp_path: Path) -> None:
    arr = photo("chelsea.jpg", 600)
    h, w = arr.shape[:2]
    changed = arr.copy()
    y0, x0 = h - 90, 40  # a 60x40 patch near the lower left, filled from elsewhere
    changed[y0:y0 + 40, x0:x0 + 60] = arr[20:60, w - 100:w - 40]
    exif = camera_exif(when=WHEN, subsec="120")
    a = write(tmp_path, "a.png", encode(arr, "PNG", exif=exif))
    b = write(tmp_path, "b.png", encode(changed, "PNG", exif=exif))
    res = compare_files(a, b)
    assert res.verdict == Verdict.EDITED
    r = res.evidence.difference.regions[0]  # type: ignore[union-attr]
    assert abs(r["x"] - x0) <= 12 and abs(r["y"] - y0) <= 12
    assert 50 <= r["width"] <= 80 and 30 <= r["height"] <= 60
    assert "pixel area changed near the lower left" in res.explanation


@pytest.mark.parametrize("change", ["grey", "brighter", "watermark", "crop"])
def test_deliberate_changes_are_never_derivative(tmp_path: Path, change: str) -> None:
    from PIL import ImageDraw

    arr = photo("astronaut.jpg", 512)
    im = Image.fromarray(arr)
    if change == "grey":
        b_im = im.convert("L")
    elif change == "brighter":
        b_im = Image.fromarray(np.clip(arr.astype(np.float32) * 1.3, 0, 255).astype(np.uint8))
    elif change == "watermark":
        b_im = im.copy()
        ImageDraw.Draw(b_im).text((300, 470), "(c) 2024 Studio", fill=(255, 255, 255))
    else:
        b_im = im.crop((40, 30, 472, 480))
    a = write(tmp_path, "a.jpg", encode(im, quality=92))
    b = write(tmp_path, "b.jpg", encode(b_im, quality=92))
    res = compare_files(a, b)
    assert res.verdict == Verdict.EDITED, res.explanation
    # the same verdict whichever file is named first (a brightened copy clips its highlights:
    # a tone curve maps the original onto it, but none maps it back)
    assert compare_files(b, a).verdict == Verdict.EDITED
    if change == "crop":
        crop = res.evidence.geometry.crop
        assert crop is not None and abs(crop["x"] - 40) <= 3 and abs(crop["width"] - 432) <= 4


def test_reencode_and_resize_are_derivative(tmp_path: Path) -> None:
    arr = photo("rocket.jpg", 640)
    im = Image.fromarray(arr)
    a = write(tmp_path, "a.jpg", encode(im, quality=95, exif=camera_exif(when=WHEN, subsec="5")))
    small = im.resize((320, 214), Image.Resampling.LANCZOS)
    for name, data in (("q60.jpg", encode(im, quality=60)), ("half.webp", encode(small, "WEBP", quality=85))):
        res = compare_files(a, write(tmp_path, name, data))
        assert res.verdict == Verdict.DERIVATIVE, res.explanation
        assert "lost its camera metadata" in res.explanation


def test_nearly_blank_pictures_are_never_the_same_picture(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    black1 = np.clip(rng.normal(6, 1.2, (300, 400, 3)), 0, 255).astype(np.uint8)
    black2 = np.clip(rng.normal(6, 1.2, (300, 400, 3)), 0, 255).astype(np.uint8)
    a = write(tmp_path, "a.png", encode(black1, "PNG"))
    b = write(tmp_path, "b.png", encode(black2, "PNG"))
    res = compare_files(a, b)
    assert res.verdict == Verdict.SIMILAR
    assert "nearly blank" in res.explanation


def test_evidence_round_trips_through_json(tmp_path: Path) -> None:
    arr = photo()
    a = write(tmp_path, "a.jpg", encode(arr, quality=95))
    b = write(tmp_path, "b.jpg", encode(arr, quality=70))
    res = compare_files(a, b)
    again = Evidence.from_json(res.evidence.to_json())
    assert again.to_json() == res.evidence.to_json()
    assert decide(again).verdict == res.verdict


def test_reading_never_changes_the_files(tmp_path: Path) -> None:
    from tests.conftest import snapshot

    arr = photo()
    write(tmp_path, "a.jpg", encode(arr, quality=95))
    write(tmp_path, "b.jpg", encode(arr, quality=70))
    before = snapshot(tmp_path)
    compare_files(tmp_path / "a.jpg", tmp_path / "b.jpg")
    assert snapshot(tmp_path) == before
    assert io  # keep import for clarity of intent
