"""Two scans and a verify on one catalog at the same time: all finish, nothing is recorded twice."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import validate
from tests.helpers.processes import count, distinct_photos, integrity_ok, run_cli, start_cli
from tests.scan.test_scan import chain_ok


@pytest.mark.slow
def test_two_scans_and_a_verify_at_once(tmp_path: Path) -> None:
    tree = tmp_path / "photos"
    distinct_photos(tree, 100)
    rng = random.Random(5)
    for i in range(10):  # big enough that the verify is still reading when the scans start
        (tree / "batch00" / f"scan_{i}.bin").write_bytes(rng.randbytes(8 << 20))  # no format claimed
    n = 110
    catalog = tmp_path / "c.sqlite"
    assert run_cli(catalog, "location", "add", "P", str(tree)).returncode == 0
    first = run_cli(catalog, "scan", "P", "-j", "1", "--json")
    assert first.returncode == 0, first.stderr
    events_before = count(catalog, "select count(*) from events")
    for i in range(20):  # new files for the scans to find while the verify re-reads the others
        (tree / "batch00" / f"new_{i:02d}.txt").write_text(f"new {i}\n")
    # both re-read everything (--rehash), so that all three runs are long enough to overlap
    scan_a = start_cli(catalog, "scan", "P", "-j", "1", "--json", "--rehash")
    scan_b = start_cli(catalog, "scan", "P", "-j", "1", "--json", "--rehash")
    # the verify is the shortest of the three: start it once both scans have begun their runs
    # (a verify started with them could finish before their imports are done)
    deadline = time.monotonic() + 120
    while count(catalog, "select count(*) from runs where kind = 'scan' and finished_at is null") < 2:
        assert time.monotonic() < deadline and scan_a.poll() is None and scan_b.poll() is None, \
            "the two scans did not start together"
        time.sleep(0.02)
    verify = start_cli(catalog, "verify", "-j", "1", "--json")
    (out_a, err_a), (out_b, err_b), (out_v, err_v) = (p.communicate(timeout=300)
                                                      for p in (scan_a, scan_b, verify))
    assert scan_a.returncode == 0, err_a
    assert scan_b.returncode == 0, err_b
    # the verify may meet the new files (exit 1, "new") or start after a scan recorded them
    assert verify.returncode in (0, 1), err_v
    for err in (err_a, err_b, err_v):
        assert b"Traceback" not in err and b"locked" not in err
    for out in (out_a, out_b):
        report = json.loads(out)
        validate("scan", report)
        assert report["locations"][0]["status"] == "complete"
        assert report["locations"][0]["files"] == n + 20
    checked = json.loads(out_v)
    validate("verify", checked)
    lv = checked["locations"][0]
    assert lv["status"] == "complete"
    assert lv["counts"]["changed"] == lv["counts"]["missing"] == lv["counts"]["unreadable"] == 0
    assert lv["counts"]["ok"] >= n  # every file the first scan recorded was re-read and matched
    # one consistent catalog: each path and each content once, every run finished, one chain
    assert integrity_ok(catalog)
    assert count(catalog, "select count(*) from files") == n + 20
    assert count(catalog, "select count(*) from files where content_id is null") == 0
    assert count(catalog, "select count(*) from contents") == n + 20
    assert count(catalog, "select count(*) from runs where status != 'complete'") == 0
    assert count(catalog, "select count(*) from runs") == 4
    assert count(catalog, "select count(distinct seq) = count(*) from events") == 1
    assert count(catalog, "select max(seq) - min(seq) + 1 = count(*) from events") == 1
    assert count(catalog, "select count(*) from events") > events_before
    assert chain_ok(catalog)[1] is None
    con = sqlite3.connect(catalog)
    runs = dict(con.execute("select kind || id, started_at || '/' || finished_at from runs "
                            "where id > 1").fetchall())
    con.close()
    spans = {k: v.split("/") for k, v in runs.items()}
    latest_start = max(start for start, _ in spans.values())
    earliest_end = min(end for _, end in spans.values())
    assert latest_start < earliest_end, f"the three runs did not overlap: {runs}"
    # and the next verify finds every file as recorded
    again = run_cli(catalog, "verify", "-j", "1", "--json")
    assert again.returncode == 0, again.stderr
    counts = json.loads(again.stdout)["locations"][0]["counts"]
    assert counts["ok"] == counts["checked"] == n + 20
