"""Finding every pair of 64-bit fingerprints within a Hamming distance, fast.

Two methods, both in plain numpy:

* :func:`brute_pairs` compares every pair (XOR + popcount, in blocks). Exact; used when the
  collection is small enough that it costs less than a few seconds.
* :func:`lsh_pairs`: multi-index hashing with random bit permutations. Each *round* permutes
  the 64 bits at random and cuts them into ``m`` blocks of ``K`` bits; two fingerprints
  whose block is equal land in the same bucket and are then checked exactly. Two fingerprints
  ``d`` bits apart survive one round unseen only if every block holds one of the ``d``
  differing bits, a probability known exactly (inclusion-exclusion over the hypergeometric
  allocation); enough rounds make the chance of missing a pair at the threshold as small as
  asked (``recall``). Pairs closer than the threshold are missed even more rarely.

  The classic exact variant (split into ``threshold + 1`` blocks: by the pigeonhole principle
  one block must match) degenerates at the distances that matter for photos: 13 blocks of
  ~5 bits put 1/32 of all fingerprints in every bucket, i.e. ~10^10 candidate pairs for a
  million photos. Random rounds with ~20-bit blocks give the same answer with ~10^8.

Both return the same thing: an ``(k, 2)`` int64 array of index pairs ``i < j``, sorted, with
no repeats, each within ``threshold`` bits. Neither knows what the fingerprints are of.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import numpy.typing as npt

U64 = npt.NDArray[np.uint64]
Pairs = npt.NDArray[np.int64]

#: Below this many distinct fingerprints the exhaustive comparison is used (exact, ~0.3 s).
EXACT_LIMIT = 10_000
#: Default chance that a pair exactly at the threshold is found (closer pairs: higher).
DEFAULT_RECALL = 0.995


@dataclass(slots=True)
class SearchStats:
    """What a search did, for benchmarks and ``--verbose`` output."""

    method: str = ""
    n: int = 0
    distinct: int = 0
    threshold: int = 0
    block_bits: int = 0
    blocks_per_round: int = 0
    rounds: int = 0
    candidates: int = 0  # bucket collisions checked exactly
    pairs: int = 0
    miss_at_threshold: float = 0.0  # modelled chance of missing one pair at the threshold
    notes: list[str] = field(default_factory=list)


def popcount(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint8]:
    return np.bitwise_count(x)


def hamming(a: int, b: int) -> int:
    return (int(a) ^ int(b)).bit_count()


def as_u64(values: Iterable[int] | npt.ArrayLike) -> U64:
    arr = np.asarray(values)
    if arr.dtype != np.uint64:
        arr = np.array([int(v) & 0xFFFF_FFFF_FFFF_FFFF for v in np.ravel(arr)], dtype=np.uint64)
    return np.ascontiguousarray(arr.ravel())


# --- exhaustive ---------------------------------------------------------------------------


def brute_pairs(values: U64, threshold: int, *, block_elems: int = 1 << 23) -> Pairs:
    """Every pair within ``threshold`` by comparing all of them (exact)."""
    vals = as_u64(values)
    n = vals.size
    out: list[Pairs] = []
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    rows = max(1, block_elems // n)
    for start in range(0, n - 1, rows):
        stop = min(n - 1, start + rows)
        block = vals[start:stop]
        rest = vals[start + 1:]
        x = np.bitwise_xor(block[:, None], rest[None, :])
        close = np.bitwise_count(x) <= threshold
        ii, jj = np.nonzero(close)
        jj = jj + start + 1
        ii = ii + start
        keep = jj > ii
        if keep.any():
            out.append(np.stack([ii[keep], jj[keep]], axis=1).astype(np.int64))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    pairs = np.concatenate(out)
    order = np.lexsort((pairs[:, 1], pairs[:, 0]))
    return pairs[order]


def brute_neighbours(values: U64, queries: npt.NDArray[np.int64], threshold: int,
                     *, block_elems: int = 1 << 24) -> Pairs:
    """Exact pairs ``(q, j)`` (q < j or q > j, normalised i < j) for a sample of query indices.

    Used to measure the recall of :func:`lsh_pairs` against an exhaustive search.
    """
    vals = as_u64(values)
    n = vals.size
    rows = max(1, block_elems // max(n, 1))
    out: list[Pairs] = []
    for s in range(0, len(queries), rows):
        q = queries[s:s + rows]
        close = np.bitwise_count(np.bitwise_xor(vals[q][:, None], vals[None, :])) <= threshold
        qi, jj = np.nonzero(close)
        ii = q[qi]
        keep = ii != jj
        if keep.any():
            a, b = ii[keep], jj[keep]
            out.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.int64))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return _unique_pairs(np.concatenate(out), n)


# --- multi-index hashing with random permutations --------------------------------------------


def round_miss_probability(distance: int, block_sizes: list[int], bits: int = 64) -> float:
    """Chance that ``distance`` differing bits (at random positions) touch every block."""
    if distance == 0:
        return 0.0
    total = 0.0
    for r in range(len(block_sizes) + 1):
        for subset in combinations(block_sizes, r):
            clean = bits - sum(subset)
            total += (-1) ** r * math.comb(clean, distance) / math.comb(bits, distance)
    return max(0.0, min(1.0, total))


@dataclass(frozen=True, slots=True)
class Plan:
    block_bits: int
    blocks: int
    rounds: int
    miss: float  # modelled chance of missing a pair exactly at the threshold


def plan(n: int, threshold: int, recall: float = DEFAULT_RECALL) -> Plan:
    """The block size and number of rounds with the lowest modelled cost for ``n`` items."""
    best: tuple[float, Plan] | None = None
    target = max(1e-12, 1.0 - recall)
    for k in range(12, 33):
        m = 64 // k
        p = round_miss_probability(threshold, [k] * m)
        if p <= 0:
            rounds = 1
        elif p >= 1:
            continue
        else:
            rounds = max(1, math.ceil(math.log(target) / math.log(p)))
        tables = rounds * m
        # calibrated on 2 cores: ~30 ns per item per table (sort and scan), ~30 ns per item per
        # round (the permutation), ~15 ns per bucket collision; uniform fingerprints assumed.
        collisions = n * (n - 1) / 2 / 2.0**k
        cost = tables * 30e-9 * n + rounds * 30e-9 * n + tables * collisions * 15e-9
        cand = Plan(k, m, rounds, p**rounds if p > 0 else 0.0)
        if best is None or cost < best[0]:
            best = (cost, cand)
    if best is None:  # threshold so large that no block size can work: everything collides
        raise ValueError(f"threshold {threshold} is too large for multi-index search")
    return best[1]


def _permutation_tables(perm: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """Byte lookup tables that move bit ``i`` to position ``perm[i]``."""
    luts = np.zeros((8, 256), dtype=np.uint64)
    v = np.arange(256, dtype=np.uint64)
    for byte in range(8):
        for bit in range(8):
            has = (v >> np.uint64(bit)) & np.uint64(1)
            luts[byte] |= has << np.uint64(perm[byte * 8 + bit])
    return luts


def _permute(values: U64, luts: npt.NDArray[np.uint64]) -> U64:
    byte_view = values.view(np.uint8).reshape(values.size, 8)
    if np.little_endian:
        out = luts[0][byte_view[:, 0]]
        for b in range(1, 8):
            out |= luts[b][byte_view[:, b]]
    else:  # pragma: no cover - big-endian hosts
        out = luts[0][byte_view[:, 7]]
        for b in range(1, 8):
            out |= luts[b][byte_view[:, 7 - b]]
    return out


def _rotl(x: U64, r: int) -> U64:
    r %= 64
    if r == 0:
        return x.copy()
    return (x << np.uint64(r)) | (x >> np.uint64(64 - r))


def _round(vals: U64, luts: npt.NDArray[np.uint64], k: int, m: int,
           threshold: int) -> tuple[U64, U64, int]:
    """One permutation, ``m`` blocks: the close pairs it sees, as permuted values.

    For each block the permuted values are rotated so that the block is the top ``k`` bits and
    sorted; equal blocks are then neighbours, and the full values travel with them (a rotation
    and a permutation do not change Hamming distances), so checking a collision reads
    neighbouring memory only.
    """
    n = vals.size
    p = _permute(vals, luts)
    limit = np.uint64(1) << np.uint64(64 - k)
    fa: list[U64] = []
    fb: list[U64] = []
    collisions = 0
    for b in range(m):
        r = 64 - (b + 1) * k
        q = _rotl(p, r)
        q.sort()
        x = q[:-1] ^ q[1:]
        same = x < limit
        # neighbours (the common case) in one contiguous pass, no gathers
        hit = np.flatnonzero(same & (np.bitwise_count(x) <= threshold))
        collisions += int(np.count_nonzero(same))
        if hit.size:
            fa.append(_rotl(q[hit], -r))
            fb.append(_rotl(q[hit + 1], -r))
        pos = np.flatnonzero(same[:-1] & same[1:])  # runs of three or more
        off = 2
        while pos.size:
            collisions += int(pos.size)
            ok = np.bitwise_count(q[pos] ^ q[pos + off]) <= threshold
            if ok.any():
                fa.append(_rotl(q[pos[ok]], -r))
                fb.append(_rotl(q[pos[ok] + off], -r))
            off += 1
            pos = pos[pos + off < n]
            pos = pos[(q[pos] ^ q[pos + off]) < limit]
    if not fa:
        empty = np.empty(0, dtype=np.uint64)
        return empty, empty, collisions
    return np.concatenate(fa), np.concatenate(fb), collisions


def _unique_pairs(pairs: Pairs, n: int) -> Pairs:
    if pairs.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    codes = np.unique(pairs[:, 0] * np.int64(n) + pairs[:, 1])
    return np.stack([codes // n, codes % n], axis=1)


def lsh_pairs(values: U64, threshold: int, *, recall: float = DEFAULT_RECALL, seed: int = 0,
              workers: int | None = None, stats: SearchStats | None = None) -> Pairs:
    """Pairs within ``threshold`` by multi-index hashing over random permutations.

    Deterministic for a given ``seed``. ``recall`` is the modelled chance that a pair exactly
    at the threshold is found. Values must be distinct (see :func:`pairs_within`).
    """
    raw = as_u64(values)
    n = raw.size
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    order = np.argsort(raw, kind="stable")
    vals = raw[order]
    if np.any(vals[1:] == vals[:-1]):
        raise ValueError("lsh_pairs needs distinct values; use pairs_within")
    pl = plan(n, threshold, recall)
    rng = np.random.default_rng(seed)
    perms = [rng.permutation(64) for _ in range(pl.rounds)]
    workers = workers or min(2, os.cpu_count() or 1)
    collisions = 0
    parts: list[Pairs] = []
    batch_a: list[U64] = []
    batch_b: list[U64] = []

    def one(perm: npt.NDArray[np.int64]) -> tuple[U64, U64, int]:
        fa, fb, coll = _round(vals, _permutation_tables(perm), pl.block_bits, pl.blocks, threshold)
        if fa.size:  # back to the original bit order
            inverse = _permutation_tables(np.argsort(perm))
            fa, fb = _permute(fa, inverse), _permute(fb, inverse)
        return fa, fb, coll

    def flush() -> None:
        ia = np.searchsorted(vals, np.concatenate(batch_a))
        ib = np.searchsorted(vals, np.concatenate(batch_b))
        pairs = np.stack([np.minimum(ia, ib), np.maximum(ia, ib)], axis=1).astype(np.int64)
        parts.append(_unique_pairs(pairs, n))
        batch_a.clear()
        batch_b.clear()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        for fa, fb, coll in pool.map(one, perms):
            collisions += coll
            if fa.size:
                batch_a.append(fa)
                batch_b.append(fb)
            if len(batch_a) >= 32:
                flush()
    if batch_a:
        flush()
    sorted_pairs = _unique_pairs(np.concatenate(parts), n) if parts else np.empty((0, 2), np.int64)
    a, b = order[sorted_pairs[:, 0]], order[sorted_pairs[:, 1]]
    result = _unique_pairs(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.int64), n)
    if stats is not None:
        stats.method = "multi-index"
        stats.block_bits, stats.blocks_per_round, stats.rounds = pl.block_bits, pl.blocks, pl.rounds
        stats.candidates += collisions
        stats.miss_at_threshold = pl.miss
    return result


# --- the entry point ------------------------------------------------------------------------


def pairs_within(values: U64, threshold: int, *, exact: bool | None = None,
                 recall: float = DEFAULT_RECALL, seed: int = 0, workers: int | None = None,
                 stats: SearchStats | None = None) -> Pairs:
    """All index pairs ``i < j`` with ``popcount(values[i] ^ values[j]) <= threshold``.

    Equal values are grouped first (a thousand thumbnails with one fingerprint cost one search
    entry, not half a million comparisons per table). ``exact=None`` chooses: exhaustive for
    up to :data:`EXACT_LIMIT` distinct values, multi-index hashing above.
    """
    vals = as_u64(values)
    n = vals.size
    st = stats if stats is not None else SearchStats()
    st.n, st.threshold = n, threshold
    if n < 2:
        st.method = "none"
        return np.empty((0, 2), dtype=np.int64)
    uniq, inverse, counts = np.unique(vals, return_inverse=True, return_counts=True)
    st.distinct = int(uniq.size)
    use_exact = exact if exact is not None else uniq.size <= EXACT_LIMIT
    if use_exact or threshold <= 0:
        st.method = "exhaustive" if threshold > 0 else "equal values"
        upairs = brute_pairs(uniq, threshold) if threshold > 0 else np.empty((0, 2), np.int64)
        st.candidates = uniq.size * (uniq.size - 1) // 2 if threshold > 0 else 0
    else:
        upairs = lsh_pairs(uniq, threshold, recall=recall, seed=seed, workers=workers, stats=st)
    # expand distinct-value pairs (and equal-value groups) back to item indices
    members = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    out: list[Pairs] = []
    multi = np.flatnonzero(counts > 1)
    for u in multi:
        ids = members[starts[u]:starts[u + 1]]
        ii, jj = np.triu_indices(ids.size, 1)
        out.append(np.stack([ids[ii], ids[jj]], axis=1).astype(np.int64))
    if upairs.size:
        single = (counts[upairs[:, 0]] == 1) & (counts[upairs[:, 1]] == 1)
        s = upairs[single]
        if s.size:
            a, b = members[starts[s[:, 0]]], members[starts[s[:, 1]]]
            out.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.int64))
        for ua, ub in upairs[~single]:
            ia = members[starts[ua]:starts[ua + 1]]
            ib = members[starts[ub]:starts[ub + 1]]
            ga, gb = np.meshgrid(ia, ib, indexing="ij")
            a, b = ga.ravel(), gb.ravel()
            out.append(np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.int64))
    result = _unique_pairs(np.concatenate(out), n) if out else np.empty((0, 2), dtype=np.int64)
    st.pairs = int(result.shape[0])
    return result


# --- fingerprints too plain to say anything --------------------------------------------------


def bit_transitions(values: U64) -> npt.NDArray[np.int64]:
    """How often neighbouring bits differ, along rows and columns of the 8x8 grid."""
    vals = as_u64(values)
    bits = np.unpackbits(vals.astype(">u8").view(np.uint8).reshape(-1, 8), axis=1)
    grid = bits.reshape(-1, 8, 8).astype(np.int8)
    rows = np.abs(np.diff(grid, axis=2)).sum(axis=(1, 2))
    cols = np.abs(np.diff(grid, axis=1)).sum(axis=(1, 2))
    return (rows + cols).astype(np.int64)


def informative(values: U64, *, min_minority: int = 8, min_transitions: int = 12) -> npt.NDArray[np.bool_]:
    """False for fingerprints of near-flat images: too few bits of the rarer value.

    A black frame or a blank scan hashes to (almost) all zeros or all ones, or to one or two
    large blocks (a vignette, a horizon of a blank page); any two such images would look
    "close" without being related. Such values may not nominate a pair on their own and do
    not count when a pair is scored.
    """
    vals = as_u64(values)
    return not_constant(vals, min_minority=min_minority) & (bit_transitions(vals) >= min_transitions)


def not_constant(values: U64, *, min_minority: int = 8) -> npt.NDArray[np.bool_]:
    """False for (nearly) constant fingerprints: fewer than ``min_minority`` bits of the rarer
    value. Such a value never nominates a pair and never counts as agreeing, on any path."""
    vals = as_u64(values)
    ones = np.bitwise_count(vals).astype(np.int64)
    result: npt.NDArray[np.bool_] = np.minimum(ones, 64 - ones) >= min_minority
    return result


#: The 64-bit structural hashes used together to nominate candidate pairs.
HASHES = ("phash", "dhash", "ahash", "whash")
