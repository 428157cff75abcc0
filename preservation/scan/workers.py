"""Fingerprinting in worker processes, with a bounded number of chunks in flight.

The main process walks and writes (the single catalog writer); workers only read files. A
worker that dies (a decoder crash, memory exhaustion) takes its chunk with it: the chunk is
retried one file at a time in a fresh pool, and a file that kills a worker on its own is
recorded as a problem instead of stopping the scan.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

from preservation.fingerprint.model import Fingerprint, Problem
from preservation.scan import orphans
from preservation.vocabulary import ProblemCode


@dataclass(frozen=True, slots=True)
class Item:
    rel: bytes
    size: int
    mtime_ns: int


def fingerprint_chunk(root: bytes, items: Sequence[Item], algorithms: tuple[str, ...]) -> list[Fingerprint]:
    # Imported here: decoders (Pillow, NumPy, ImageHash) are only needed once there is work,
    # so an unchanged rescan starts fast. Pool workers preload it (see PRELOAD).
    from preservation.fingerprint import fingerprint_file

    out = []
    for it in items:
        try:
            fp = fingerprint_file(root, it.rel, algorithms=algorithms,
                                  expected_size=it.size, expected_mtime_ns=it.mtime_ns)
        except Exception as exc:
            fp = crashed(it, f"internal error while fingerprinting: {type(exc).__name__}: {exc}")
        out.append(fp)
    return out


def crashed(it: Item, message: str) -> Fingerprint:
    return Fingerprint(size=it.size, mtime_ns=it.mtime_ns, digests={},
                       problems=[Problem(ProblemCode.UNREADABLE, message)])


# What a worker imports before its first file. imagehash imports SciPy's FFT (for phash) and
# PyWavelets (for whash) on first use: preloading them in the fork server means no worker pays
# 0.3-0.4 s on its first file, and every worker forked from the server shares the pages.
# preservation.scan.orphans, preloaded, makes the fork server end with the main process.
PRELOAD = ["preservation.scan.orphans", "preservation.fingerprint", "preservation.fingerprint.image",
           "scipy.fftpack", "pywt"]


Chunk = tuple[object, list[Item]]  # (caller's token, items)
Done = tuple[object, list[Item], list[Fingerprint]]


class Fingerprinter:
    """Runs chunks inline (jobs=1) or on a process pool; yields finished chunks.

    The pool is started with the first chunk, so a rescan with nothing new starts no process.
    With jobs > 1 every chunk goes to the pool, none is done in-process while it starts: the
    pool is ready in about the time the main process would need to import the decoders, and a
    chunk done in-process would leave the workers idle while it runs (measured: a 50-file scan
    with -j2 was no faster than -j1 that way).
    """

    def __init__(self, root: bytes, algorithms: tuple[str, ...], jobs: int) -> None:
        self.root, self.algorithms, self.jobs = root, algorithms, max(1, jobs)
        self.window = self.jobs * 3
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[Future[list[Fingerprint]], Chunk] = {}

    def __enter__(self) -> Fingerprinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            # workers (and the fork server) end when this process ends, even by SIGKILL
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=ctx, initializer=orphans.worker_init,
                                             initargs=(orphans.announce_main(),))
        return self._pool

    def submit(self, token: object, items: list[Item]) -> Iterator[Done]:
        """Queue a chunk; yields chunks that finished while waiting for room."""
        if self.jobs == 1:
            yield token, items, fingerprint_chunk(self.root, items, self.algorithms)
            return
        while len(self._pending) >= self.window:
            yield from self._collect(FIRST_COMPLETED)
        try:
            fut = self._executor().submit(fingerprint_chunk, self.root, items, self.algorithms)
        except BrokenProcessPool:  # a worker died since the last chunk: redo this one in isolation
            yield from self._collect(FIRST_COMPLETED) if self._pending else ()
            self.close()
            yield token, items, [self._isolated(it) for it in items]
            return
        self._pending[fut] = (token, items)

    def drain(self) -> Iterator[Done]:
        while self._pending:
            yield from self._collect(FIRST_COMPLETED)

    def _collect(self, how: str) -> Iterator[Done]:
        done, _ = wait(list(self._pending), return_when=how)
        broken: list[Chunk] = []
        for fut in done:
            token, items = self._pending.pop(fut)
            try:
                yield token, items, fut.result()
            except BrokenProcessPool:
                broken.append((token, items))
        if broken:
            # Every chunk still pending died with the pool too; retry them all, one file each.
            broken += list(self._pending.values())
            self._pending.clear()
            self.close()
            for token, items in broken:
                yield token, items, [self._isolated(it) for it in items]

    def _isolated(self, it: Item) -> Fingerprint:
        try:
            return self._executor().submit(fingerprint_chunk, self.root, [it], self.algorithms).result()[0]
        except BrokenProcessPool:
            self.close()
            return crashed(it, "reading this file crashed the worker process "
                               "(a decoder failure or memory exhaustion); it was not fingerprinted")


