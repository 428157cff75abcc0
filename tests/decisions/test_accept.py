"""A fixity change stays a problem — in verify, status, audit, JSON and exit codes — until a
person accepts it (issue 16, finding 1)."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import validate


def rewrite_in_place(path: Path, data: bytes) -> None:
    """What sync clients and photo apps do: a new file (new inode) put in place of the old one,
    with the same size and modification time."""
    st = path.stat()
    assert len(data) == st.st_size
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, path)
    assert path.stat().st_ino != st.st_ino or True  # a new inode on most file systems


def flip_byte(path: Path, at: int = 5000) -> bytes:
    data = bytearray(path.read_bytes())
    data[at] ^= 0xFF
    return bytes(data)


def q(catalog_path: Path, sql: str, *args: object) -> list[tuple]:
    con = sqlite3.connect(catalog_path)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


@pytest.fixture
def laptop(run, make_tree) -> Path:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    run("scan", "Laptop", "-q", "-j", "1")
    run("verify", "-q", "-j", "1")
    return tree


def photo(tree: Path) -> Path:
    return tree / "2024" / "summer" / "IMG_0001.jpg"


def test_a_change_found_by_verify_survives_the_next_scan_and_audit(run, laptop, catalog_path) -> None:
    target = photo(laptop)
    old = q(catalog_path, "select c.sha256 from files f join contents c on c.id = f.content_id "
                          "where f.path = ?", "2024/summer/IMG_0001.jpg")[0][0]
    rewrite_in_place(target, flip_byte(target))
    first = run.json("verify", "-j", "1", expect=1)
    assert first["locations"][0]["counts"]["changed"] == 1
    # the next plain scan records the new bytes as the file's new version...
    run("scan", "Laptop", "-q", "-j", "1", expect=0)
    # ...and the change is still a problem everywhere, until accepted
    data = run.json("verify", "-j", "1", expect=1)
    validate("verify", data)
    lv = data["locations"][0]
    assert lv["counts"]["changed"] == 0 and lv["counts"]["unaccepted"] == 1
    oc = lv["unaccepted_changes"][0]
    assert oc["path"] == "2024/summer/IMG_0001.jpg" and oc["previous_sha256"] == old
    assert oc["recorded_as_new_version"] and oc["detected_by"] == ["verify", "scan"]
    assert not data["ok"] and lv["problems"] == 1
    out = run("verify", "-j", "1", expect=1).stdout
    assert "CHANGED    2024/summer/IMG_0001.jpg: changed since" in out
    assert "preservation accept" in out
    status = run.json("status", expect=1)
    assert status["fixity"]["by_status"].get("changed") == 1
    audit = run.json("audit", "Laptop", "-j", "1", expect=1)
    assert audit["counts"]["changed"] == 1
    # the old version's content row and the history stay
    assert q(catalog_path, "select count(*) from contents where sha256 = ?", old)[0][0] == 1
    hist = run.json("history", str(target))
    assert [e["detail"].get("status") for e in hist["events"]].count("changed") >= 2


def test_accept_closes_the_change_and_records_who_and_why(run, laptop, catalog_path) -> None:
    target = photo(laptop)
    rewrite_in_place(target, flip_byte(target))
    run("verify", "-q", "-j", "1", expect=1)
    run("scan", "Laptop", "-q", "-j", "1")
    data = run.json("accept", str(target), "--note", "re-saved by the photo app", "--operator",
                    "Ana")
    validate("accept", data)
    [a] = data["accepted"]
    assert a["path"] == "2024/summer/IMG_0001.jpg"
    ev = q(catalog_path, "select type, operator, detail, objects from events where seq = ?",
           a["event"])[0]
    assert ev[0] == "appraisal" and ev[1] == "Ana"
    assert '"decision": "accept-change"' in ev[2] and "re-saved by the photo app" in ev[2]
    assert f"sha256:{a['accepted_sha256']}" in ev[3] and "file:Laptop/2024/summer/IMG_0001.jpg" in ev[3]
    assert run.json("verify", "-j", "1", expect=0)["ok"]
    assert run.json("status", expect=None)["fixity"]["by_status"].get("changed") is None
    # a second change of the same file opens a new problem
    rewrite_in_place(target, flip_byte(target, 6000))
    run("verify", "-q", "-j", "1", expect=1)
    run("verify", "-q", "-j", "1", expect=1)


def test_accept_of_a_change_only_verify_saw_records_the_new_bytes(run, laptop, catalog_path) -> None:
    """Bit rot: same size, same mtime, same inode. No scan re-reads it; accept does."""
    target = photo(laptop)
    st = target.stat()
    with open(target, "r+b") as f:
        f.seek(5000)
        b = f.read(1)
        f.seek(5000)
        f.write(bytes([b[0] ^ 0xFF]))
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    run("verify", "-q", "-j", "1", expect=1)
    run("scan", "Laptop", "-q", "-j", "1")
    run("verify", "-q", "-j", "1", expect=1)
    data = run.json("accept", str(laptop / "2024"), "--note", "checked by eye: fine")
    assert len(data["accepted"]) == 1 and data["accepted"][0]["accepted_sha256"] != data["accepted"][0]["previous_sha256"]
    assert run.json("verify", "-j", "1", expect=0)["ok"]


def test_rehash_accepts_in_bulk_recorded_the_same_way(run, laptop, catalog_path) -> None:
    for name in ("IMG_0000.jpg", "IMG_0001.jpg"):
        p = laptop / "2024" / "summer" / name
        rewrite_in_place(p, flip_byte(p))
    run("verify", "-q", "-j", "1", expect=1)
    run("scan", "Laptop", "-q", "-j", "1", "--rehash", "--operator", "Ben")
    rows = q(catalog_path, "select operator, detail from events where type = 'appraisal'")
    assert len(rows) == 2 and all(op == "Ben" and "scan --rehash" in d for op, d in rows)
    assert run.json("verify", "-j", "1", expect=0)["ok"]
    assert run.json("audit", "Laptop", "-j", "1", expect=None)["counts"]["changed"] == 0


def test_a_restored_file_is_no_longer_a_problem(run, laptop) -> None:
    target = photo(laptop)
    good = target.read_bytes()
    rewrite_in_place(target, flip_byte(target))
    run("verify", "-q", "-j", "1", expect=1)
    rewrite_in_place(target, good)
    run("verify", "-q", "-j", "1", expect=0)


def test_nothing_to_accept_and_unknown_paths(run, laptop, tmp_path) -> None:
    out = run("accept", str(photo(laptop)), "--note", "x").stdout
    assert "Nothing to accept" in out
    res = run("accept", str(tmp_path / "nowhere.jpg"), "--note", "x", expect=2)
    assert "not" in res.stderr
    assert "--note" in run("accept", str(photo(laptop)), expect=2).stderr
