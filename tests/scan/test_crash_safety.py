"""A scan killed with SIGKILL, or two scans at once, leave a consistent catalog."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import PHOTOS
from tests.scan.test_scan import chain_ok


def _many_files(root: Path, n: int) -> None:
    """n distinct JPEG-like files (a real photo with a unique tail)."""
    root.mkdir(parents=True)
    base = sorted(PHOTOS.glob("*.jpg"))
    for i in range(n):
        sub = root / f"batch{i // 50:02d}"
        sub.mkdir(exist_ok=True)
        data = base[i % len(base)].read_bytes() + i.to_bytes(4, "big")
        (sub / f"IMG_{i:05d}.jpg").write_bytes(data)


def _cli(catalog: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "preservation", "--catalog", str(catalog), *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _count(catalog: Path, sql: str) -> int:
    try:
        con = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True, timeout=30)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    except sqlite3.OperationalError:
        return 0


def test_sigkill_mid_scan_then_rescan_finishes_without_redoing(tmp_path: Path) -> None:
    n = 400
    tree = tmp_path / "photos"
    _many_files(tree, n)
    catalog = tmp_path / "c.sqlite"
    proc = _cli(catalog, "scan", str(tree), "-j", "1", "-q")
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline:
        done = _count(catalog, "select count(*) from files where content_id is not null")
        if done >= 40 or proc.poll() is not None:
            break
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0 < done < n, f"the kill did not land mid-scan (done={done})"
    con = sqlite3.connect(catalog)
    assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    # every recorded file row is complete: hashed rows point at a content row
    assert con.execute("select count(*) from files f left join contents c on f.content_id=c.id "
                       "where f.content_id is not null and c.id is null").fetchone()[0] == 0
    recorded = con.execute("select count(*) from files where content_id is not null").fetchone()[0]
    con.close()
    assert chain_ok(catalog)[1] is None
    out = subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog),
                          "scan", str(tree), "-j", "1", "--json"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    import json

    loc = json.loads(out.stdout)["locations"][0]
    assert loc["files"] == n
    assert loc["unchanged"] >= recorded  # completed files were not redone
    assert loc["hashed"] == n - loc["unchanged"]
    assert _count(catalog, "select count(*) from files where content_id is not null") == n
    assert _count(catalog, "select count(*) from runs where status='interrupted'") == 1
    assert chain_ok(catalog)[1] is None


def test_two_scans_and_a_reader_at_once(tmp_path: Path) -> None:
    tree = tmp_path / "photos"
    _many_files(tree, 150)
    catalog = tmp_path / "c.sqlite"
    subprocess.run([sys.executable, "-m", "preservation", "--catalog", str(catalog),
                    "location", "add", "P", str(tree)], check=True, capture_output=True)
    a = _cli(catalog, "scan", "P", "-j", "1", "-q")
    b = _cli(catalog, "scan", "P", "-j", "1", "-q", "--rehash")
    reader = _cli(catalog, "files", "--json")
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
