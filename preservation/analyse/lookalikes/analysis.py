"""Look-alike analysis of a catalog: candidates, evidence (cached), verdicts, groups.

Steps:

1. **Candidates** from the stored perceptual hashes of present files. Only hashes made the same
   way (algorithm, parameters, library) are compared. A pair is nominated when any of pHash,
   dHash, aHash or wHash is within the threshold, and kept when the hashes agree: at least two
   independent votes within the threshold (or the only one that can be compared), where aHash
   and wHash (both thresholded block averages) together are one vote. Mirror images, quarter
   turns and pictures inside uniform bars are nominated and kept the same way under that
   framing (:mod:`.framing`). Fingerprints of
   near-flat pictures (black frames, blank scans: almost all bits equal, or one or two big
   blocks) are degenerate: they never nominate a pair and do not count; a picture with two
   or more degenerate fingerprints takes no part at all.
2. **Exact copies**: the same SHA-256 in several places, from the files table.
3. **Evidence** for each kept pair, computed once and cached in the catalog (by SHA-256s and
   evidence version); **verdict** and **sentence** derived from it.
4. **Groups** of connected pairs, with the likely original and why.

Read-only on the files: they are opened for reading only (through the fingerprint package's
reader) and nothing is ever proposed for deletion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from preservation.catalog import lookalikestore as store
from preservation.catalog.engine import Catalog
from preservation.fingerprint.formats import DECODED_KINDS, FORMATS
from preservation.provenance.decisions import DecisionRecord, current, iter_decisions
from preservation.vocabulary import Verdict

from . import framing
from .decided import apply_decisions, decision_json
from .evidence import EVIDENCE_VERSION, Evidence, Meta
from .groups import Rank, UnionFind, order_by_rank, rank_contents
from .measure import PairToMeasure, measure_pairs
from .pair import PairResult
from .search import HASHES, SearchStats, informative, not_constant, pairs_within

if TYPE_CHECKING:
    from .platform import MatcherResult

#: Default Hamming distance (of 64 bits) for candidates. See docs/concepts/perceptual-hashing.md for the choice.
DEFAULT_THRESHOLD = 12
#: How many of the hashes must agree (be within the threshold) to keep a nominated pair.
AGREEING_HASHES = 2

SAME_PICTURE = frozenset({Verdict.IDENTICAL, Verdict.SAME_PIXELS, Verdict.DERIVATIVE, Verdict.EDITED})


# --- results ------------------------------------------------------------------------------------


@dataclass(slots=True)
class Member:
    path: str  # absolute, printable
    location: str
    sha256: str
    relative_path: str
    width: int | None = None
    height: int | None = None
    format: str | None = None
    capture_time: str | None = None
    bytes: int | None = None
    likely_original: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "location": self.location, "sha256": self.sha256,
                "relative_path": self.relative_path, "width": self.width, "height": self.height,
                "format": self.format, "capture_time": self.capture_time, "bytes": self.bytes,
                "likely_original": self.likely_original}


@dataclass(slots=True)
class Pair:
    a: Member
    b: Member
    verdict: Verdict
    explanation: str
    reasons: list[str]
    evidence: dict[str, Any]
    cached: bool = False
    decision: DecisionRecord | None = None  # what a person decided, where it stands (.decided)
    platform: list[MatcherResult] | None = None  # which matchers would merge it (.platform)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "a": self.a.path, "b": self.b.path, "a_location": self.a.location,
            "b_location": self.b.location, "verdict": str(self.verdict),
            "explanation": self.explanation, "reasons": list(self.reasons),
            "evidence": self.evidence, "decision": decision_json(self.decision)}
        if self.platform is not None:
            out["platform_view"] = [r.to_json() for r in self.platform]
        return out


@dataclass(slots=True)
class Group:
    id: int
    key: str
    original: Member
    original_reasons: list[str]
    originals: list[Member]  # the likely original of each distinct picture in the group
    members: list[Member]
    pairs: list[Pair]
    authoritative: Member | None = None  # the copy a person chose (.decided), over the guess
    authoritative_decision: DecisionRecord | None = None

    @property
    def kind(self) -> str:
        return "copies" if all(p.verdict == Verdict.IDENTICAL for p in self.pairs) else "lookalikes"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "key": self.key, "kind": self.kind,
                "original": self.original.path, "original_location": self.original.location,
                "original_reasons": list(self.original_reasons),
                "originals": [m.path for m in self.originals],
                "members": [m.to_json() for m in self.members],
                "pairs": [p.to_json() for p in self.pairs],
                "authoritative": None if self.authoritative is None else {
                    "path": self.authoritative.path, "location": self.authoritative.location,
                    "sha256": self.authoritative.sha256,
                    "reviewed": self.authoritative_decision.reviewed if self.authoritative_decision else None},
                "undecided_pairs": sum(1 for p in self.pairs if p.decision is None)}


@dataclass(slots=True)
class NotCompared:
    """A picture the search could not compare with any other, and why (never dropped silently)."""

    path: str
    location: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "location": self.location, "reason": self.reason}


@dataclass(slots=True)
class LookalikeResult:
    threshold: int
    location: str | None
    groups: list[Group] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    hash_families: list[dict[str, Any]] = field(default_factory=list)
    not_compared: list[NotCompared] = field(default_factory=list)

    @property
    def problems(self) -> int:
        """Pairs whose pictures could not be read and compared."""
        return self.stats.get("pairs_not_compared", 0)

    def to_json(self) -> dict[str, Any]:
        counts = {str(v): 0 for v in Verdict}
        for g in self.groups:
            for p in g.pairs:
                counts[str(p.verdict)] += 1
        return {"threshold": self.threshold, "location": self.location,
                "evidence_version": EVIDENCE_VERSION, "hash_families": self.hash_families,
                "stats": dict(self.stats), "verdicts": counts,
                "not_compared": [n.to_json() for n in self.not_compared],
                "groups": [g.to_json() for g in self.groups]}


# --- candidates -----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Family:
    fam: store.HashFamily
    ok: np.ndarray  # informative values


def _unique_pairs(found_a: list[npt.NDArray[np.int64]], found_b: list[npt.NDArray[np.int64]]
                  ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The distinct (a, b) pairs, sorted by a then b."""
    if not found_a:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = np.concatenate(found_a), np.concatenate(found_b)
    if a.size == 0:
        return a, b
    pairs = np.unique(np.stack([a, b], axis=1), axis=0)
    return pairs[:, 0].copy(), pairs[:, 1].copy()


