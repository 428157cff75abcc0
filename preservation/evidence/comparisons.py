"""The look-alike evidence for packaged files: which of them look alike, and what each pair is.

Candidates are found as ``preservation lookalikes`` finds them (the stored perceptual hashes,
:func:`~preservation.analyse.lookalikes.analysis.candidate_pairs`); the evidence comes from the
catalog's cache when it is there, and is otherwise measured on the verified copies in the
package and cached, with the look-alike analysis' own runner. Nothing is guessed: a pair
whose pictures could not be compared says so.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from preservation.analyse.lookalikes import Evidence, PairResult
from preservation.analyse.lookalikes.analysis import candidate_pairs
from preservation.analyse.lookalikes.groups import order_by_rank, rank_contents
from preservation.analyse.lookalikes.measure import PairToMeasure, measure_pairs
from preservation.analyse.lookalikes.pair import judge
from preservation.analyse.lookalikes.search import HASHES
from preservation.catalog import lookalikestore as lstore
from preservation.catalog.engine import Catalog
from preservation.evidence.parts import LOOKALIKES, Packed, Pair
from preservation.vocabulary import Verdict

_U64 = 1 << 64


def _families(values: dict[int, dict[tuple[str, str, str], int]]) -> list[lstore.HashFamily]:
    """The stored 64-bit hashes of a few contents, one family per way of hashing."""
    grouped: dict[tuple[str, str, str], list[tuple[int, int]]] = defaultdict(list)
    for cid, hashes in sorted(values.items()):
        for key, value in hashes.items():
            if key[0] in HASHES and 0 <= value < _U64:
                grouped[key].append((cid, value))
    return [lstore.HashFamily(alg, pk, lib, 64, np.array([c for c, _ in rows], dtype=np.int64),
                              np.array([v for _, v in rows], dtype=np.uint64))
            for (alg, pk, lib), rows in sorted(grouped.items())]


def lookalike_pairs(catalog: Catalog, packed: Sequence[Packed], threshold: int) -> list[Pair]:
    """Pairs of packaged files whose fingerprints are close, the likely original as ``a``; files
    with the same bytes are paired as exact copies."""
    first: dict[int, Packed] = {}
    pairs: list[Pair] = []
    for p in packed:
        cid = p.file.content_id
        if cid is None:
            continue
        if cid in first:
            ev = Evidence(bytes_equal=True, pixels_equal=True)
            pairs.append(Pair(first[cid], p, LOOKALIKES, result=judge(ev)))
        else:
            first[cid] = p
    if len(first) < 2:
        return pairs
    ids = sorted(first)
    with catalog.session() as s:
        values = lstore.hash_values(s, ids)
        infos = lstore.contents(s, ids)
    ranks = rank_contents([infos[c] for c in ids], {c: infos[c].first_seen for c in ids})
    for (ca, cb), dist in sorted(candidate_pairs(_families(values), threshold).items()):
        a, b = order_by_rank((ca, cb), ranks)
        pairs.append(Pair(first[a], first[b], LOOKALIKES, dict(dist)))
    return pairs


def resolve(catalog: Catalog, pairs: Sequence[Pair], bag: str, jobs: int | None = None) -> None:
    """Fill in each pair's result: cached evidence, or measured on the packaged copies (the
    payload of the bag being made in folder ``bag``)."""
    todo = [p for p in pairs if p.result is None]
    if not todo:
        return
    ids = sorted({c for p in todo for c in (p.a.file.content_id, p.b.file.content_id) if c is not None})
    with catalog.session() as s:
        infos = lstore.contents(s, ids)
    asks: list[PairToMeasure[int]] = []
    for i, p in enumerate(todo):
        ca, cb = p.a.file.content_id, p.b.file.content_id
        assert ca is not None and cb is not None
        # the loss audit's pairs keep their order: its verdict speaks from the reference's side
        asks.append(PairToMeasure(i, infos[ca], infos[cb], [os.fsencode(os.path.join(bag, p.a.bag_path))],
                                  [os.fsencode(os.path.join(bag, p.b.bag_path))], p.distances,
                                  either_way=p.verdict is None))
    for m in measure_pairs(catalog, asks, jobs=jobs):
        p = todo[m.key]
        if m.swapped:  # measured the other way round
            p.a, p.b = p.b, p.a
        p.result = _result(p, m.result)


def _result(p: Pair, res: PairResult) -> PairResult:
    if p.verdict is None:
        return res
    # the loss audit's verdict and sentence stand: they may rest on a platform sidecar's
    # capture time that the cached measurement does not know
    return PairResult(res.evidence, Verdict(p.verdict), list(p.reasons) or res.reasons,
                      p.explanation or res.explanation)


__all__ = ["lookalike_pairs", "resolve"]
