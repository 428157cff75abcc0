"""A scan killed with SIGKILL, or two scans at once, leave a consistent catalog."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.helpers.processes import count, distinct_photos, integrity_ok, kill_when, run_cli, start_cli
from tests.scan.test_scan import chain_ok


@pytest.mark.slow
def test_sigkill_mid_scan_then_rescan_finishes_without_redoing(tmp_path: Path) -> None:
    n = 400
    tree = tmp_path / "photos"
    distinct_photos(tree, n)
    catalog = tmp_path / "c.sqlite"
    proc = start_cli(catalog, "scan", str(tree), "-j", "1", "-q")
    done = kill_when(proc, catalog, "select count(*) from files where content_id is not null", 40)
    assert 0 < done < n, f"the kill did not land mid-scan (done={done})"
    assert integrity_ok(catalog)
    con = sqlite3.connect(catalog)
    # every recorded file row is complete: hashed rows point at a content row
    assert con.execute("select count(*) from files f left join contents c on f.content_id=c.id "
                       "where f.content_id is not null and c.id is null").fetchone()[0] == 0
    recorded = con.execute("select count(*) from files where content_id is not null").fetchone()[0]
    con.close()
    assert chain_ok(catalog)[1] is None
    out = run_cli(catalog, "scan", str(tree), "-j", "1", "--json")
    assert out.returncode == 0, out.stderr
    loc = json.loads(out.stdout)["locations"][0]
    assert loc["files"] == n
    assert loc["unchanged"] >= recorded  # completed files were not redone
    assert loc["hashed"] == n - loc["unchanged"]
    assert count(catalog, "select count(*) from files where content_id is not null") == n
    assert count(catalog, "select count(*) from runs where status='interrupted'") == 1
    assert chain_ok(catalog)[1] is None


@pytest.mark.slow
def test_two_scans_and_a_reader_at_once(tmp_path: Path) -> None:
    tree = tmp_path / "photos"
    distinct_photos(tree, 150)
    catalog = tmp_path / "c.sqlite"
    assert run_cli(catalog, "location", "add", "P", str(tree)).returncode == 0
    a = start_cli(catalog, "scan", "P", "-j", "1", "-q")
    b = start_cli(catalog, "scan", "P", "-j", "1", "-q", "--rehash")
    reader = start_cli(catalog, "files", "--json")
    outs = [p.communicate(timeout=300) for p in (a, b, reader)]
    assert a.returncode == 0, outs[0][1]
    assert b.returncode == 0, outs[1][1]
    assert reader.returncode == 0, outs[2][1]
    con = sqlite3.connect(catalog)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert con.execute("select count(*) from files").fetchone()[0] == 150
    assert con.execute("select count(*) from files where content_id is null").fetchone()[0] == 0
    assert con.execute("select count(*) from contents").fetchone()[0] == 150
    assert con.execute("select count(distinct seq) = count(*) from events").fetchone()[0] == 1
    con.close()
    assert chain_ok(catalog)[1] is None
