"""The real CLI in a child process: start it, watch the catalog, SIGKILL it mid-run.

Used by the crash and concurrency tests (scan, verify, several runs at once). The catalog is
read through a read-only SQLite connection, so watching never takes a write lock.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import PHOTOS


def distinct_photos(root: Path, n: int, per_folder: int = 50) -> None:
    """n distinct JPEG-like files (a real photo with a unique tail), ``per_folder`` a folder."""
    root.mkdir(parents=True)
    base = sorted(PHOTOS.glob("*.jpg"))
    for i in range(n):
        sub = root / f"batch{i // per_folder:02d}"
        sub.mkdir(exist_ok=True)
        data = base[i % len(base)].read_bytes() + i.to_bytes(4, "big")
        (sub / f"IMG_{i:05d}.jpg").write_bytes(data)


def start_cli(catalog: Path, *args: str) -> subprocess.Popen[bytes]:
    """``preservation --catalog CATALOG ARGS...`` started in a child process."""
    return subprocess.Popen([sys.executable, "-m", "preservation", "--catalog", str(catalog), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def run_cli(catalog: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``preservation --catalog CATALOG ARGS...`` run to the end in a child process."""
    return subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog), *args],
                          capture_output=True, text=True)


def count(catalog: Path, sql: str) -> int:
    """One number from the catalog, read-only; 0 while the catalog does not exist yet."""
    try:
        con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def kill_when(proc: subprocess.Popen[bytes], catalog: Path, sql: str, at_least: int,
              timeout: float = 120) -> int:
    """SIGKILL ``proc`` as soon as ``sql`` counts ``at_least`` (or it ends); returns the count.

    The caller asserts the count shows the kill landed mid-run.
    """
    deadline = time.monotonic() + timeout
    done = 0
    while time.monotonic() < deadline:
        done = count(catalog, sql)
        if done >= at_least or proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    return done


def integrity_ok(catalog: Path) -> bool:
    """SQLite's own check of the whole database file."""
    con = sqlite3.connect(catalog)
    try:
        return con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


_PEAK_PROBE = """\
import atexit, sys
def _peak(path=sys.argv[1]):
    with open("/proc/self/status") as status, open(path, "w") as out:
        out.write(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
atexit.register(_peak)
sys.argv = ["preservation", *sys.argv[2:]]
from preservation.cli.main import main
main()
"""


def run_cli_peak(catalog: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], int]:
    """Run the CLI to the end; also return its peak resident memory in bytes.

    The kernel's high-water mark of the CLI process itself (``VmHWM``, fresh after exec; the
    resource usage ``wait4`` reports would include the forking test process's own). Worker
    processes are not included: measure with ``--jobs 1``. A sanity bound, never a benchmark.
    """
    with tempfile.NamedTemporaryFile("r") as peak:
        done = subprocess.run([sys.executable, "-c", _PEAK_PROBE, peak.name, "--catalog", str(catalog),
                               *args], capture_output=True, text=True)
        kib = peak.read().strip()
    assert kib, f"the CLI did not exit normally: {done.stderr[-2000:]}"
    return done, int(kib) * 1024
