"""A derivative is proven by making the file again; what is left is named (issue 19).

The pictures are real photos (preservation/data/photos) enlarged to a camera-like size with
seeded sensor grain, so that every file has the fine texture real photographs have.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

from preservation.analyse.lookalikes import compare_files
from preservation.analyse.lookalikes.reproduce import Codec, codec_of, estimate_quality
from preservation.evalset import camera_exif, encode, fit, shot, source_photos
from preservation.vocabulary import Verdict

WHEN = dt.datetime(2023, 7, 14, 16, 2, 11)


def camera_photo(long_side: int, seed: int = 5, index: int = 3) -> tuple[Image.Image, np.ndarray]:
    """A camera-like exposure of a real photo: the scene, and the exposure's pixels."""
    big = fit(source_photos()[index], long_side)
    scene = big.resize((round(big.size[0] * 1.12), round(big.size[1] * 1.12)), Image.Resampling.BICUBIC)
    return scene, shot(scene, big.size, (0, 0), np.random.default_rng(seed), sigma=3.5)


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Image.Image, Image.Image]:
    d = tmp_path_factory.mktemp("proof")
    scene, arr = camera_photo(3000)
    p = d / "IMG_5521.jpg"
    p.write_bytes(encode(arr, quality=93, exif=camera_exif(when=WHEN, subsec="120")))
    return p, Image.open(p).convert("RGB"), scene


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def test_quality_is_read_from_the_tables() -> None:
    import io

    for q in (25, 50, 75, 93):
        im = Image.open(io.BytesIO(encode(Image.new("RGB", (64, 64), (90, 120, 30)), quality=q)))
        c = codec_of(im, None)
        assert c.format == "JPEG" and c.qtables is not None and c.subsampling in (0, 2)
        assert estimate_quality(c.qtables[0]) == q
    assert Codec("PNG", lossless=True).quality is None


@pytest.mark.parametrize("quality", [25, 75])
def test_a_re_save_is_proven_by_reproducing_it(original: tuple[Path, Image.Image, Image.Image],
                                               tmp_path: Path, quality: int) -> None:
    path, dec, _ = original
    b = tmp_path / f"IMG_5521_q{quality}.jpg"
    b.write_bytes(encode(dec, quality=quality))
    res = compare_files(path, b)
    assert res.verdict == Verdict.DERIVATIVE, res.explanation
    rep = res.evidence.reproduction
    assert rep is not None and rep.proved and rep.quality == quality and rep.local == []
    assert "nothing in it was changed" in res.explanation or "lost its" in res.explanation


@pytest.mark.parametrize("change", ["dust-spot", "grain", "denoise", "sharpen", "blur", "vignette"])
def test_changes_a_re_save_cannot_explain_are_never_derivative(
        original: tuple[Path, Image.Image, Image.Image], tmp_path: Path, change: str) -> None:
    path, dec, _ = original
    w, h = dec.size
    arr = np.asarray(dec, np.float32)
    if change == "dust-spot":  # a 9x9 spot cloned out (about 10x10 at 12 MP)
        edited = dec.copy()
        x, y = round(w * 0.31), round(h * 0.22)
        edited.paste(dec.crop((x + 40, y + 25, x + 49, y + 34)), (x, y))
    elif change == "grain":
        g = np.random.default_rng(9).standard_normal((h, w, 1)).astype(np.float32) * 3.0
        edited = Image.fromarray(_u8(arr + g))
    elif change == "denoise":
        edited = dec.filter(ImageFilter.MedianFilter(3))
    elif change == "sharpen":
        edited = dec.filter(ImageFilter.UnsharpMask(2, 80, 2))
    elif change == "blur":
        edited = dec.filter(ImageFilter.GaussianBlur(2))
    else:
        yy, xx = np.mgrid[0:h, 0:w]
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        edited = Image.fromarray(_u8(arr * (1 - 0.18 * r2)[..., None]))
    b = tmp_path / f"IMG_5521_{change}.jpg"
    b.write_bytes(encode(edited, quality=90))
    res = compare_files(path, b)
    assert res.verdict == Verdict.EDITED, res.explanation
    assert "nothing in it was changed" not in res.explanation
    expected = {"dust-spot": "local-change", "grain": "filter-grain-added", "denoise": "filter-denoised",
                "sharpen": "filter-sharpened", "blur": "filter-blurred", "vignette": "filter-vignette"}
    assert expected[change] in res.reasons, (res.reasons, res.explanation)
    if change == "dust-spot":
        r = res.evidence.reproduction.local[0]  # type: ignore[union-attr]
        assert abs(r["x"] - round(w * 0.31)) <= 12 and abs(r["y"] - round(h * 0.22)) <= 12
    # whichever file is named first
    assert compare_files(b, path).verdict == Verdict.EDITED


def test_a_burst_without_any_exif_is_told_by_its_grain(tmp_path: Path) -> None:
    """Two exposures of one scene in the same framing, a subject moved, no metadata at all."""
    scene, _ = camera_photo(1600, index=1)
    rng = np.random.default_rng(4)
    size = fit(source_photos()[1], 1600).size
    patch = fit(source_photos()[0], 200)
    s1 = shot(scene, size, (0, 0), rng, sigma=3.5, subject=(patch, (500, 300)))
    s2 = shot(scene, size, (0, 0), rng, sigma=3.5, subject=(patch, (560, 300)))
    a, b = tmp_path / "DSC_0001.jpg", tmp_path / "DSC_0002.jpg"
    a.write_bytes(encode(s1, quality=92))
    b.write_bytes(encode(s2, quality=92))
    res = compare_files(a, b)
    assert res.verdict == Verdict.BURST, res.explanation
    assert "independent-grain" in res.reasons
    assert "area changed" not in res.explanation


def test_the_same_exposure_with_other_dates_is_a_metadata_conflict(
        original: tuple[Path, Image.Image, Image.Image], tmp_path: Path) -> None:
    """Pixels first: an edited copy whose capture date was rewritten is the same exposure."""
    path, dec, _ = original
    brighter = Image.fromarray(_u8(np.asarray(dec, np.float32) * 1.2 + 3))
    b = tmp_path / "IMG_5521_bright.jpg"
    b.write_bytes(encode(brighter, quality=92,
                         exif=camera_exif(when=WHEN + dt.timedelta(hours=43), subsec="120")))
    res = compare_files(path, b)
    assert res.verdict == Verdict.EDITED, res.explanation
    assert "dates-disagree" in res.reasons
    assert "dates disagree" in res.explanation and "different photograph" not in res.explanation


@pytest.mark.parametrize(("kind", "reason"), [("watermark-tiled", "watermark-tiled"),
                                              ("logo-corner", "watermark-corner"),
                                              ("meme-text", "text-overlay"), ("sticker", "sticker")])
def test_things_put_over_a_photo_are_named_not_called_another_photograph(
        tmp_path: Path, kind: str, reason: str) -> None:
    from preservation.evalset import build_pairs, write_pair

    pair = next(p for p in build_pairs(seed=11, long_side=640, photos=[source_photos()[0], source_photos()[1]],
                                       groups=["overlays"]) if p.kind == kind)
    a, b = write_pair(pair, tmp_path)
    res = compare_files(a, b)
    assert res.verdict == Verdict.EDITED, res.explanation
    assert reason in res.reasons, (res.reasons, res.explanation)
    assert "different photograph" not in res.explanation