def _rows(ids: npt.NDArray[np.int64], order: npt.NDArray[np.intp], c: npt.NDArray[np.int64]
          ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.bool_]]:
    """Where each content id of ``c`` sits in a family (its last row), and whether it is there."""
    sorted_ids = ids[order]
    pos = np.clip(np.searchsorted(sorted_ids, c, side="right") - 1, 0, None)
    return order[pos], sorted_ids[pos] == c


def _pair_distances(fams: Sequence[_Family], ca: npt.NDArray[np.int64], cb: npt.NDArray[np.int64]
                    ) -> dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]]:
    """Per algorithm: the Hamming distance of each pair (the smallest over that algorithm's
    families) and whether any family has an informative value for both contents."""
    out: dict[str, tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]] = {}
    for fm in fams:
        ids = fm.fam.content_ids
        if not ids.size:
            continue
        order = np.argsort(ids, kind="stable")
        ia, fa = _rows(ids, order, ca)
        ib, fb = _rows(ids, order, cb)
        ok = fa & fb & fm.ok[ia] & fm.ok[ib]
        d = np.where(ok, np.bitwise_count(fm.fam.values[ia] ^ fm.fam.values[ib]).astype(np.int64), 64)
        alg = fm.fam.algorithm
        if alg in out:
            pd, pok = out[alg]
            out[alg] = (np.minimum(pd, d), pok | ok)
        else:
            out[alg] = (d, ok)
    return out


