"""Fixity audits through the real CLI: every status, bad input, time limits and resumption."""

from __future__ import annotations

import errno
import json
import os
import sqlite3
import sys
from pathlib import Path

import pytest

from preservation.analyse import fixity
from tests.conftest import snapshot, validate
from tests.scan.test_scan import chain_ok


def q(catalog_path: Path, sql: str, *args: object) -> list[tuple]:
    con = sqlite3.connect(catalog_path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def n_events(catalog_path: Path) -> int:
    return q(catalog_path, "select count(*) from events")[0][0]


def events_after(catalog_path: Path, seq: int) -> list[dict]:
    rows = q(catalog_path, "select type, outcome, detail, objects from events where seq > ? "
                           "order by seq", seq)
    return [{"type": t, "outcome": o, "detail": json.loads(d), "objects": json.loads(ob)}
            for t, o, d, ob in rows]


def record(catalog_path: Path, rel: str) -> tuple:
    """(state, last_verify_status, last_verified_at, verify_run_id) of one path."""
    return q(catalog_path, "select state, last_verify_status, last_verified_at, verify_run_id "
                           "from files where path = ?", rel)[0]


def verify_json(run, *args: str, expect: int) -> dict:
    data = run.json("verify", *args, expect=expect)
    validate("verify", data)
    return data


def findings(data: dict, location: int = 0) -> dict[str, dict]:
    return {f["path"]: f for f in data["locations"][location]["findings"]}


@pytest.fixture
def laptop(run, make_tree) -> Path:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    run("scan", "Laptop", "-q", "-j", "1")
    return tree


class Reads:
    """Wraps the verify engine's one read function: counts and records reads, runs a hook."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, hook=None) -> None:
        self.paths: list[str] = []
        self.hook = hook
        real = fixity.read_sha256

        def read(root: bytes, rel: bytes):
            if self.hook is not None:
                self.hook(len(self.paths), root, rel)
            self.paths.append(rel.decode())
            return real(root, rel)

        monkeypatch.setattr(fixity, "read_sha256", read)


# --- the plain cases -------------------------------------------------------------------------

def test_intact_collection_is_ok_records_each_file_and_costs_one_event(run, laptop, catalog_path):
    before_tree, before_events = snapshot(laptop), n_events(catalog_path)
    data = verify_json(run, "-j", "1", "--operator", "Ada", expect=0)
    loc = data["locations"][0]
    assert data["ok"] and loc["status"] == "complete" and loc["findings"] == []
    assert loc["counts"]["checked"] == loc["counts"]["ok"] == 5
    assert loc["counts"]["bytes_read"] == sum(p.stat().st_size for p in laptop.rglob("*") if p.is_file())
    # one summary event for the whole run, not one per intact file
    new = events_after(catalog_path, before_events)
    assert [(e["type"], e["outcome"]) for e in new] == [("fixity check", "success")]
    assert new[0]["detail"]["ok"] == 5 and new[0]["objects"] == ["location:Laptop", f"run:{loc['run']}"]
    for rel in ("notes.txt", "2024/summer/IMG_0001.jpg"):
        state, status, when, run_id = record(catalog_path, rel)
        assert (state, status, run_id) == ("present", "ok", loc["run"]) and when
    assert q(catalog_path, "select kind, status from runs where id = ?", loc["run"]) == [("verify", "complete")]
    assert run.json("location", "show", "Laptop")["last_verify"] is not None
    assert snapshot(laptop) == before_tree
    assert chain_ok(catalog_path)[1] is None


def test_verify_opens_nothing_for_writing_in_the_tree(run, laptop) -> None:
    """An audit hook sees every open/rename/remove verify makes in this process."""
    (laptop / "notes.txt").write_text("edited\n")  # so that every code path runs
    (laptop / "copy-of-first.jpg").rename(laptop / "renamed.jpg")
    root = os.fsencode(laptop)
    violations: list[tuple] = []
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

    def hook(event: str, args: tuple) -> None:
        if not watching:
            return
        if event == "open" and args and isinstance(args[0], str | bytes):
            mode, flags = args[1], args[2]
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or (
                isinstance(flags, int) and flags & write_flags)
            if os.fsencode(args[0]).startswith(root) and writing:
                violations.append((event, args))
        elif event.startswith(("os.", "shutil.")) and event not in (
                "os.listdir", "os.scandir", "os.walk", "os.fwalk", "os.chdir") and any(
                isinstance(a, str | bytes) and os.fsencode(a).startswith(root) for a in args):
            violations.append((event, args))

    watching = True
    sys.addaudithook(hook)
    try:
        run("verify", "-j", "1", expect=1)
        run("verify", "-j", "2", expect=1)
    finally:
        watching = False
    assert violations == []


# --- every status in one run ------------------------------------------------------------------

def test_every_kind_of_problem_is_listed_and_the_run_goes_on(run, laptop, catalog_path, monkeypatch):
    summer = laptop / "2024" / "summer"
    # bit rot: same size, same modification time, one byte different
    img = summer / "IMG_0000.jpg"
    st = img.stat()
    data = bytearray(img.read_bytes())
    data[len(data) // 2] ^= 0xFF
    img.write_bytes(bytes(data))
    os.utime(img, ns=(st.st_atime_ns, st.st_mtime_ns))
    (laptop / "notes.txt").unlink()  # missing
    (laptop / "2024" / "moved").mkdir()
    (summer / "IMG_0001.jpg").rename(laptop / "2024" / "moved" / "renamed.jpg")  # moved
    (laptop / "new.txt").write_text("added later\n")  # new
    # Tests run as root, and chmod does not stop root from reading; so an honest stand-in for
    # "permission removed": the one system call that opens files refuses this one.
    real_open = os.open

    def deny(path, flags, *args, **kwargs):
        if os.fsencode(path).endswith(b"IMG_0002.jpg"):
            raise PermissionError(errno.EACCES, "Permission denied", path)
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    first = n_events(catalog_path)
    out = verify_json(run, "-j", "1", expect=1)
    loc = out["locations"][0]
    f = findings(out)
    assert {p: x["status"] for p, x in f.items()} == {
        "2024/summer/IMG_0000.jpg": "changed", "notes.txt": "missing",
        "2024/summer/IMG_0001.jpg": "moved", "new.txt": "new",
        "2024/summer/IMG_0002.jpg": "unreadable"}
    c = loc["counts"]
    assert (c["ok"], c["changed"], c["missing"], c["moved"], c["new"], c["unreadable"]) == (1, 1, 1, 1, 1, 1)
    assert loc["problems"] == 3 and not out["ok"]
    changed = f["2024/summer/IMG_0000.jpg"]
    assert changed["found_sha256"] != changed["expected_sha256"]
    assert f["2024/summer/IMG_0001.jpg"]["moved_to"] == "2024/moved/renamed.jpg"
    assert "Permission denied" in f["2024/summer/IMG_0002.jpg"]["message"]
    assert f["2024/summer/IMG_0002.jpg"]["problem"] == "unreadable"
    # one event per problem (and per move), plus the summary; none for the intact file or new.txt
    evs = events_after(catalog_path, first)
    kinds = sorted((e["type"], e["outcome"], e["detail"].get("status")) for e in evs)
    assert kinds == sorted([
        ("fixity check", "failure", "changed"), ("deletion-detected", "warning", "missing"),
        ("fixity check", "success", "moved"), ("fixity check", "failure", "unreadable"),
        ("fixity check", "failure", "complete")])
    ev_changed = next(e for e in evs if e["detail"].get("status") == "changed")
    assert f"sha256:{changed['found_sha256']}" in ev_changed["objects"]
    assert "file:Laptop/2024/summer/IMG_0000.jpg" in ev_changed["objects"]
    # each file's verification record
    assert record(catalog_path, "2024/summer/IMG_0000.jpg")[:2] == ("present", "changed")
    assert record(catalog_path, "notes.txt")[:2] == ("missing", "missing")
    assert record(catalog_path, "2024/summer/IMG_0001.jpg")[:2] == ("missing", "moved")
    assert record(catalog_path, "2024/summer/IMG_0002.jpg")[:2] == ("present", "unreadable")
    assert record(catalog_path, "copy-of-first.jpg")[:2] == ("present", "ok")
    assert q(catalog_path, "select count(*) from files where path = 'new.txt'") == [(0,)]
    # the human rendering lists every one of them
    text = run("verify", "-j", "1", expect=1).stdout
    for word in ("CHANGED", "MISSING", "UNREADABLE", "moved", "new"):
        assert word in text
    monkeypatch.setattr(os, "open", real_open)
    assert chain_ok(catalog_path)[1] is None


def test_a_loss_stays_reported_until_it_is_resolved(run, laptop, catalog_path) -> None:
    (laptop / "notes.txt").unlink()
    run("verify", "-j", "1", expect=1)
    seq = n_events(catalog_path)
    again = verify_json(run, "-j", "1", expect=1)
    assert findings(again)["notes.txt"]["status"] == "missing"
    assert "already recorded missing" in findings(again)["notes.txt"]["message"]
    # reported again, but the deletion itself was detected once
    assert [e["type"] for e in events_after(catalog_path, seq)] == ["fixity check", "fixity check"]
    (laptop / "notes.txt").write_text("family notes\n")  # restored from a backup
    back = verify_json(run, "-j", "1", expect=0)
    assert back["locations"][0]["counts"]["ok"] == 5
    assert record(catalog_path, "notes.txt")[:2] == ("present", "ok")


def test_a_rename_recorded_by_a_scan_is_no_longer_reported(run, laptop) -> None:
    (laptop / "notes.txt").rename(laptop / "notes-2024.txt")
    assert findings(verify_json(run, "-j", "1", expect=0))["notes.txt"]["status"] == "moved"
    run("scan", "-q", "-j", "1")
    done = verify_json(run, "-j", "1", expect=0)
    assert done["locations"][0]["findings"] == []


def test_a_removed_duplicate_is_missing_once_and_names_the_copy(run, laptop) -> None:
    (laptop / "copy-of-first.jpg").unlink()
    f = findings(verify_json(run, "-j", "1", expect=1))["copy-of-first.jpg"]
    assert f["status"] == "missing" and f["copy_at"] == "2024/summer/IMG_0000.jpg"
    # its bytes are still in the location: nothing of it is lost, it is not reported again
    assert verify_json(run, "-j", "1", expect=0)["locations"][0]["findings"] == []


# --- bad input ------------------------------------------------------------------------------

def test_file_replaced_by_a_folder(run, laptop, catalog_path) -> None:
    (laptop / "notes.txt").unlink()
    (laptop / "notes.txt").mkdir()
    (laptop / "notes.txt" / "inside.txt").write_text("x")
    out = verify_json(run, "-j", "1", expect=1)
    f = findings(out)
    assert f["notes.txt"]["status"] == "missing"
    assert "a folder now has its name" in f["notes.txt"]["message"]
    assert f["notes.txt/inside.txt"]["status"] == "new"
    assert (laptop / "notes.txt" / "inside.txt").read_text() == "x"


def test_file_replaced_by_a_folder_between_walk_and_read(run, laptop, monkeypatch) -> None:
    def swap(i: int, root: bytes, rel: bytes) -> None:
        if rel == b"notes.txt":
            (laptop / "notes.txt").unlink()
            (laptop / "notes.txt").mkdir()

    Reads(monkeypatch, swap)
    f = findings(verify_json(run, "-j", "1", expect=1))
    assert f["notes.txt"]["status"] == "missing"
    assert "folder" in f["notes.txt"]["message"]


def test_file_changing_during_the_read(run, laptop, catalog_path, monkeypatch) -> None:
    """Something keeps appending to the file while it is read: no digest can be trusted."""
    target = laptop / "2024" / "summer" / "IMG_0001.jpg"
    real_readv = os.readv

    def readv(fd: int, buffers):
        first = os.lseek(fd, 0, os.SEEK_CUR) == 0
        got = real_readv(fd, buffers)
        if first and os.readlink(f"/proc/self/fd/{fd}") == str(target):
            with open(target, "ab") as w:  # the test's own writer, not the tool
                w.write(b"more")
        return got

    monkeypatch.setattr(os, "readv", readv)
    out = verify_json(run, "-j", "1", expect=1)
    monkeypatch.setattr(os, "readv", real_readv)
    f = findings(out)["2024/summer/IMG_0001.jpg"]
    assert f["status"] == "unreadable" and f["problem"] == "changed-during-read"
    assert "changed while it was being read" in f["message"]
    assert out["locations"][0]["counts"]["ok"] == 4  # the others were checked
    # nothing lost: the recorded hash is still the original one
    assert q(catalog_path, "select c.sha256 from files f join contents c on c.id = f.content_id "
                           "where f.path = '2024/summer/IMG_0001.jpg'")[0][0] == f["expected_sha256"]


def test_unreachable_location_is_one_line_and_nothing_is_marked_missing(run, laptop, catalog_path):
    run("verify", "-j", "1")
    seq = n_events(catalog_path)
    laptop.rename(laptop.with_name("unplugged"))
    res = run("verify", "-j", "1", expect=1)
    lines = [ln for ln in res.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1 and "unreachable" in lines[0] and "plugged in" in lines[0]
    assert "MISSING" not in res.stdout
    evs = events_after(catalog_path, seq)
    assert len(evs) == 1 and evs[0]["detail"]["status"] == "unreachable"
    assert evs[0]["outcome"] == "failure"
    assert q(catalog_path, "select distinct state, last_verify_status from files") == [("present", "ok")]
    data = verify_json(run, "-j", "1", expect=1)
    assert data["locations"][0]["status"] == "unreachable"
    assert data["locations"][0]["findings"] == []


def test_empty_mount_point_is_unreachable_not_thousands_of_missing(run, laptop, catalog_path) -> None:
    aside = laptop.with_name("aside")
    aside.mkdir()
    for p in list(laptop.iterdir()):
        p.rename(aside / p.name)
    res = run("verify", "-j", "1", expect=1)
    assert "is empty" in res.stdout and "MISSING" not in res.stdout
    assert q(catalog_path, "select count(*) from files where state = 'missing'") == [(0,)]


def test_drive_unplugged_mid_run(run, laptop, catalog_path, monkeypatch) -> None:
    unplugged = laptop.with_name("unplugged")

    def unplug(i: int, root: bytes, rel: bytes) -> None:
        if i == 2:
            laptop.rename(unplugged)

    reads = Reads(monkeypatch, unplug)
    seq = n_events(catalog_path)
    out = verify_json(run, "-j", "1", expect=1)
    loc = out["locations"][0]
    assert loc["status"] == "unreachable" and "during the check" in loc["message"]
    assert loc["findings"] == [] and loc["counts"]["ok"] == 2
    assert q(catalog_path, "select count(*) from files where state = 'missing'") == [(0,)]
    assert q(catalog_path, "select count(*) from files where last_verify_status = 'ok'") == [(2,)]
    assert [e["type"] for e in events_after(catalog_path, seq)] == ["fixity check"]  # the summary
    # plugged back in: the next run starts with the files the first one did not reach
    unplugged.rename(laptop)
    reads.hook, done = None, reads.paths[:2]
    reads.paths.clear()
    again = verify_json(run, "-j", "1", expect=0)
    assert again["locations"][0]["counts"]["ok"] == 5
    assert set(reads.paths[:3]).isdisjoint(done) and set(reads.paths[3:]) == set(done)


# --- large collections: time limits, resumption, age ----------------------------------------

class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_max_time_stops_cleanly_and_the_next_run_continues(run, laptop, catalog_path, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(fixity, "clock", clock)

    def ten_seconds_per_file(i: int, root: bytes, rel: bytes) -> None:
        clock.now += 10

    reads = Reads(monkeypatch, ten_seconds_per_file)
    out = verify_json(run, "-j", "1", "--max-time", "25s", expect=0)
    loc = out["locations"][0]
    assert loc["status"] == "stopped" and loc["counts"]["ok"] == 3
    assert loc["counts"]["remaining"] == 2 and "2 due files were not reached" in loc["message"]
    first = list(reads.paths)
    assert q(catalog_path, "select status from runs where id = ?", loc["run"]) == [("stopped",)]
    assert run.json("location", "show", "Laptop")["last_verify"] is None  # not a complete run
    reads.paths.clear()
    out = verify_json(run, "-j", "1", "--max-time", "25s", expect=0)
    # the two files not reached come first, then the least recently verified
    assert set(reads.paths[:2]).isdisjoint(first) and reads.paths[2] == first[0]
    assert q(catalog_path, "select count(*) from files where last_verified_at is null") == [(0,)]


def test_max_time_reached_before_a_location_starts(run, laptop, tmp_path, monkeypatch) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.txt").write_text("a")
    run("scan", str(other), "-q", "-j", "1")
    clock = FakeClock()
    monkeypatch.setattr(fixity, "clock", clock)
    Reads(monkeypatch, lambda i, root, rel: setattr(clock, "now", clock.now + 100))
    out = verify_json(run, "Laptop", "other", "-j", "1", "--max-time", "4m", expect=0)
    assert [lv["status"] for lv in out["locations"]] == ["stopped", "stopped"]
    assert out["locations"][0]["counts"]["ok"] == 3
    assert out["locations"][1]["run"] is None and out["locations"][1]["counts"]["remaining"] == 1


def test_an_interrupted_run_is_recorded_and_resumed(run, laptop, catalog_path, monkeypatch) -> None:
    def ctrl_c(i: int, root: bytes, rel: bytes) -> None:
        if i == 2:
            raise KeyboardInterrupt

    reads = Reads(monkeypatch, ctrl_c)
    res = run("verify", "-j", "1", expect=2)
    assert "Interrupted" in res.stderr
    assert q(catalog_path, "select status from runs where kind = 'verify'") == [("interrupted",)]
    assert q(catalog_path, "select count(*) from files where last_verify_status = 'ok'") == [(2,)]
    done = reads.paths[:2]
    reads.hook = None
    reads.paths.clear()
    run("verify", "-j", "1")
    assert set(reads.paths[:3]).isdisjoint(done)


def test_older_than_checks_only_files_not_verified_recently(run, laptop, catalog_path, monkeypatch):
    run("verify", "-j", "1")
    con = sqlite3.connect(catalog_path)
    con.execute("update files set last_verified_at = '2000-01-01 00:00:00.000000' "
                "where path in ('notes.txt', 'copy-of-first.jpg')")
    con.commit()
    con.close()
    reads = Reads(monkeypatch)
    out = verify_json(run, "-j", "1", "--older-than", "30", expect=0)
    assert sorted(reads.paths) == ["copy-of-first.jpg", "notes.txt"]
    assert out["locations"][0]["counts"]["checked"] == 2
    assert out["locations"][0]["older_than_days"] == 30
    reads.paths.clear()
    verify_json(run, "-j", "1", "--older-than", "30", expect=0)
    assert reads.paths == []
    # a file whose last check found a problem is always due
    con = sqlite3.connect(catalog_path)
    con.execute("update files set last_verify_status = 'unreadable' where path = 'notes.txt'")
    con.commit()
    con.close()
    verify_json(run, "-j", "1", "--older-than", "30", expect=0)
    assert reads.paths == ["notes.txt"]


def test_parallel_readers_find_the_same(run, laptop) -> None:
    (laptop / "notes.txt").write_text("changed\n")
    (laptop / "2024" / "summer" / "IMG_0002.jpg").unlink()
    one = findings(verify_json(run, "-j", "1", expect=1))
    two = findings(verify_json(run, "-j", "3", expect=1))
    assert {p: f["status"] for p, f in one.items()} == {p: f["status"] for p, f in two.items()}
    assert two["notes.txt"]["status"] == "changed"


def test_many_files_are_paged_and_batched(run, tmp_path, catalog_path, monkeypatch) -> None:
    """More files than a page and a write batch: each is checked exactly once."""
    monkeypatch.setattr(fixity, "PAGE", 7)
    monkeypatch.setattr(fixity, "FLUSH_CHECKS", 5)
    root = tmp_path / "many"
    for i in range(40):
        d = root / f"d{i % 3}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"f{i:02d}.txt").write_text(f"file {i}\n")
    run("scan", str(root), "-q", "-j", "1")
    reads = Reads(monkeypatch)
    out = verify_json(run, "-j", "2", expect=0)
    assert out["locations"][0]["counts"]["ok"] == 40
    assert len(reads.paths) == len(set(reads.paths)) == 40
    assert q(catalog_path, "select count(distinct verify_run_id) from files") == [(1,)]
    # again, now paging by verification time (batches share one timestamp)
    assert q(catalog_path, "select count(distinct last_verified_at) from files")[0][0] < 40
    reads.paths.clear()
    out = verify_json(run, "-j", "1", expect=0)
    assert len(reads.paths) == len(set(reads.paths)) == 40
