"""Labelled look-alike pairs made from real photographs, in code: test and benchmark data.

Not analysis: the tests, ``benchmarks/bench_lookalike_eval.py`` and the workshop's sample
collection build their pictures with it. :mod:`.pairs` holds the photo-derived pairs and the
evaluation loop; further modules may add groups of pairs to :data:`GROUPS`.
"""

from .framings import FRAMINGS, framing_pairs
from .pairs import (
    GROUPS,
    PHOTOS,
    EvalFile,
    EvalPair,
    EvalResult,
    build_pairs,
    camera_exif,
    dangerous,
    encode,
    evaluate,
    fit,
    font,
    replace_jpeg_exif,
    scores,
    shot,
    source_photos,
    write_pair,
)

# Framing pairs (mirror, turns, crops, bars, screenshots, captions, meme text, straighten) are
# one more group of the labelled set, kept in their own module.
GROUPS["framing"] = framing_pairs

__all__ = ["FRAMINGS", "GROUPS", "PHOTOS", "EvalFile", "EvalPair", "EvalResult", "build_pairs", "camera_exif",
           "dangerous", "encode", "evaluate", "fit", "font", "framing_pairs", "replace_jpeg_exif", "scores", "shot",
           "source_photos", "write_pair"]
