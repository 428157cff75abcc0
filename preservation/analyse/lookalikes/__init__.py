"""Look-alike analysis: files whose fingerprints are close, and what they really are.

Public API::

    find_lookalikes(catalog, location=None, threshold=DEFAULT_THRESHOLD, *, jobs=None,
                    use_cache=True, include_copies=True) -> LookalikeResult
    compare_files(path_a, path_b) -> PairResult       # any two files, catalogued or not
    write_diff_png(path_a, path_b, out, result=None) -> PairResult   # side by side + heat map
    diff_png(path_a, path_b, result=None) -> (PIL.Image, PairResult)

``LookalikeResult.to_json()`` is what ``preservation lookalikes --json`` prints
(schemas/lookalikes.json). Verdicts are :class:`preservation.vocabulary.Verdict`. Modules:
:mod:`.search` (candidate search over 64-bit hashes), :mod:`.evidence` (measurements),
:mod:`.verdict` (decision rules), :mod:`.explain` (one sentence), :mod:`.groups` (likely
original), :mod:`.measure` (the one road from the cache to a judged, stored measurement of a
pair: :func:`~.measure.measure_pairs`), :mod:`.analysis` (the catalog-wide run), :mod:`.diffimage` (the PNG),
and :mod:`preservation.evalset` (labelled evaluation pairs made from real photographs, test data).
"""

from __future__ import annotations

from .analysis import DEFAULT_THRESHOLD, Group, LookalikeResult, Member, Pair, find_lookalikes
from .diffimage import diff_png, write_diff_png
from .evidence import EVIDENCE_VERSION, Evidence, Meta
from .pair import PairResult, compare_files

__all__ = [
    "DEFAULT_THRESHOLD",
    "EVIDENCE_VERSION",
    "Evidence",
    "Group",
    "LookalikeResult",
    "Member",
    "Meta",
    "Pair",
    "PairResult",
    "compare_files",
    "diff_png",
    "find_lookalikes",
    "write_diff_png",
]
