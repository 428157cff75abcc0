"""Candidate search over 64-bit fingerprints: exact where promised, no false pairs ever."""

from __future__ import annotations

import numpy as np
import pytest

from preservation.analyse.lookalikes.search import (
    SearchStats,
    brute_pairs,
    informative,
    lsh_pairs,
    pairs_within,
    plan,
    round_miss_probability,
)


def planted(n: int, threshold: int, seed: int) -> tuple[np.ndarray, set[tuple[int, int]]]:
    rng = np.random.default_rng(seed)
    vals = rng.integers(0, 2**64 - 1, size=n, dtype=np.uint64, endpoint=True)
    pairs = set()
    for i in range(0, n // 5, 2):
        flips = rng.choice(64, size=int(rng.integers(0, threshold + 1)), replace=False)
        mask = 0
        for f in flips:
            mask |= 1 << int(f)
        vals[i + 1] = vals[i] ^ np.uint64(mask)
        pairs.add((i, i + 1))
    return vals, pairs


def as_set(p: np.ndarray) -> set[tuple[int, int]]:
    return {(int(a), int(b)) for a, b in p}


def hamming(vals: np.ndarray, a: int, b: int) -> int:
    return (int(vals[a]) ^ int(vals[b])).bit_count()


@pytest.mark.parametrize("threshold", [4, 10, 12])
def test_exhaustive_search_is_exact(threshold: int) -> None:
    vals, _ = planted(3000, threshold, seed=threshold)
    got = as_set(pairs_within(vals, threshold, exact=True))
    truth = {(i, j) for i in range(len(vals)) for j in range(i + 1, len(vals))
             if hamming(vals, i, j) <= threshold} if threshold <= 4 else as_set(brute_pairs(vals, threshold))
    assert got == truth
    assert all(hamming(vals, a, b) <= threshold for a, b in got)


def test_brute_force_matches_a_plain_loop() -> None:
    vals, _ = planted(400, 12, seed=1)
    loop = {(i, j) for i in range(400) for j in range(i + 1, 400) if hamming(vals, i, j) <= 12}
    assert as_set(brute_pairs(vals, 12)) == loop


@pytest.mark.parametrize("threshold", [8, 12])
def test_multi_index_search_finds_planted_pairs_and_nothing_false(threshold: int) -> None:
    vals, plant = planted(20_000, threshold, seed=7)
    st = SearchStats()
    got = as_set(pairs_within(vals, threshold, exact=False, stats=st))
    assert st.method == "multi-index"
    truth = as_set(brute_pairs(vals, threshold))
    assert got <= truth  # every reported pair is checked exactly
    assert len(got & truth) / len(truth) >= 0.99
    assert len(got & plant) / len(plant) >= 0.99


def test_multi_index_search_is_deterministic_for_a_seed() -> None:
    vals, _ = planted(5000, 12, seed=3)
    u = np.unique(vals)
    assert np.array_equal(lsh_pairs(u, 12, seed=5), lsh_pairs(u, 12, seed=5))


def test_equal_fingerprints_are_all_paired_once() -> None:
    vals = np.array([7, 7, 7, 2**40, 7 ^ 1], dtype=np.uint64)
    got = as_set(pairs_within(vals, 1, exact=False))
    assert got == {(0, 1), (0, 2), (1, 2), (0, 4), (1, 4), (2, 4)}


def test_plan_meets_the_recall_it_promises() -> None:
    p = plan(1_000_000, 12, 0.999)
    assert p.miss <= 0.001
    # Monte Carlo check of the model on random 12-bit differences
    rng = np.random.default_rng(0)
    sizes = [p.block_bits] * p.blocks
    touched = 0
    for _ in range(4000):
        bits = set(rng.choice(64, 12, replace=False).tolist())
        perm = rng.permutation(64)
        blocks = [set(perm[i * p.block_bits:(i + 1) * p.block_bits].tolist()) for i in range(p.blocks)]
        touched += all(b & bits for b in blocks)
    assert abs(touched / 4000 - round_miss_probability(12, sizes)) < 0.03


def test_degenerate_fingerprints_of_flat_pictures() -> None:
    flat = np.array([0, 2**64 - 1, 0xFFFFFFFF00000000, 1, 0x8000000000000001], dtype=np.uint64)
    assert not informative(flat).any()
    rng = np.random.default_rng(2)
    photo_like = rng.integers(0, 2**64 - 1, size=200, dtype=np.uint64, endpoint=True)
    assert informative(photo_like).mean() > 0.95


def _reference_candidates(families, threshold: int, agree: int) -> dict:
    """The candidate filter written plainly (one pair at a time), as the array version's oracle."""
    from preservation.analyse.lookalikes.search import HASHES, informative, pairs_within

    fams = [(f, informative(f.values), {int(c): i for i, c in enumerate(f.content_ids)})
            for f in families if f.algorithm in HASHES]
    degenerate: dict[int, int] = {}
    for f, ok, _ in fams:
        for cid in f.content_ids[~ok]:
            degenerate[int(cid)] = degenerate.get(int(cid), 0) + 1
    flat = {cid for cid, n in degenerate.items() if n >= 2}
    nominated = set()
    for f, ok, _ in fams:
        idx = np.flatnonzero(ok & ~np.isin(f.content_ids, np.array(sorted(flat), dtype=np.int64)))
        if idx.size < 2:
            continue
        for i, j in pairs_within(f.values[idx], threshold, exact=True):
            a, b = int(f.content_ids[idx[i]]), int(f.content_ids[idx[j]])
            nominated.add((min(a, b), max(a, b)))
    kept = {}
    for ca, cb in sorted(nominated):
        if ca == cb:
            continue
        dist: dict[str, int] = {}
        for f, ok, lookup in fams:
            ia, ib = lookup.get(ca), lookup.get(cb)
            if ia is None or ib is None or not (ok[ia] and ok[ib]):
                continue
            d = (int(f.values[ia]) ^ int(f.values[ib])).bit_count()
            dist[f.algorithm] = min(d, dist.get(f.algorithm, 64))
        # aHash and wHash (both block averages) are one vote together
        votes = {"blocks" if a in ("ahash", "whash") else a for a in dist}
        close = len({"blocks" if a in ("ahash", "whash") else a for a, d in dist.items() if d <= threshold})
        if close >= min(agree, len(votes)) and close >= 1:
            kept[(ca, cb)] = dist
    return kept


def test_candidate_filter_in_arrays_matches_the_plain_rule() -> None:
    """Clusters of near hashes, contents missing from some families, a content listed twice in a
    family, blank fingerprints, two families (library versions) of one algorithm."""
    from preservation.analyse.lookalikes.analysis import candidate_pairs
    from preservation.catalog.lookalikestore import HashFamily

    rng = np.random.default_rng(7)
    n = 600
    base = {alg: rng.integers(0, 2**63, size=n, dtype=np.int64).astype(np.uint64)
            for alg in ("phash", "dhash", "ahash", "whash")}
    for vals in base.values():  # 60 clusters of 3: each member a few bits from the first
        for k in range(60):
            for m in (1, 2):
                flip = np.uint64(0)
                for bit in rng.choice(64, size=int(rng.integers(0, 16)), replace=False):
                    flip |= np.uint64(1) << np.uint64(int(bit))
                vals[k * 3 + m] = vals[k * 3] ^ flip
        vals[590:] = np.uint64(0)  # blank pictures: never informative
    families = []
    for alg, vals in base.items():
        ids = np.arange(1, n + 1, dtype=np.int64)
        keep = rng.random(n) > 0.1  # some contents lack this hash
        fam_ids, fam_vals = ids[keep], vals[keep]
        fam_ids = np.append(fam_ids, fam_ids[5])  # one content listed twice: the last row counts
        fam_vals = np.append(fam_vals, fam_vals[7])
        families.append(HashFamily(alg, "{}", "ImageHash 4.3.2", 64, fam_ids, fam_vals))
    older = base["phash"][:300] ^ np.uint64(0b1011)  # the same algorithm, another library version
    families.append(HashFamily("phash", "{}", "ImageHash 4.3.1", 64,
                               np.arange(1, 301, dtype=np.int64), older))
    for threshold, agree in ((12, 2), (6, 2), (12, 1)):
        got = candidate_pairs(families, threshold, agree=agree, exact=True)
        want = _reference_candidates(families, threshold, agree)
        assert got == want
        assert list(got) == sorted(got)
    assert len(candidate_pairs(families, 12, agree=2, exact=True)) >= 60
