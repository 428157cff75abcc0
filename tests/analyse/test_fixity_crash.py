"""A verify killed with SIGKILL leaves a consistent catalog; the next run picks up the rest."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.scan.test_crash_safety import _cli, _count
from tests.scan.test_scan import chain_ok


@pytest.mark.slow
def test_sigkill_mid_verify_then_the_next_run_reads_only_what_was_not_reached(tmp_path: Path):
    n = 2000
    rng = random.Random(7)
    tree = tmp_path / "archive"
    for i in range(n):
        d = tree / f"box{i // 100:02d}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"scan{i:05d}.bin").write_bytes(rng.randbytes(96 << 10))
    catalog = tmp_path / "c.sqlite"
    subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog), "scan",
                    str(tree), "-q", "-j", "2"], check=True, capture_output=True)
    proc = _cli(catalog, "verify", "-j", "1", "-q")
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline:
        done = _count(catalog, "select count(*) from files where last_verify_status = 'ok'")
        if done > 0 or proc.poll() is not None:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < n, f"the kill did not land mid-run (done={done})"
    con = sqlite3.connect(catalog)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    verified = con.execute("select count(*) from files where last_verified_at is not null").fetchone()[0]
    assert con.execute("select status from runs where kind = 'verify'").fetchall() == [("running",)]
    con.close()
    assert chain_ok(catalog)[1] is None
    # files verified within the last day are not due again: the next run reads only the rest
    out = subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog),
                          "verify", "--older-than", "1", "-j", "1", "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    loc = json.loads(out.stdout)["locations"][0]
    assert loc["status"] == "complete" and loc["counts"]["checked"] == n - verified
    assert _count(catalog, "select count(*) from files where last_verify_status = 'ok'") == n
    assert _count(catalog, "select count(*) from runs where kind = 'verify' and "
                           "status = 'interrupted'") == 1
    assert chain_ok(catalog)[1] is None