def candidate_pairs(families: Sequence[store.HashFamily], threshold: int, *,
                    agree: int = AGREEING_HASHES, exact: bool | None = None,
                    stats: dict[str, int] | None = None,
                    uncompared: dict[int, str] | None = None) -> dict[tuple[int, int], dict[str, int]]:
    """Content-id pairs (low, high) kept as candidates, with their per-algorithm distances.

    Near-flat pictures (plain backgrounds: two or more degenerate whole-frame hashes) are not
    dropped: they are compared among themselves on a stricter path (:func:`near_flat_pairs`).
    Only blank pictures (every hash constant: a black frame, an empty page) are not compared;
    they are added to ``uncompared`` (content id -> reason) so that the output can name them.

    ``families`` may hold any of :data:`.framing.NOMINATING`: besides the whole-frame hashes,
    the dihedral-invariant hash and trimmed views nominate mirrored, rotated and letterboxed
    copies, kept when enough hashes agree under one framing (see :mod:`.framing`).
    """
    fams = []
    degenerate: dict[int, int] = {}
    for f in families:
        if f.algorithm not in HASHES:
            continue
        ok = informative(f.values) if f.values.size else np.zeros(0, bool)
        for cid in f.content_ids[~ok]:
            degenerate[int(cid)] = degenerate.get(int(cid), 0) + 1
        fams.append(_Family(f, ok))
    flat = {cid for cid, n in degenerate.items() if n >= 2}
    flat_ids = np.fromiter(flat, dtype=np.int64, count=len(flat))
    blank = _blank(fams, flat)

    def usable(f: store.HashFamily) -> npt.NDArray[np.bool_]:
        use = np.ones(f.values.size, bool) if f.algorithm.startswith(framing.INVARIANT) \
            else informative(f.values) if f.values.size else np.zeros(0, bool)
        if flat_ids.size:
            use &= ~np.isin(f.content_ids, flat_ids)
        return use

    slots = framing.slots(families, usable)
    found_a: list[npt.NDArray[np.int64]] = []
    found_b: list[npt.NDArray[np.int64]] = []
    for slot in slots:
        ids, vals = framing.search_entries(slot)
        if ids.size < 2:
            continue
        st = SearchStats()
        found = pairs_within(vals, threshold, exact=exact, stats=st)
        a = ids[found[:, 0]]
        b = ids[found[:, 1]]
        found_a.append(np.minimum(a, b))
        found_b.append(np.maximum(a, b))
    ca, cb = _unique_pairs(found_a, found_b)
    distinct = ca != cb
    ca, cb = ca[distinct], cb[distinct]
    # Every nominated pair is judged at once, in arrays: at millions of pictures, chance
    # near-misses nominate millions of pairs, and a Python loop over them took most of the time.
    dists = _pair_distances(fams, ca, cb)
    close, present = framing.votes({alg: ok & (d <= threshold) for alg, (d, ok) in dists.items()},
                                   {alg: ok for alg, (d, ok) in dists.items()}, ca.size)
    plain = (close >= np.minimum(agree, present)) & (close >= 1)
    framed = framing.framed_agreement([sl for sl in slots if sl.algorithm in HASHES], ca, cb,
                                      threshold, agree)
    keep = plain | framed.keep
    kept: dict[tuple[int, int], dict[str, int]] = {}
    for i in np.flatnonzero(keep).tolist():
        kept[(int(ca[i]), int(cb[i]))] = {alg: int(d[i]) for alg, (d, ok) in dists.items() if ok[i]}
    plain_pool = sorted(flat - blank)
    strict = near_flat_pairs(families, plain_pool, threshold)
    kept.update(strict)
    kept = dict(sorted(kept.items()))
    if uncompared is not None:
        for cid in sorted(blank):
            uncompared[cid] = BLANK
    if stats is not None:
        stats["near_flat_compared_strictly"] = len(plain_pool)
        stats["near_flat_pairs_kept"] = len(strict)
        stats["blank_not_compared"] = len(blank)
        stats["pairs_nominated"] = int(ca.size)
        stats["pairs_kept"] = len(kept)
        only = framed.keep & ~plain
        stats["pairs_kept_by_framing"] = int(np.count_nonzero(only))
        stats["framing_turned_or_mirrored"] = int(np.count_nonzero(only & (framed.variant > 0)))
        stats["framing_inside_bars"] = int(np.count_nonzero(
            only & (framed.trimmed_a | framed.trimmed_b)))
    return kept


