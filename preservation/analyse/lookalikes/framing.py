"""Candidates for every framing: mirror images, quarter turns, and pictures inside bars.

Whole-frame 64-bit hashes of a mirrored or rotated copy are far from the original's, and so
are those of a letterboxed or padded copy. Three things make such pairs candidates without
searching more than once per hash:

* **dihash** (see :mod:`preservation.fingerprint.perceptual`) is the same for a picture and
  each of its eight dihedral variants (identity, mirror, flip, half turn, quarter turns and
  the two diagonal reflections): one search of it nominates them all.
* The **dihedral variants of the stored hashes** are computed from their bits, without the
  picture: aHash and wHash are thresholded 8 x 8 grids of block averages, so a variant is the
  same permutation of the grid; pHash is a grid of DCT coefficients, where a mirror changes the
  sign of the odd columns (close to inverting those bits, the median being near zero) and a
  transpose transposes the grid; dHash compares horizontal neighbours, so only the mirror,
  the flip and the half turn can be read from it. A nominated pair is kept when at least
  ``agree`` (at least two) of these hashes agree under one and the same variant.
* **Trimmed views**: hashes of the picture inside uniform bars (``<algorithm>-trim``) are
  searched together with the whole pictures' hashes of the same algorithm, so the letterboxed
  copy's trimmed view meets the original's whole view.

A pair found only through a variant or a trimmed view is a *framing* candidate; what it really
is, the evidence decides (it aligns mirror images, rotations and crops itself).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from preservation.catalog import lookalikestore as store

from .search import HASHES

U64 = npt.NDArray[np.uint64]
Grid = npt.NDArray[np.bool_]
I64 = npt.NDArray[np.int64]

INVARIANT = "dihash"
TRIM_SUFFIX = "-trim"
#: Every stored algorithm the candidate search reads.
NOMINATING = (*HASHES, INVARIANT, *(f"{a}{TRIM_SUFFIX}" for a in (*HASHES, INVARIANT)))

#: The eight dihedral variants, named from the original's side (what was done to it).
VARIANTS = ("identity", "mirrored", "flipped upside down", "rotated 180", "transposed",
            "transversed", "rotated a quarter turn left", "rotated a quarter turn right")

_ODD_COLS = np.zeros((8, 8), bool)
_ODD_COLS[:, 1::2] = True
_ODD_ROWS = _ODD_COLS.T.copy()


def _grid_op(variant: int) -> Callable[[Grid], Grid]:
    """The variant as an operation on (n, 8, 8) grids of block statistics (aHash, wHash)."""
    ops: list[Callable[[Grid], Grid]] = [
        lambda g: g,
        lambda g: g[:, :, ::-1],
        lambda g: g[:, ::-1, :],
        lambda g: g[:, ::-1, ::-1],
        lambda g: g.transpose(0, 2, 1),
        lambda g: g[:, ::-1, ::-1].transpose(0, 2, 1),
        lambda g: np.rot90(g, 1, axes=(1, 2)),
        lambda g: np.rot90(g, -1, axes=(1, 2)),
    ]
    return ops[variant]


def _phash_op(variant: int) -> Callable[[Grid], Grid]:
    """The variant on grids of DCT-coefficient signs (pHash): sign flips and a transpose."""
    def h(g: Grid) -> Grid:
        return g ^ _ODD_COLS

    def v(g: Grid) -> Grid:
        return g ^ _ODD_ROWS

    def t(g: Grid) -> Grid:
        return g.transpose(0, 2, 1)

    steps: list[list[Callable[[Grid], Grid]]] = [
        [], [h], [v], [h, v], [t], [h, v, t], [t, v], [t, h]]

    def run(g: Grid) -> Grid:
        for step in steps[variant]:
            g = step(g)
        return g
    return run


def _dhash_op(variant: int) -> Callable[[Grid], Grid] | None:
    """dHash compares horizontal neighbours: a mirror reverses and inverts each row."""
    ops: dict[int, Callable[[Grid], Grid]] = {
        0: lambda g: g,
        1: lambda g: ~g[:, :, ::-1],
        2: lambda g: g[:, ::-1, :],
        3: lambda g: ~g[:, ::-1, ::-1],
    }
    return ops.get(variant)


def variant_op(algorithm: str, variant: int) -> Callable[[Grid], Grid] | None:
    """How a dihedral variant acts on the bits of ``algorithm``; None when it cannot be read."""
    if algorithm == "phash":
        return _phash_op(variant)
    if algorithm == "dhash":
        return _dhash_op(variant)
    if algorithm in ("ahash", "whash"):
        return _grid_op(variant)
    return None


def to_grids(values: U64) -> Grid:
    """64-bit values (ImageHash's hex order: first grid cell is the top bit) as (n, 8, 8)."""
    raw = np.ascontiguousarray(values, dtype=np.uint64).astype(">u8").view(np.uint8)
    return np.unpackbits(raw.reshape(-1, 8), axis=1).reshape(-1, 8, 8).astype(bool)


def from_grids(grids: Grid) -> U64:
    packed = np.packbits(np.ascontiguousarray(grids).reshape(-1, 64), axis=1)
    return packed.view(">u8").ravel().astype(np.uint64)


def transform(algorithm: str, variant: int, values: U64) -> U64 | None:
    """The stored values as they would be for the variant of each picture (None: unknown)."""
    op = variant_op(algorithm, variant)
    if op is None:
        return None
    if variant == 0:
        return values
    return from_grids(op(to_grids(values)))


# --- families: whole pictures and their trimmed views ----------------------------------------


@dataclass(slots=True)
class View:
    """Values of one family, with which of them may take part (informative, not near-flat)."""

    ids: I64
    values: U64
    use: npt.NDArray[np.bool_]
    order: npt.NDArray[np.intp]

    @classmethod
    def of(cls, fam: store.HashFamily, use: npt.NDArray[np.bool_]) -> View:
        return cls(fam.content_ids.astype(np.int64), fam.values, use,
                   np.argsort(fam.content_ids, kind="stable"))

    def lookup(self, c: I64) -> tuple[U64, npt.NDArray[np.bool_]]:
        """Each content's value here, and whether it has one that may take part."""
        if not self.ids.size:
            return np.zeros(c.size, np.uint64), np.zeros(c.size, bool)
        sorted_ids = self.ids[self.order]
        pos = np.clip(np.searchsorted(sorted_ids, c, side="right") - 1, 0, None)
        rows = self.order[pos]
        return self.values[rows], (sorted_ids[pos] == c) & self.use[rows]


@dataclass(slots=True)
class Slot:
    """One algorithm made one way: the whole pictures' view and, if any, the trimmed view."""

    algorithm: str
    whole: View
    trimmed: View | None = None

    def views(self) -> list[View]:
        return [self.whole] + ([self.trimmed] if self.trimmed is not None else [])


def slots(families: Sequence[store.HashFamily],
          usable: Callable[[store.HashFamily], npt.NDArray[np.bool_]]) -> list[Slot]:
    """Pair each whole-picture family with its trimmed view (same library, same params + view)."""
    out: list[Slot] = []
    whole = [f for f in families if f.algorithm in (*HASHES, INVARIANT)]
    trims = [f for f in families if f.algorithm.endswith(TRIM_SUFFIX)]
    for f in whole:
        slot = Slot(f.algorithm, View.of(f, usable(f)))
        for g in trims:
            if (g.algorithm == f.algorithm + TRIM_SUFFIX and g.library == f.library
                    and g.params_key.startswith(f.params_key[:-1] + ", \"view\": ")):
                slot.trimmed = View.of(g, usable(g))
                break
        out.append(slot)
    return out


def search_entries(slot: Slot) -> tuple[I64, U64]:
    """Content ids and values of every usable entry of a slot (whole and trimmed views)."""
    ids = [v.ids[v.use] for v in slot.views()]
    vals = [v.values[v.use] for v in slot.views()]
    return np.concatenate(ids), np.concatenate(vals)


# --- verification of nominated pairs ----------------------------------------------------------


@dataclass(slots=True)
class Framing:
    """Which pairs agree under a framing, and under which (variant, trimmed a, trimmed b)."""

    keep: npt.NDArray[np.bool_]
    variant: npt.NDArray[np.int64]  # index into VARIANTS, -1 where none
    trimmed_a: npt.NDArray[np.bool_]
    trimmed_b: npt.NDArray[np.bool_]


#: aHash and wHash both threshold 8 x 8 block averages: they agree or disagree together (two
#: pictures dominated by the same bars or sky agree on both), so together they are one vote.
VOTE = {"ahash": "blocks", "whash": "blocks"}


def votes(close: dict[str, npt.NDArray[np.bool_]], present: dict[str, npt.NDArray[np.bool_]],
          k: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Independent votes that a pair is close, and how many could vote, per pair."""
    c: dict[str, npt.NDArray[np.bool_]] = {}
    p: dict[str, npt.NDArray[np.bool_]] = {}
    for alg in close:
        v = VOTE.get(alg, alg)
        c[v] = c[v] | close[alg] if v in c else close[alg]
        p[v] = p[v] | present[alg] if v in p else present[alg]
    n_close = np.zeros(k, np.int64)
    n_present = np.zeros(k, np.int64)
    for v in c:
        n_close += c[v]
        n_present += p[v]
    return n_close, n_present


def framed_agreement(structural: Sequence[Slot], ca: I64, cb: I64, threshold: int,
                     agree: int) -> Framing:
    """Pairs whose hashes agree (``max(agree, 2)`` votes within ``threshold``) under one
    dihedral variant and one choice of views, other than the plain whole-picture comparison.
    Every variant of a is compared with b (a quarter turn one way of a is b exactly when a is
    the other quarter turn of b, so one direction suffices).
    """
    k = ca.size
    need = max(agree, 2)
    voter = {alg: VOTE.get(alg, alg) for alg in (s.algorithm for s in structural)}
    best_close = np.zeros(k, np.int64)
    best_variant = np.full(k, -1, np.int64)
    best_ta = np.zeros(k, bool)
    best_tb = np.zeros(k, bool)
    if k == 0:
        return Framing(np.zeros(0, bool), best_variant, best_ta, best_tb)
    for ta in (False, True):
        for tb in (False, True):
            looked = []
            for s in structural:
                va = s.trimmed if ta else s.whole
                vb = s.trimmed if tb else s.whole
                if va is None or vb is None:
                    continue
                xa, oka = va.lookup(ca)
                xb, okb = vb.lookup(cb)
                looked.append((s.algorithm, xa, xb, oka & okb))
            if not looked:
                continue
            for variant in range(len(VARIANTS)):
                if variant == 0 and not (ta or tb):
                    continue  # the plain comparison: the caller's rule
                votes: dict[str, npt.NDArray[np.bool_]] = {}
                for alg, xa, xb, ok in looked:
                    ya = transform(alg, variant, xa)
                    if ya is None:
                        continue
                    hit = ok & (np.bitwise_count(ya ^ xb) <= threshold)
                    v = voter[alg]
                    votes[v] = votes[v] | hit if v in votes else hit
                close = np.zeros(k, np.int64)
                for hit in votes.values():
                    close += hit
                better = (close >= need) & (close > best_close)
                best_close = np.where(better, close, best_close)
                best_variant = np.where(better, variant, best_variant)
                best_ta = np.where(better, ta, best_ta)
                best_tb = np.where(better, tb, best_tb)
    return Framing(best_close >= need, best_variant, best_ta, best_tb)


def describe(variant: int, trimmed_a: bool, trimmed_b: bool) -> str:
    """A short name for how a framing candidate was found (for stats and --verbose)."""
    parts = []
    if variant > 0:
        parts.append(VARIANTS[variant])
    if trimmed_a or trimmed_b:
        parts.append("inside bars")
    return ", ".join(parts) or "whole picture"
