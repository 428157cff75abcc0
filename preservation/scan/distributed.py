"""Fingerprinting on a Dask cluster: workers on the machines that hold the data, one writer here.

``preservation scan LOCATION --executor dask --scheduler tcp://scheduler:8786`` sends chunks of
files to the workers of a running Dask scheduler; ``--scheduler local:N`` starts a cluster of N worker processes
on this machine for the duration of the scan. The process that runs the scan still walks the
location, decides what changed and is the only catalog writer: workers only read files and
send fingerprints back, which are committed in batches, each one transaction with its events.

Paths: a worker opens ``root/rel`` with the location's root *as recorded in the catalog*, so
every worker must see the data at the same path as the machine that runs the scan (mount the
share at the same place everywhere). A worker that cannot see the root records each file it was
given as ``unreadable``, saying so; it never reports success for a file it did not read.

Lost workers: the scheduler gives a task whose worker died to another worker (up to
``distributed.scheduler.allowed-failures`` times), so results already committed stay and the
files of the lost chunk are read again. A chunk that killed every worker it was given ends as
:class:`distributed.KilledWorker`: its files are then tried one per task, and a file that kills
workers on its own is recorded as a problem, like a decoder crash in the local pool
(:mod:`preservation.scan.workers`). A result lost in transit is fetched again from a new
computation (at most ``RESUBMITS`` times). When the scheduler is gone, or no worker has been
connected for ``NO_WORKER_GRACE`` seconds, the scan stops with :class:`ClusterError`; what was
committed stays and the next scan finishes the rest.

Dask is imported only here, and only when a scan asks for it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from collections.abc import Collection, Iterator
from concurrent.futures import CancelledError
from typing import TYPE_CHECKING, Any

from preservation import __version__, paths
from preservation.errors import ClusterError, UsageError
from preservation.fingerprint.model import Fingerprint
from preservation.scan.workers import Done, Item, crashed, fingerprint_chunk

if TYPE_CHECKING:
    from distributed import Client, Future, LocalCluster

WINDOW_PER_THREAD = 3  # chunks in flight per worker thread: workers never wait for the next one
RESUBMITS = 3  # a chunk whose result was lost in transit is computed again at most this often
NO_WORKER_GRACE = 120.0  # seconds with no worker at all before the scan gives up
CHECK_EVERY = 5.0  # seconds between looks at the cluster while waiting for results

KILLED = ("fingerprinting this file killed every Dask worker process that tried it (a decoder "
          "failure or memory exhaustion); it was not fingerprinted")


def parse_address(spec: str) -> str | int:
    """``local`` or ``local:N`` → N local worker processes; anything else is a scheduler address."""
    spec = spec.strip()
    if spec == "local" or spec.startswith("local:"):
        n = spec[6:] or str(os.cpu_count() or 1)
        if not n.isdigit() or int(n) < 1:
            raise ValueError(f"local:N needs a number of worker processes, got {spec!r}")
        return int(n)
    if not spec:
        raise ValueError("an empty Dask scheduler address; give tcp://HOST:PORT or local:N")
    return spec


def check_address(spec: str) -> None:
    """Refuse, before anything runs, an address that cannot work or a missing Dask install."""
    import importlib.util

    try:
        parse_address(spec)
    except ValueError as exc:
        raise UsageError(f"--scheduler: {exc}") from None
    if importlib.util.find_spec("distributed") is None:
        raise UsageError("--executor dask needs Dask distributed, which is not installed.",
                         hint="Install it: pip install 'preservation[distributed]'")


def fingerprint_on_worker(root: bytes, items: list[Item], algorithms: tuple[str, ...]) -> list[Fingerprint]:
    """What a worker runs: the local pool's chunk function, after checking it sees the data."""
    if not os.path.isdir(root):
        message = (f"the Dask worker on {socket.gethostname()} cannot see this location's root "
                   f"{paths.printable(root)}: every worker must have the data mounted at the same "
                   "path as the machine that runs the scan; not fingerprinted (scan again once "
                   "it is mounted)")
        return [crashed(it, message) for it in items]
    return fingerprint_chunk(root, items, algorithms)


def worker_version() -> str:
    """Run on each worker before the first chunk: the preservation version it has installed."""
    return __version__