#: Why a blank picture is not compared (shown beside its name).
BLANK = "blank (a single colour): its fingerprints say nothing, so it is compared with nothing"
NO_FINGERPRINTS = "no look-alike fingerprints (it could not be decoded when scanned; see its problems)"
PICTURE_FORMATS = tuple(sorted(n for n, f in FORMATS.items() if f.kind in DECODED_KINDS))


def _blank(fams: Sequence[_Family], flat: set[int]) -> set[int]:
    """Near-flat contents none of whose whole-frame hashes has any structure (all constant)."""
    structured: set[int] = set()
    for fm in fams:
        ids = fm.fam.content_ids
        if ids.size:
            structured.update(int(c) for c in ids[not_constant(fm.fam.values)])
    return {c for c in flat if c not in structured}


def near_flat_pairs(families: Sequence[store.HashFamily], pool: Sequence[int], threshold: int
                    ) -> dict[tuple[int, int], dict[str, int]]:
    """The stricter path for near-flat pictures: pairs within the pool whose every comparable,
    non-constant hash (the four whole-frame hashes and dihash) is within half the threshold,
    with at least three of them, pHash and dihash (both median-thresholded) among them.

    Plain backgrounds make block-average hashes alike for unrelated pictures; what is left of
    the picture (the subject on the backdrop, the gradient) must then agree everywhere.
    """
    if len(pool) < 2:
        return {}
    ids = np.asarray(pool, dtype=np.int64)
    strict = threshold // 2
    usable = [f for f in families if f.algorithm in (*HASHES, framing.INVARIANT) and f.values.size]
    views = [(f.algorithm, framing.View.of(f, not_constant(f.values))) for f in usable]
    phash = [v for alg, v in views if alg == "phash"]
    if not phash:
        return {}
    x, ok = phash[0].lookup(ids)
    idx = np.flatnonzero(ok)
    found = pairs_within(x[idx], strict)  # every kept pair has pHash within ``strict``
    ca, cb = ids[idx[found[:, 0]]], ids[idx[found[:, 1]]]
    close = np.zeros(ca.size, np.int64)
    far = np.zeros(ca.size, bool)
    invariant = np.zeros(ca.size, bool)
    dist: dict[str, npt.NDArray[np.int64]] = {}
    for alg, v in views:
        xa, oka = v.lookup(ca)
        xb, okb = v.lookup(cb)
        both = oka & okb
        d = np.where(both, np.bitwise_count(xa ^ xb).astype(np.int64), 64)
        close += both & (d <= strict)
        far |= both & (d > strict)
        if alg == framing.INVARIANT:
            invariant |= both & (d <= strict)
        if alg in HASHES:
            dist[alg] = np.minimum(dist[alg], d) if alg in dist else d
    keep = ~far & (close >= 3) & invariant
    out: dict[tuple[int, int], dict[str, int]] = {}
    for i in np.flatnonzero(keep).tolist():
        a, b = int(min(ca[i], cb[i])), int(max(ca[i], cb[i]))
        out[(a, b)] = {alg: int(d[i]) for alg, d in dist.items() if d[i] < 64}
    return out


# --- the analysis --------------------------------------------------------------------------------


def _member(cp: store.CopyInfo, c: store.ContentInfo) -> Member:
    size = Meta(width=c.width, height=c.height, orientation=c.orientation).display_size
    return Member(cp.absolute, cp.location, c.sha256, cp.path, size[0] if size else None,
                  size[1] if size else None, c.format, c.capture_time, c.size)


