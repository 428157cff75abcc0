"""Measuring look-alike pairs: the one road from the cache to a stored measurement.

Every feature that compares the pictures of a pair (``preservation lookalikes``, the loss
audit, evidence packages) goes through :func:`measure_pairs`:

1. the catalog's cache of measurements (table ``lookalike_evidence``, keyed by the two SHA-256s
   and :data:`~.evidence.EVIDENCE_VERSION`) is consulted, under both orders of the pair when the
   caller allows it;
2. the pairs not found are measured on their files, in worker processes, trying other copies
   of a picture when one cannot be read;
3. each measurement is judged (verdict and sentence);
4. complete new measurements are stored in the cache.

A pair whose pictures could not be read is returned with ``complete=False`` and is never
cached: it is measured again next time.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from preservation.catalog import lookalikestore as store
from preservation.catalog.engine import Catalog

from .evidence import EVIDENCE_VERSION, Evidence, Meta, compare
from .pair import PairResult, compare_files, judge

K = TypeVar("K", bound=Hashable)

#: How many copies of each picture are tried when one cannot be read.
COPIES_TRIED = 3


@dataclass(slots=True)
class PairToMeasure(Generic[K]):
    """One pair to measure, ``a`` first. ``key`` is the caller's own and is returned as given."""

    key: K
    a: store.ContentInfo
    b: store.ContentInfo
    paths_a: Sequence[bytes]  # absolute paths of copies of a, the preferred first
    paths_b: Sequence[bytes]
    distances: dict[str, int] = field(default_factory=dict)  # perceptual-hash distances
    either_way: bool = True  # a measurement cached with b as "a" will do (see Measured.swapped)


@dataclass(slots=True)
class Measured(Generic[K]):
    """The measurement of one pair, judged."""

    key: K
    evidence: dict[str, Any]  # Evidence.to_json()
    result: PairResult
    cached: bool  # found in the catalog's cache, not measured now
    swapped: bool = False  # from the cache the other way round: the evidence's "a" is the pair's b
    complete: bool = True  # both pictures were read and compared

    @property
    def not_compared(self) -> bool:
        """Measured now, but a picture could not be read."""
        return not self.cached and not self.complete


@dataclass(slots=True)
class _Task:
    index: int
    paths_a: list[bytes]
    paths_b: list[bytes]
    meta_a: Meta
    meta_b: Meta
    distances: dict[str, int]


def content_meta(c: store.ContentInfo) -> Meta:
    """What the catalog knows of a content, as the measurement wants it."""
    return Meta(sha256=c.sha256, size=c.size, format=c.format, width=c.width, height=c.height,
                orientation=c.orientation, mode=c.mode, capture_time=c.capture_time,
                camera_make=c.camera_make, camera_model=c.camera_model, exif=dict(c.exif),
                first_seen=c.first_seen.isoformat() if c.first_seen else None)


def _measure(task: _Task) -> tuple[int, dict[str, Any], bool]:
    """Evidence for one pair (in a worker); when a copy cannot be read, another copy is tried."""
    last: PairResult | None = None
    for pa in task.paths_a[:COPIES_TRIED]:
        for pb in task.paths_b[:COPIES_TRIED]:
            res = compare_files(pa, pb, meta_a=task.meta_a, meta_b=task.meta_b,
                                distances=task.distances)
            if res.evidence.problem is None:
                return task.index, res.evidence.to_json(), True
            last = res
    ev = last.evidence if last is not None else compare(
        task.meta_a, task.meta_b, None, None, hash_distances=task.distances,
        problem="no copy of one of the pictures is present")
    return task.index, ev.to_json(), False


def _run(tasks: list[_Task], jobs: int,
         progress: Callable[[int, int], None] | None) -> list[tuple[int, dict[str, Any], bool]]:
    out = []
    if jobs <= 1 or len(tasks) <= 1:
        for i, t in enumerate(tasks):
            out.append(_measure(t))
            if progress:
                progress(i + 1, len(tasks))
        return out
    from preservation.scan import orphans

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["preservation.scan.orphans"])  # unless a scan started it already
    # workers (and the fork server) end when this process ends, even by SIGKILL
    with ProcessPoolExecutor(min(jobs, len(tasks)), mp_context=ctx, initializer=orphans.worker_init,
                             initargs=(orphans.announce_main(),)) as pool:
        for i, r in enumerate(pool.map(_measure, tasks, chunksize=1)):
            out.append(r)
            if progress:
                progress(i + 1, len(tasks))
    return out


def measure_pairs(catalog: Catalog, pairs: Sequence[PairToMeasure[K]], *, jobs: int | None = None,
                  use_cache: bool = True,
                  progress: Callable[[int, int], None] | None = None) -> list[Measured[K]]:
    """Judged measurements of ``pairs``, in their order: from the cache, or measured now.

    ``jobs``: worker processes (None: all cores; 1 or less: in this process). ``use_cache``:
    read and fill the catalog's cache. ``progress(done, total)`` counts pairs measured now.
    """
    cached: dict[tuple[str, str], dict[str, Any]] = {}
    if use_cache and pairs:
        with catalog.session() as s:
            cached = store.cached_evidence(s, [(p.a.sha256, p.b.sha256) for p in pairs],
                                           EVIDENCE_VERSION)
    out: list[Measured[K] | None] = []
    tasks: list[_Task] = []
    for i, p in enumerate(pairs):
        sa, sb = p.a.sha256, p.b.sha256
        if (sa, sb) in cached:
            out.append(_judged(p.key, cached[(sa, sb)], cached=True))
        elif p.either_way and (sb, sa) in cached:
            out.append(_judged(p.key, cached[(sb, sa)], cached=True, swapped=True))
        else:
            out.append(None)
            tasks.append(_Task(i, list(p.paths_a), list(p.paths_b), content_meta(p.a),
                               content_meta(p.b), dict(p.distances)))
    fresh: list[store.EvidenceRow] = []
    for i, ev_json, complete in _run(tasks, jobs if jobs is not None else (os.cpu_count() or 1),
                                     progress):
        p = pairs[i]
        m = _judged(p.key, ev_json, cached=False, complete=complete)
        out[i] = m
        if complete:
            fresh.append(store.EvidenceRow(p.a.sha256, p.b.sha256, EVIDENCE_VERSION,
                                           str(m.result.verdict), ev_json))
    if use_cache and fresh:
        catalog.transact(lambda s: store.store_evidence(s, fresh))
    return [m for m in out if m is not None]


def _judged(key: K, ev_json: dict[str, Any], **how: bool) -> Measured[K]:
    return Measured(key, ev_json, judge(Evidence.from_json(ev_json)), **how)


__all__ = ["COPIES_TRIED", "Measured", "PairToMeasure", "content_meta", "measure_pairs"]
