"""``preservation log verify`` and ``preservation history``."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import validate
from tests.postgres.database import drop_append_only, engine_for, scalar, sql


@pytest.fixture
def scanned(run, make_tree) -> Path:
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    run("scan", "-q", "-j", "1", "--operator", "Ada")
    return tree


def tamper(catalog_path: str, *statements: str) -> None:
    """What someone with the catalog owner's rights could do: drop the append-only triggers,
    then rewrite the log."""
    sql(catalog_path, *drop_append_only(catalog_path), *statements)


def test_intact_log(run, scanned, catalog_path) -> None:
    res = run("log", "verify")
    n = scalar(catalog_path, "select count(*) from events")
    assert f"Event log intact: {n} events." in res.stdout
    data = run.json("log", "verify")
    validate("log-verify", data)
    assert data["intact"] and data["events"] == n and data["newest"]["seq"] == n


def test_an_altered_event_is_named(run, scanned, catalog_path) -> None:
    tamper(catalog_path, "update events set operator = 'Mallory' where seq = 3")
    res = run("log", "verify", expect=1)
    assert "BROKEN at event #3" in res.stdout and "altered" in res.stdout
    data = run.json("log", "verify", expect=1)
    validate("log-verify", data)
    assert not data["intact"] and data["first_break"]["seq"] == 3


def test_a_removed_event_is_named(run, scanned, catalog_path) -> None:
    tamper(catalog_path, "delete from event_objects where event_id = (select id from events where seq = 2)",
           "delete from events where seq = 2")
    assert "BROKEN at event #3" in run("log", "verify", expect=1).stdout


def test_the_database_still_refuses_to_rewrite_history(run, scanned, catalog_path) -> None:
    """After every migration (0002 adds an index) and a verify, the triggers are in place."""
    run("verify", "-j", "1")
    n = scalar(catalog_path, "select count(*) from events")
    eng = engine_for(catalog_path)
    try:
        for stmt in ("update events set outcome = 'success'", "delete from events"):
            with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
                conn.execute(text(stmt))
    finally:
        eng.dispose()
    assert scalar(catalog_path, "select count(*) from events") == n
    assert "Event log intact" in run("log", "verify").stdout


def test_history_of_a_file_by_path_and_by_its_bytes(run, scanned, make_tree, tmp_path) -> None:
    backup = make_tree("backup", photos=1)  # holds a copy of IMG_0000's bytes
    run("location", "add", "Backup", str(backup), "--media", "hdd")
    run("scan", "Backup", "-q", "-j", "1")
    (backup / "copy-of-first.jpg").unlink()  # the backup loses its copy
    run("verify", "-j", "1", "--operator", "Grace", expect=1)
    img = scanned / "2024" / "summer" / "IMG_0000.jpg"
    data = run.json("history", str(img))
    validate("history", data)
    assert data["location"] == "Laptop" and data["path"] == "2024/summer/IMG_0000.jpg"
    v = data["verification"]
    assert v["status"] == "ok" and v["last_verified"] and v["operator"] == "Grace"
    lost = [e for e in data["events"] if e["type"] == "deletion-detected"]
    assert len(lost) == 1 and lost[0]["via"] == ["content"]
    assert lost[0]["detail"]["location"] == "Backup"
    text = run("history", str(img)).stdout
    assert "last verified" in text and "deletion-detected" in text and "Backup" in text


def test_history_of_a_changed_file_shows_the_failed_check(run, scanned) -> None:
    notes = scanned / "notes.txt"
    notes.write_text("edited\n")
    run("verify", "-j", "1", expect=1)
    data = run.json("history", str(notes))
    validate("history", data)
    assert data["verification"]["status"] == "changed"
    failed = [e for e in data["events"] if e["type"] == "fixity check"]
    assert len(failed) == 1 and failed[0]["outcome"] == "failure" and "path" in failed[0]["via"]


def test_history_of_a_missing_file(run, scanned) -> None:
    (scanned / "notes.txt").unlink()
    run("verify", "-j", "1", expect=1)
    data = run.json("history", str(scanned / "notes.txt"))
    assert data["state"] == "missing"
    assert [e["type"] for e in data["events"]] == ["deletion-detected"]


def test_history_of_a_path_longer_than_the_event_index_keeps(run, tmp_path) -> None:
    root = tmp_path / "deep"
    deep = root / ("d" * 200) / ("e" * 120)
    deep.mkdir(parents=True)
    f = deep / "photo-with-a-long-name.txt"
    f.write_text("v1")
    run("scan", str(root), "-q", "-j", "1")
    f.write_text("v2")
    run("verify", "-j", "1", expect=1)
    data = run.json("history", str(f))
    assert len(data["path"]) > 300
    assert [e["detail"]["status"] for e in data["events"] if e["type"] == "fixity check"] == ["changed"]


def test_history_of_something_not_catalogued(run, scanned, tmp_path) -> None:
    assert "not in the catalog" in run("history", str(scanned / "nope.jpg"), expect=2).stderr
    assert "not inside any registered location" in run("history", str(tmp_path), expect=2).stderr
