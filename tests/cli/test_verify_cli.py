"""``preservation verify`` as a person (or cron) uses it: options, output, exit codes."""

from __future__ import annotations

import click
import pytest

from preservation.cli.verify import Duration
from tests.conftest import validate


@pytest.fixture
def laptop(run, make_tree):
    tree = make_tree()
    run("location", "add", "Laptop", str(tree), "--media", "ssd")
    run("scan", "Laptop", "-q", "-j", "1")
    return tree


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("30m", 1800), ("2h", 7200), ("1d", 86400), ("45", 45), ("1.5h", 5400)])
def test_durations(text: str, seconds: float) -> None:
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize("text", ["", "2 weeks", "-5m", "0s", "h", "5x"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(click.BadParameter):
        Duration().convert(text, None, None)


def test_bad_max_time_is_a_usage_error(run, laptop) -> None:
    res = run("verify", "--max-time", "soon", expect=2)
    assert "not a duration" in res.stderr


def test_exit_codes(run, laptop) -> None:
    assert "All checked files are intact." in run("verify", "-j", "1", expect=0).stdout
    (laptop / "notes.txt").write_text("edited\n")
    run("verify", "-j", "1", expect=1)
    res = run("verify", "No such drive", expect=2)
    assert "No location named 'No such drive'" in res.stderr


def test_nothing_registered_cannot_run(run, catalog) -> None:
    res = run("verify", expect=2)
    assert "No locations are registered" in res.stderr


def test_new_and_moved_files_are_reported_but_are_not_problems(run, laptop) -> None:
    (laptop / "notes.txt").rename(laptop / "notes-renamed.txt")
    (laptop / "added.jpg").write_bytes(b"new bytes")
    res = run("verify", "-j", "1", expect=0)
    assert "moved      notes.txt" in res.stdout and "new        added.jpg" in res.stdout


def test_quiet_is_silent_when_all_is_well_and_lists_problems_otherwise(run, laptop) -> None:
    assert run("verify", "-q", "-j", "1").stdout == ""
    (laptop / "notes.txt").unlink()
    (laptop / "added.txt").write_text("x")
    out = run("verify", "-q", "-j", "1", expect=1).stdout
    assert "MISSING    notes.txt" in out and "added.txt" not in out


def test_locations_by_name_or_root_and_one_unreachable(run, laptop, make_tree, tmp_path) -> None:
    backup = make_tree("backup", photos=1)
    run("location", "add", "Backup drive", str(backup), "--media", "hdd")
    run("scan", "Backup drive", "-q", "-j", "1")
    data = run.json("verify", str(laptop), "Backup drive", "-j", "1")
    validate("verify", data)
    assert [lv["location"] for lv in data["locations"]] == ["Laptop", "Backup drive"]
    backup.rename(tmp_path / "unplugged")
    res = run("verify", "-j", "1", expect=1)
    assert res.stdout.count("unreachable") == 1
    assert "Laptop: 5 files checked" in res.stdout
    data = run.json("verify", "-j", "1", expect=1)
    validate("verify", data)
    assert {lv["location"]: lv["status"] for lv in data["locations"]} == {
        "Backup drive": "unreachable", "Laptop": "complete"}
    assert data["totals"]["ok"] == 5 and not data["ok"]


def test_more_than_twenty_new_files_are_summarised_on_the_terminal(run, laptop) -> None:
    for i in range(25):
        (laptop / f"new-{i:02d}.txt").write_text(str(i))
    out = run("verify", "-j", "1").stdout
    assert out.count("  new  ") == 20 and "and 5 more new files" in out
    assert len(run.json("verify", "-j", "1")["locations"][0]["findings"]) == 25
