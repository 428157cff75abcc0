"""The labelled evaluation set: zero dangerous-direction mistakes on a small seeded set."""

from __future__ import annotations

from pathlib import Path

import pytest

from preservation.evalset import (
    build_pairs,
    dangerous,
    evaluate,
    replace_jpeg_exif,
    scores,
    source_photos,
)
from preservation.vocabulary import Verdict


@pytest.mark.slow
def test_no_dangerous_mistakes_on_a_small_seeded_set(tmp_path: Path) -> None:
    photos = source_photos()
    pairs = build_pairs(seed=11, long_side=400, photos=[photos[2], photos[3]])
    assert {p.truth for p in pairs} == {Verdict.SAME_PIXELS, Verdict.DERIVATIVE, Verdict.EDITED,
                                         Verdict.BURST, Verdict.SIMILAR}
    results = evaluate(pairs, tmp_path)
    bad = [(r.pair.kind, r.pair.truth, r.predicted, r.explanation) for r in results if r.dangerous]
    assert bad == []
    table = scores(results)
    # the two exact verdicts are exact by construction
    assert table["same-pixels"]["recall"] == 1.0 and table["same-pixels"]["precision"] == 1.0
    assert sum(r.correct for r in results) / len(results) >= 0.85


def test_dangerous_is_the_more_alike_direction() -> None:
    assert dangerous(Verdict.EDITED, Verdict.DERIVATIVE)
    assert dangerous(Verdict.BURST, Verdict.SAME_PIXELS)
    assert dangerous(Verdict.DERIVATIVE, Verdict.IDENTICAL)
    assert not dangerous(Verdict.DERIVATIVE, Verdict.EDITED)
    assert not dangerous(Verdict.SIMILAR, Verdict.BURST)


def test_lossless_exif_rewrite_keeps_the_image_data() -> None:
    import io

    from PIL import Image

    from preservation.evalset import camera_exif, encode

    data = encode(Image.new("RGB", (64, 48), (10, 200, 30)), quality=90, exif=camera_exif())
    stripped = replace_jpeg_exif(data, None)
    assert b"Exif\x00\x00" not in stripped and stripped != data
    assert data.endswith(stripped[stripped.index(b"\xff\xda"):])
    again = replace_jpeg_exif(stripped, camera_exif(artist="X"))
    assert Image.open(io.BytesIO(again)).getexif().get(0x013B) == "X"
