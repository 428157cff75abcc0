"""A verify killed with SIGKILL leaves a consistent catalog; the next run picks up the rest."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.processes import count, integrity_ok, kill_when, run_cli, start_cli
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
    assert run_cli(catalog, "scan", str(tree), "-q", "-j", "2").returncode == 0
    proc = start_cli(catalog, "verify", "-j", "1", "-q")
    done = kill_when(proc, catalog, "select count(*) from files where last_verify_status = 'ok'", 1)
    assert 0 < done < n, f"the kill did not land mid-run (done={done})"
    assert integrity_ok(catalog)
    con = sqlite3.connect(catalog)
    verified = con.execute("select count(*) from files where last_verified_at is not null").fetchone()[0]
    assert con.execute("select status from runs where kind = 'verify'").fetchall() == [("running",)]
    con.close()
    assert chain_ok(catalog)[1] is None
    # files verified within the last day are not due again: the next run reads only the rest
    out = run_cli(catalog, "verify", "--older-than", "1", "-j", "1", "--json")
    assert out.returncode == 0, out.stderr
    loc = json.loads(out.stdout)["locations"][0]
    assert loc["status"] == "complete" and loc["counts"]["checked"] == n - verified
    assert count(catalog, "select count(*) from files where last_verify_status = 'ok'") == n
    assert count(catalog, "select count(*) from runs where kind = 'verify' and "
                          "status = 'interrupted'") == 1
    assert chain_ok(catalog)[1] is None
