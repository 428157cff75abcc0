"""Labelled look-alike pairs made from real photographs, in code: test and benchmark data.

Not analysis: the tests, ``benchmarks/bench_lookalike_eval.py`` and the workshop's sample
collection build their pictures with it. :mod:`.pairs` holds the photo-derived pairs and the
evaluation loop; further modules may add groups of pairs to :data:`GROUPS`.
"""

from .changes import GROUPS as _MORE
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

GROUPS.update(_MORE)  # filters, overlays, metadata conflicts, bursts without time, hard negatives

__all__ = ["GROUPS", "PHOTOS", "EvalFile", "EvalPair", "EvalResult", "build_pairs", "camera_exif",
           "dangerous", "encode", "evaluate", "fit", "font", "replace_jpeg_exif", "scores", "shot",
           "source_photos", "write_pair"]