class DaskFingerprinter:
    """The interface of :class:`preservation.scan.workers.Fingerprinter`, on a Dask cluster.

    The cluster is reached (or the local one started) with the first chunk, so a rescan with
    nothing new connects to nothing.
    """

    def __init__(self, root: bytes, algorithms: tuple[str, ...], address: str, *,
                 no_worker_grace: float = NO_WORKER_GRACE) -> None:
        self.root, self.algorithms, self.address = root, algorithms, address
        self.target = parse_address(address)
        self.no_worker_grace = no_worker_grace
        self.client: Client | None = None
        self.cluster: LocalCluster | None = None
        self._pending: dict[Future, tuple[object, list[Item], int]] = {}  # → (token, items, tries)
        self._window, self._window_at = 2, -CHECK_EVERY

    def __enter__(self) -> DaskFingerprinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        client, cluster, pending = self.client, self.cluster, list(self._pending)
        self.client = self.cluster = None
        self._pending.clear()
        # Closing after a failure must not hide it: a scheduler that is gone cannot be told.
        with contextlib.suppress(Exception):
            if client is not None and pending:
                client.cancel(pending)
        with contextlib.suppress(Exception):
            if client is not None:
                client.close()
        with contextlib.suppress(Exception):
            if cluster is not None:
                cluster.close()

    # --- the cluster ---------------------------------------------------------------------

    def _connect(self) -> Client:
        if self.client is not None:
            return self.client
        from distributed import Client, LocalCluster

        where = self.address
        try:
            if isinstance(self.target, int):
                # On loopback, no dashboard, its HTTP endpoint on any free port (not 8787).
                self.cluster = LocalCluster(n_workers=self.target, threads_per_worker=1,
                                            processes=True, host="127.0.0.1", dashboard_address=None,
                                            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                                            silence_logs=logging.ERROR)
                where = self.cluster.scheduler_address
            self.client = Client(where, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise ClusterError(f"Cannot reach the Dask scheduler at {where}: {exc}",
                               hint="Is the scheduler running (dask scheduler) and the address right? "
                                    "Nothing was fingerprinted on the cluster.") from exc
        versions = self.client.run(worker_version, on_error="return")
        wrong = {w: v for w, v in versions.items() if v != __version__}
        if wrong:
            self.close()
            listed = "; ".join(f"{w}: {v if isinstance(v, str) else f'cannot run preservation ({v!r})'}"
                               for w, v in sorted(wrong.items()))
            raise ClusterError(f"Dask workers without preservation {__version__}: {listed}",
                               hint="Install the same preservation version on every worker "
                                    "(pip install 'preservation[distributed]') and restart them.")
        return self.client

    def _room(self, client: Client) -> int:
        now = time.monotonic()
        if now - self._window_at >= CHECK_EVERY:
            threads = sum(client.nthreads().values())
            self._window, self._window_at = max(2, WINDOW_PER_THREAD * threads), now
        return self._window

    def _ensure_running(self, client: Client) -> None:
        """Wait while the client reconnects to the scheduler; give up when it cannot."""
        deadline = time.monotonic() + self.no_worker_grace
        while client.status != "running":
            if client.status in ("closing", "closed", "failed") or time.monotonic() > deadline:
                raise ClusterError(
                    f"Lost the connection to the Dask scheduler at {self.address}. Every file "
                    "fingerprinted before is recorded.", hint="Scan again once the scheduler is back; "
                    "files already recorded are not read again.")
            time.sleep(0.2)

    def _wait(self, client: Client, futures: Collection[Future]) -> set[Future]:
        """Block until one of ``futures`` is done; stop when the cluster cannot finish them."""
        from distributed import wait

        alone_since: float | None = None
        while True:
            try:
                with client.as_current():
                    done, _ = wait(list(futures), timeout=min(CHECK_EVERY, self.no_worker_grace),
                                   return_when="FIRST_COMPLETED")
                return set(done)
            except TimeoutError:
                pass
            self._ensure_running(client)
            if client.nthreads():
                alone_since = None
                continue
            alone_since = alone_since or time.monotonic()
            if time.monotonic() - alone_since >= self.no_worker_grace:
                raise ClusterError(
                    f"No Dask worker has been connected to the scheduler at {self.address} for "
                    f"{self.no_worker_grace:.0f} s. Every file fingerprinted before is recorded.",
                    hint="Start workers (dask worker SCHEDULER_ADDRESS) on the machines that hold "
                         "the data, then scan again.")

    # --- the Fingerprinter interface -----------------------------------------------------

    def submit(self, token: object, items: list[Item]) -> Iterator[Done]:
        """Queue a chunk; yields chunks that finished while waiting for room."""
        client = self._connect()
        while len(self._pending) >= self._room(client):
            yield from self._collect(client)
        self._send(client, token, items, 0)

    def drain(self) -> Iterator[Done]:
        while self._pending:
            assert self.client is not None
            yield from self._collect(self.client)

    def _send(self, client: Client, token: object, items: list[Item], tries: int) -> None:
        fut = client.submit(fingerprint_on_worker, self.root, items, self.algorithms, pure=False)
        self._pending[fut] = (token, items, tries)

    def _collect(self, client: Client) -> Iterator[Done]:
        for fut in self._wait(client, self._pending):
            token, items, tries = self._pending.pop(fut)
            kind, value = _outcome(fut)
            if kind == "ok":
                yield token, items, value
            elif kind == "killed":
                yield token, items, self._isolated(client, items)
            elif kind == "lost" and tries < RESUBMITS:
                self._ensure_running(client)
                self._send(client, token, items, tries + 1)
            else:
                self._ensure_running(client)
                yield token, items, [crashed(it, _failure(value)) for it in items]

    def _isolated(self, client: Client, items: list[Item]) -> list[Fingerprint]:
        """A chunk that kept killing workers, tried again one file per task."""
        futs = {client.submit(fingerprint_on_worker, self.root, [it], self.algorithms, pure=False): i
                for i, it in enumerate(items)}
        out: list[Fingerprint] = [crashed(it, KILLED) for it in items]
        while futs:
            for fut in self._wait(client, futs):
                i = futs.pop(fut)
                kind, value = _outcome(fut)
                if kind == "ok":
                    out[i] = value[0]
                elif kind != "killed":
                    self._ensure_running(client)
                    out[i] = crashed(items[i], _failure(value))
        return out


def _outcome(fut: Future) -> tuple[str, Any]:
    """("ok", fingerprints) | ("killed", error) | ("lost", error) | ("failed", error)."""
    from distributed import KilledWorker

    if fut.status == "error":
        exc = fut.exception()
        return ("killed" if isinstance(exc, KilledWorker) else "failed"), exc
    try:
        return "ok", fut.result()
    except (OSError, CancelledError) as exc:
        # The worker holding the result died before it was fetched, or the scheduler forgot
        # the task (it restarted): the chunk is computed again.
        return "lost", exc


def _failure(exc: BaseException) -> str:
    return (f"the Dask cluster could not fingerprint this file ({type(exc).__name__}: {exc}); "
            "it was not fingerprinted (scan again to retry)")
