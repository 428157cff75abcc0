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