def _preferred(cps: list[store.CopyInfo]) -> list[store.CopyInfo]:
    """Copies in the order they are read and shown: trusted locations that are not sync
    folders, then first seen (within one session of scans, that is only scan order)."""
    return sorted(cps, key=lambda c: (not c.trusted, c.sync, c.first_seen is None,
                                      c.first_seen or 0, c.location, c.path))


def find_lookalikes(catalog: Catalog, location: str | None = None,
                    threshold: int = DEFAULT_THRESHOLD, *, jobs: int | None = None,
                    use_cache: bool = True, include_copies: bool = True, exact: bool | None = None,
                    progress: Callable[[int, int], None] | None = None) -> LookalikeResult:
    """Every look-alike pair and exact copy among present files, grouped, with verdicts.

    ``location``: only files of that location (None: all). ``jobs``: worker processes for the
    evidence (default: all cores). ``use_cache``: re-use and store evidence in the catalog.
    ``include_copies``: also report groups that are only exact copies.
    """
    if not 0 <= threshold <= 32:
        from preservation.errors import UsageError

        raise UsageError(f"--threshold must be between 0 and 32 bits (of 64), not {threshold}.")
    result = LookalikeResult(threshold, location)
    stats = result.stats
    with catalog.session() as s:
        locs = store.location_ids(s, location)
        families = store.hash_families(s, locs, framing.NOMINATING)
        result.hash_families = [{"algorithm": f.algorithm, "params": f.params_key,
                                 "library": f.library, "contents": int(f.content_ids.size)}
                                for f in families]
        stats["contents_with_hashes"] = len({int(c) for f in families if f.algorithm in HASHES
                                             for c in f.content_ids})
        uncompared: dict[int, str] = {}
        kept = candidate_pairs(families, threshold, exact=exact, stats=stats, uncompared=uncompared)
        for cid in store.without_fingerprints(s, locs, PICTURE_FORMATS):
            uncompared.setdefault(cid, NO_FINGERPRINTS)
        nc_where = store.copies(s, sorted(uncompared), locs)
        result.not_compared = [NotCompared(cp.absolute, cp.location, uncompared[cid])
                               for cid in sorted(uncompared) for cp in _preferred(nc_where.get(cid, []))]
        stats["not_compared"] = len(result.not_compared)
        framed = {int(c) for f in families if f.algorithm == framing.INVARIANT for c in f.content_ids}
        stats["without_framing_hashes"] = stats["contents_with_hashes"] - len(framed)
        copied = store.multi_copy_contents(s, locs) if include_copies else []
        involved = sorted({c for p in kept for c in p} | set(copied))
        infos = store.contents(s, involved)
        where = store.copies(s, involved, locs)

    # groups of contents
    uf = UnionFind()
    for ca, cb in kept:
        uf.union(ca, cb)
    comps = uf.components(sorted({c for p in kept for c in p} | set(copied)))
    comps.sort(key=lambda comp: min(infos[c].sha256 for c in comp))
    ranks: dict[int, Rank] = {}
    first_seen = {cid: min((cp.first_seen for cp in where.get(cid, []) if cp.first_seen),
                           default=infos[cid].first_seen) for cid in involved}
    for comp in comps:
        ranks.update(rank_contents([infos[c] for c in comp], first_seen))

    # evidence: cached or computed, the better-ranked content as "a"
    oriented: dict[tuple[int, int], dict[str, int]] = {}
    for pair, dist in kept.items():
        a, b = order_by_rank(pair, ranks)
        oriented[(a, b)] = dist
    todo: list[PairToMeasure[tuple[int, int]]] = []
    for key, dist in sorted(oriented.items()):
        todo.append(PairToMeasure(key, infos[key[0]], infos[key[1]],
                                  [cp.absolute_bytes for cp in _preferred(where.get(key[0], []))],
                                  [cp.absolute_bytes for cp in _preferred(where.get(key[1], []))],
                                  dist))
    measured = measure_pairs(catalog, todo, jobs=jobs, use_cache=use_cache, progress=progress)
    evidence: dict[tuple[int, int], tuple[PairResult, bool]] = {}
    for m in measured:
        ka, kb = m.key
        evidence[(kb, ka) if m.swapped else (ka, kb)] = (m.result, m.cached)
    stats["evidence_from_cache"] = sum(m.cached for m in measured)
    stats["evidence_computed"] = sum(not m.cached for m in measured)
    stats["pairs_not_compared"] = sum(m.not_compared for m in measured)

    # assemble groups
    by_content: dict[int, list[tuple[tuple[int, int], PairResult, bool]]] = {}
    for key, (res, was_cached) in evidence.items():
        by_content.setdefault(key[0], []).append((key, res, was_cached))
    for number, comp in enumerate(comps, start=1):
        result.groups.append(_group(number, comp, infos, where, ranks, by_content))
    with catalog.session() as s:  # what people decided (appraisal events), over the guesses
        apply_decisions(result, current(iter_decisions(s)))
    stats["groups"] = len(result.groups)
    stats["lookalike_groups"] = sum(1 for g in result.groups if g.kind == "lookalikes")
    stats["copy_groups"] = stats["groups"] - stats["lookalike_groups"]
    return result


