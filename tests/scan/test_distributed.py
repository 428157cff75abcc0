"""Scans on a Dask cluster: same catalog as one process, lost workers, a killed scan, bad set-ups.

One LocalCluster of two worker processes (each restarted by its nanny when killed) serves the
module. Each worker may use a little less memory than one file the reader keeps in memory, so
a real "file that kills every worker" exists.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import dask
import psutil
import pytest
from distributed import Client, LocalCluster

import preservation.scan.distributed as dist
from preservation.errors import ClusterError
from preservation.fingerprint.limits import MEMORY_CAP_BYTES
from preservation.scan.distributed import DaskFingerprinter
from preservation.scan.workers import Item
from tests.conftest import PHOTOS, Run
from tests.helpers.processes import count, distinct_photos, integrity_ok, kill_when, start_cli
from tests.scan.test_scan import chain_ok

WORKERS = 2
HASHED = "select count(*) from files where content_id is not null"


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[LocalCluster, Client]]:
    c = LocalCluster(n_workers=WORKERS, threads_per_worker=1, processes=True, dashboard_address=None,
                     silence_logs=logging.CRITICAL, memory_limit=int(MEMORY_CAP_BYTES * 0.85),
                     scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    client = Client(c.scheduler_address, set_as_default=False)
    yield c, client
    client.close()
    c.close()


@pytest.fixture
def dask_address(cluster: tuple[LocalCluster, Client]) -> str:
    """The module cluster with every worker back (an earlier test may have killed some)."""
    c, client = cluster
    client.wait_for_workers(WORKERS, timeout=120)
    return c.scheduler_address


def files_for(seconds: float, tmp_path: Path) -> int:
    """How many distinct photos keep two workers busy about ``seconds`` on this machine now.

    A kill must land after the first commit (which comes about two seconds into a scan) and
    before the end, on an idle machine as on a busy one: the tree is sized to the machine's
    present speed, measured on the same photos. Nothing is asserted on time.
    """
    from preservation.scan.workers import fingerprint_chunk

    probe = tmp_path / "probe"
    distinct_photos(probe, 6)
    items = [Item(os.fsencode(p.relative_to(probe)), p.stat().st_size, p.stat().st_mtime_ns)
             for p in sorted(probe.rglob("*.jpg"))]
    fingerprint_chunk(os.fsencode(probe), items[:1], ("sha256",))  # imports
    t = time.perf_counter()
    fingerprint_chunk(os.fsencode(probe), items, ("sha256",))
    per_file = (time.perf_counter() - t) / len(items)
    return max(60, min(600, int(seconds * WORKERS / per_file)))


def catalog_rows(path: Path) -> dict[str, tuple]:
    """What a scan recorded per path: digest, format, size in pixels, problems, perceptual hashes."""
    con = sqlite3.connect(path)
    try:
        hashes: dict[int, list[tuple[str, str]]] = {}
        for cid, algo, value in con.execute("select content_id, algorithm, value from perceptual_hashes"):
            hashes.setdefault(cid, []).append((algo, value))
        return {p: (sha, fmt, w, h, prob, cprob, tuple(sorted(hashes.get(cid, []))))
                for p, cid, sha, fmt, w, h, prob, cprob in con.execute(
                    "select f.path, c.id, c.sha256, c.format, c.width, c.height, f.problem, c.problems "
                    "from files f left join contents c on c.id = f.content_id")}
    finally:
        con.close()


def scan_runs(path: Path) -> list[tuple[str, dict, dict]]:
    con = sqlite3.connect(path)
    try:
        return [(status, json.loads(opts), json.loads(counts) if counts else {}) for status, opts, counts
                in con.execute("select status, options, counts from runs where kind='scan' order by id")]
    finally:
        con.close()


def test_dask_scan_gives_the_same_catalog_as_one_process(run, make_tree, tmp_path, dask_address) -> None:
    tree = make_tree(photos=5)
    for i, src in enumerate(sorted(PHOTOS.glob("*.jpg"))):
        (tree / "more" / f"{i:02d}").mkdir(parents=True)
        (tree / "more" / f"{i:02d}" / "IMG.jpg").write_bytes(src.read_bytes() + bytes([i]))
    good = PHOTOS.joinpath("camera.jpg").read_bytes()
    (tree / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (tree / "empty.jpg").write_bytes(b"")
    run("scan", str(tree), "-j", "1", expect=1)
    one = catalog_rows(run.catalog_path)
    other = type(run)(tmp_path / "dask.sqlite")
    other("scan", str(tree), "--executor", "dask", "--scheduler", dask_address, expect=1)
    on_dask = catalog_rows(other.catalog_path)
    assert on_dask == one
    assert len(one) == 7 + 5 + 2  # make_tree: 5 photos, a copy, a text file
    assert sum(bool(row[-1]) for row in one.values()) == 6 + 5  # the photos have perceptual hashes
    assert "corrupt-image" in one["truncated.jpg"][5] and "empty" in one["empty.jpg"][5]  # problems too
    (status, opts, counts), = scan_runs(other.catalog_path)
    assert status == "complete" and opts["dask"] == dask_address and counts["hashed"] == 14


def _busy_worker(client: Client, deadline: float) -> str:
    while time.monotonic() < deadline:
        busy = [w for w, keys in client.processing().items() if keys]
        if busy:
            return busy[0]
        time.sleep(0.02)
    raise AssertionError("no worker was ever busy")


@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_nothing(tmp_path, cluster, dask_address) -> None:
    _, client = cluster
    n = files_for(5.0, tmp_path)
    tree = tmp_path / "photos"
    distinct_photos(tree, n)
    catalog = tmp_path / "c.sqlite"
    proc = start_cli(catalog, "scan", str(tree), "--executor", "dask", "--scheduler", dask_address, "-q")
    deadline = time.monotonic() + 120
    while count(catalog, HASHED) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    victim = _busy_worker(client, deadline)
    pid = client.run(os.getpid, workers=[victim])[victim]
    before = count(catalog, HASHED)
    os.kill(pid, signal.SIGKILL)
    assert proc.poll() is None, "the scan ended before the worker was killed"
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert 0 < before < n, f"the kill did not land mid-run ({before} of {n} committed before it)"
    # The scheduler saw the worker die with work in hand, and that work was done again.
    removed = [msg for _, msg in client.get_events(victim) if msg.get("action") == "remove-worker"]
    assert removed and removed[0]["processing-tasks"], removed
    assert integrity_ok(catalog)
    con = sqlite3.connect(catalog)
    assert con.execute("select count(*), count(distinct path), count(content_id) from files").fetchone() == (n, n, n)
    assert con.execute("select count(*) from contents").fetchone()[0] == n
    assert con.execute("select count(*) from events where type='ingestion'").fetchone()[0] == 1
    assert con.execute("select count(*) from events where outcome='failure'").fetchone()[0] == 0
    assert con.execute("select count(distinct seq) = count(*) from events").fetchone()[0] == 1
    con.close()
    (status, _, counts), = scan_runs(catalog)
    # each file recorded exactly once: a chunk committed twice would be counted twice
    assert status == "complete" and counts["hashed"] == counts["new"] == n and "rehashed" not in counts
    assert Run(catalog).json("log", "verify")["intact"] is True  # exit 0 too
    assert chain_ok(catalog)[1] is None


@pytest.mark.slow
def test_scan_killed_mid_run_with_a_local_cluster_then_the_next_run_completes(tmp_path, dask_address) -> None:
    n = files_for(3.0, tmp_path)
    tree = tmp_path / "photos"
    distinct_photos(tree, n)
    catalog = tmp_path / "c.sqlite"
    proc = start_cli(catalog, "scan", str(tree), "--executor", "dask", "--scheduler", "local:2", "-q")
    deadline = time.monotonic() + 120
    while count(catalog, HASHED) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = psutil.Process(proc.pid).children(recursive=True)
    done = kill_when(proc, catalog, HASHED, 1)
    assert 0 < done < n, f"the kill did not land mid-scan (done={done})"
    assert len(workers) >= 2, "the local cluster's worker processes were not running"
    # The local cluster's workers notice that the scan is gone and exit: nothing is left running.
    _, alive = psutil.wait_procs(workers, timeout=60)
    assert alive == []
    assert integrity_ok(catalog) and chain_ok(catalog)[1] is None
    recorded = count(catalog, HASHED)
    loc = Run(catalog).json("scan", str(tree), "--executor", "dask", "--scheduler", dask_address)["locations"][0]
    assert loc["files"] == n and loc["unchanged"] >= recorded
    assert loc["hashed"] == n - loc["unchanged"]
    assert count(catalog, HASHED) == n
    assert [r[0] for r in scan_runs(catalog)] == ["interrupted", "complete"]
    assert chain_ok(catalog)[1] is None


def test_a_worker_that_cannot_see_the_root_reports_each_file_unreadable(dask_address, tmp_path) -> None:
    root = os.fsencode(tmp_path / "not-mounted-here")
    items = [Item(b"a.jpg", 10, 1), Item(b"b/c.jpg", 20, 2)]
    with DaskFingerprinter(root, ("sha256",), dask_address) as fpr:
        done = list(fpr.submit("t", items)) + list(fpr.drain())
    (token, got, fps), = done
    assert token == "t" and got == items
    for fp in fps:
        assert fp.sha256 is None
        (problem,) = fp.problems
        assert problem.code == "unreadable" and "cannot see this location's root" in problem.message
        assert socket.gethostname() in problem.message


def test_workers_with_another_version_are_refused(dask_address, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(dist, "__version__", "999.0")  # as if this machine had a newer release
    with DaskFingerprinter(os.fsencode(tmp_path), ("sha256",), dask_address) as fpr, \
            pytest.raises(ClusterError, match=r"without preservation 999\.0") as info:
        list(fpr.submit("t", [Item(b"a.jpg", 1, 1)]))
    assert "tcp://" in str(info.value) and fpr.client is None


def test_no_scheduler_or_no_workers_stop_the_scan_cleanly(run, make_tree) -> None:
    tree = make_tree()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        res = run("scan", str(tree), "--executor", "dask", "--scheduler", f"tcp://127.0.0.1:{port}", expect=2)
    assert "Cannot reach the Dask scheduler" in res.output and "Traceback" not in res.output
    (status, _, _), = scan_runs(run.catalog_path)
    assert status == "interrupted"
    assert count(run.catalog_path, HASHED) == 0
    assert "local:N" in run("scan", str(tree), "--executor", "dask", "--scheduler", "local:0", expect=2).output
    assert "--scheduler local:N" in run("scan", str(tree), "-j", "2", "--executor", "dask", "--scheduler", "local:2", expect=2).output
    # A scheduler with no worker at all: the scan gives up after the grace period, not never.
    empty = LocalCluster(n_workers=0, processes=True, dashboard_address=None, silence_logs=logging.CRITICAL,
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"})
    try:
        with DaskFingerprinter(os.fsencode(tree), ("sha256",), empty.scheduler_address,
                               no_worker_grace=1.0) as fpr, pytest.raises(ClusterError, match="No Dask worker"):
            list(fpr.submit("t", [Item(b"notes.txt", 13, 1)])) + list(fpr.drain())
    finally:
        empty.close()


def test_a_file_that_kills_every_worker_is_recorded_as_a_problem(run, tmp_path, photos, cluster,
                                                                 dask_address) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "a.jpg").write_bytes(photos[0].read_bytes())
    (tree / "b.jpg").write_bytes(photos[1].read_bytes())
    # A JPEG the reader keeps in memory whole (just under its cap): more than a worker may use,
    # so the nanny kills the worker each time it reads it. Sparse: costs no disk.
    with open(tree / "c-huge.jpg", "wb") as f:
        f.write(photos[2].read_bytes())
        f.truncate(MEMORY_CAP_BYTES - (1 << 20))
    # The scheduler gives a task up after the first worker that died running it (default: after
    # four), so this costs two worker restarts instead of eight.
    scheduler = cluster[0].scheduler
    scheduler.allowed_failures, default = 0, scheduler.allowed_failures
    try:
        res = run("scan", str(tree), "--executor", "dask", "--scheduler", dask_address, expect=1)
    finally:
        scheduler.allowed_failures = default
    assert "Traceback" not in res.output
    rows = catalog_rows(run.catalog_path)
    assert rows["a.jpg"][0] and rows["b.jpg"][0] and rows["a.jpg"][-1]  # its chunk-mates were fingerprinted
    assert rows["c-huge.jpg"][0] is None and rows["c-huge.jpg"][4] == "unreadable"
    problems = {f["path"]: f for f in run.json("files", "--problems")["files"]}
    assert list(problems) == ["c-huge.jpg"]
    assert "killed every Dask worker" in problems["c-huge.jpg"]["problem_detail"]
    (status, _, counts), = scan_runs(run.catalog_path)
    assert status == "complete" and counts["hashed"] == 2 and counts["problem:unreadable"] == 1
