"""``preservation compare``: the loss audit through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preservation.errors import exit_code
from tests.analyse.lossaudit import Trees, build
from tests.conftest import Run, snapshot, validate


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    return build(tmp_path_factory.mktemp("lossaudit-cli"))


@pytest.mark.slow
def test_json_by_folder_names_every_status_and_exits_1(run: Run, trees: Trees) -> None:
    before = snapshot(trees.reference.parent)
    data = run.json("compare", str(trees.reference), str(trees.other), "--jobs", "1", expect=1)
    validate("compare", data)
    assert snapshot(trees.reference.parent) == before
    assert data["reference"]["name"] == "Backup drive" and data["other"]["name"] == "Takeout"
    assert data["registered"] == ["Backup drive", "Takeout"]
    assert data["summary"]["counts"] == {"present": 3, "same-picture": 3, "lookalike-only": 2,
                                         "missing": 2, "unreadable": 0}
    assert data["summary"]["headline"] == ("4 originals are gone from the platform; for 2 of them the "
                                           "platform kept a different burst frame or edit.")
    got = {e["relative_path"]: (e["status"], e["other_relative_path"], e["verdict"]) for e in data["entries"]}
    assert got == {k: (v.status, v.other, v.verdict) for k, v in trees.expect.items()}
    for e in data["entries"]:
        assert e["path"] == str(trees.reference / e["relative_path"])
        assert e["sha256"] and len(e["sha256"]) == 64
        assert (e["other_path"] is None) == (e["status"] == "missing")
    assert [o["relative_path"] for o in data["other_only"]] == list(trees.other_only)
    assert data["ok"] is False


def test_terminal_table_and_summary(run: Run, trees: Trees, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "220")  # one table row per line
    out = run("compare", str(trees.reference), str(trees.other), "--jobs", "1", expect=1).stdout
    assert "4 originals are gone from the platform; for 2 of them the platform kept a different burst " \
           "frame or edit." in out
    for status in ("missing", "lookalike-only", "same-picture"):
        assert status in out
    assert "IMG_0009.jpg" in out and "b81d07aa.jpg" in out and "(was IMG_0003.jpg)" in out
    assert "Only in Takeout" in out and "IMG_0100.jpg" in out
    assert "IMG_0001.jpg.json" not in out  # sidecars are not photos the reference lacks
    assert "3 files present as identical copies not listed" in out
    # by location name the second time (already scanned: nothing is scanned again); --all lists all
    again = run("compare", "Backup drive", "Takeout", "--jobs", "1", "--all", expect=1).stdout
    assert "present" in again and "PXL_20190621_090000000.jpg" in again
    rows = [line for line in again.splitlines() if " 2019/" in line and line.startswith((
        "present", "same-picture", "lookalike-only", "missing"))]
    assert len(rows) == 10
    assert "Registered new location" not in again


def test_the_json_file_can_be_saved_and_loaded_for_reports(run: Run, trees: Trees, tmp_path: Path) -> None:
    from preservation.analyse.compare import load_json

    result = run("compare", str(trees.reference), str(trees.other), "--jobs", "1", "--json", expect=1)
    path = tmp_path / "compare.json"
    path.write_text(result.stdout)
    loaded = load_json(path)
    assert loaded.to_json() == json.loads(result.stdout)
    assert loaded.gone == 4 and exit_code(loaded) == 1


def test_everything_kept_exits_0(run: Run, tmp_path: Path, photos: list[Path]) -> None:
    a, b = tmp_path / "mine", tmp_path / "export"
    a.mkdir()
    b.mkdir()
    for i, p in enumerate(photos[:2]):
        (a / f"IMG_{i}.jpg").write_bytes(p.read_bytes())
        (b / f"IMG_{i}.jpg").write_bytes(p.read_bytes())
    data = run.json("compare", str(a), str(b), "--jobs", "1", expect=0)
    validate("compare", data)
    assert data["ok"] is True and data["summary"]["counts"]["present"] == 2
    out = run("compare", "mine", "export", "--jobs", "1", expect=0).stdout
    assert "All 2 files in mine are still on the platform" in out


def test_errors_exit_2(run: Run, tmp_path: Path) -> None:
    a = tmp_path / "a"
    a.mkdir()
    r = run("compare", "Nowhere", str(a), expect=2)
    assert "No location named 'Nowhere'" in r.stderr
    r = run("compare", str(a), str(a), "--jobs", "1", expect=2)
    assert "same location" in r.stderr
    r = run("compare", str(a), str(a), "--threshold", "40", expect=2)