def _group(number: int, comp: list[int], infos: dict[int, store.ContentInfo],
           where: dict[int, list[store.CopyInfo]], ranks: dict[int, Rank],
           by_content: dict[int, list[tuple[tuple[int, int], PairResult, bool]]]) -> Group:
    ordered = order_by_rank(comp, ranks)
    reps: dict[int, Member] = {}
    members: list[Member] = []
    pairs: list[Pair] = []
    for cid in ordered:
        cps = _preferred(where.get(cid, []))
        ms = [_member(cp, infos[cid]) for cp in cps]
        if not ms:
            continue
        reps[cid] = ms[0]
        members.extend(ms)
        for other in ms[1:]:
            same_place = other.location == ms[0].location
            where_txt = (f"twice in {ms[0].location}" if same_place
                         else f"in {ms[0].location} and {other.location}")
            ev = Evidence(bytes_equal=True, pixels_equal=True)
            ev.a.width = ev.b.width = ms[0].width
            ev.a.height = ev.b.height = ms[0].height
            pairs.append(Pair(ms[0], other, Verdict.IDENTICAL,
                              f"Exact copy: the same bytes, {where_txt}.", ["bytes-equal"],
                              ev.to_json()))
    same = UnionFind()
    for cid in comp:
        same.find(cid)
    for cid in ordered:
        for (ka, kb), res, was_cached in sorted(by_content.get(cid, []), key=lambda t: t[0]):
            if ka not in reps or kb not in reps:
                continue
            pairs.append(Pair(reps[ka], reps[kb], res.verdict, res.explanation, res.reasons,
                              res.evidence.to_json(), was_cached))
            if res.verdict in SAME_PICTURE:
                same.union(ka, kb)
    pictures = same.components(ordered)
    best_of = {order_by_rank(p, ranks)[0] for p in pictures}
    originals = [reps[c] for c in ordered if c in best_of and c in reps]
    best = ordered[0]
    original = reps[best]
    for m in originals:
        m.likely_original = True
    key = min(infos[c].sha256 for c in comp)[:12]
    reasons = list(ranks[best].reasons) if len(comp) > 1 else ["the same bytes everywhere: any copy"]
    if len(comp) > 1 and not reasons:
        reasons = ["no sign favours another copy"]
    if len(where.get(best, [])) > 1:
        first = _preferred(where[best])[0]
        why = "first listed"
        if first.trusted:
            why = "a trusted location" + ("" if first.sync else ", not a sync folder")
        reasons.append(f"this copy: {why}, {first.location}")
    return Group(number, key, original, reasons, originals, members, pairs)
