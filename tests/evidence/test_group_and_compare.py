"""``evidence create --group`` (a look-alike group) and ``--from-compare`` (a loss audit)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bagit
import pytest
from pypdf import PdfReader

from tests.analyse.lossaudit import Trees, build
from tests.conftest import Run, validate
from tests.evidence.conftest import Family
from tests.evidence.test_create import pdf_text


def test_a_lookalike_group_is_packaged_once_per_distinct_file(family: Family) -> None:
    groups = family.run.json("lookalikes", "-j", "1")["groups"]
    group = next(g for g in groups if any(m["path"] == str(family.files["first"]) for m in g["members"]))
    out = family.base / "ccpa-case"
    made = family.run.json("evidence", "create", "--out", str(out), "--group", group["key"], "--letter", "ccpa",
                           "--paper", "a4", "-j", "1")
    validate("evidence-create", made)
    assert made["mode"] == "group" and f"look-alike group {group['id']}" in made["what"]
    # three files in the group, two of them the same bytes: two distinct files packaged
    assert len(group["members"]) == 3
    assert sorted(f["sha256"] for f in made["files"]) == sorted({m["sha256"] for m in group["members"]})
    assert [c["verdict"] for c in made["comparisons"]] == ["burst"]  # the exact copy is not compared
    record = json.loads((out / "evidence" / "provenance.json").read_text())
    assert [o["also_at"] for o in record["objects"] if o["also_at"]] == [["Laptop: 2022/IMG_4410.jpg"]]
    assert record["selection"]["source"]["group"] == group["id"]
    bagit.Bag(str(out)).validate(processes=1)
    letter = (out / "letter" / "letter.txt").read_text()
    assert "Office of the Attorney General" in letter and "NOT LEGAL ADVICE" in letter
    assert "Another shot moments apart" in letter
    page = PdfReader(out / "evidence" / "report.pdf").pages[0]
    assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)  # A4
    assert family.snapshot() == family.before


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[Trees, Run, Path, dict[str, Any]]:
    base = tmp_path_factory.mktemp("loss")
    trees = build(base)
    run = Run(base / "catalog.sqlite")
    compare = run.json("compare", str(trees.reference), str(trees.other), "--jobs", "1", expect=1)
    saved = base / "compare.json"
    saved.write_text(json.dumps(compare))
    made = run.json("evidence", "create", "--out", str(base / "lost"), "--from-compare", str(saved),
                    "--letter", "ccpa", "-j", "1")
    return trees, run, saved, made


def test_from_compare_packages_the_gone_originals_with_what_the_platform_kept(audit: Any) -> None:
    trees, _run, saved, made = audit
    validate("evidence-create", made)
    compare = json.loads(saved.read_text())
    gone = {e["relative_path"]: e for e in compare["entries"] if e["status"] in ("lookalike-only", "missing")}
    assert sorted(gone) == ["2019/IMG_0005.jpg", "2019/IMG_0007.jpg", "2019/IMG_0009.jpg", "2019/notes.txt"]
    originals = {f["path"]: f for f in made["files"] if f["role"] == "original"}
    platform = {f["path"]: f for f in made["files"] if f["role"] == "platform"}
    assert sorted(originals) == sorted(gone)
    assert sorted(platform) == sorted(e["other_relative_path"] for e in gone.values() if e["other_path"])
    for rel, f in originals.items():
        assert f["sha256"] == gone[rel]["sha256"]
        assert f["bag_path"] == f"data/originals/Backup drive/{rel}"
    losses = {x["original"]: x for x in made["losses"]}
    burst = losses["data/originals/Backup drive/2019/IMG_0005.jpg"]
    assert burst["status"] == "lookalike-only"
    assert burst["counterpart"] == "data/platform/Takeout/Google Photos/Photos from 2019/b81d07aa.jpg"
    assert losses["data/originals/Backup drive/2019/IMG_0009.jpg"] == {
        "original": "data/originals/Backup drive/2019/IMG_0009.jpg", "status": "missing", "counterpart": None}
    # the loss audit's verdicts and sentences stand (they use the sidecar's capture time)
    by_pair = {(c["a"], c["b"]): c for c in made["comparisons"]}
    for e in gone.values():
        if e["other_path"]:
            c = by_pair[(f"data/originals/Backup drive/{e['relative_path']}",
                         f"data/platform/Takeout/{e['other_relative_path']}")]
            assert (c["verdict"], c["explanation"], c["origin"]) == (e["verdict"], e["explanation"], "loss audit")
            assert c["difference_picture"]
    bag = Path(made["path"])
    bagit.Bag(str(bag)).validate(processes=1)
    assert (bag / "data" / "originals" / "Backup drive" / "2019" / "notes.txt").read_bytes() == \
        (trees.reference / "2019" / "notes.txt").read_bytes()


def test_from_compare_letter_and_report_state_what_the_platform_holds(audit: Any) -> None:
    _trees, _run, _saved, made = audit
    bag = Path(made["path"])
    letter = (bag / "letter" / "letter.txt").read_text()
    assert "4 of my files that are in my own copy (Backup drive) are not in Takeout" in letter
    assert "What Takeout holds instead: Google Photos/Photos from 2019/b81d07aa.jpg (named IMG_0006.jpg)" in letter
    assert "In Takeout: Nothing in Takeout has the same bytes or looks like it." in letter
    assert "In Takeout: No identical copy in Takeout. This file is not a picture" in letter
    ours = {f["path"]: f for f in made["files"]}
    assert ours["2019/IMG_0005.jpg"]["sha256"] in letter
    report = pdf_text(bag / "evidence" / "report.pdf")
    assert "gone from Takeout" in report and "Originals with nothing like them on the platform" in report
    assert "b81d07aa.jpg" in report and "Another shot moments apart" in report


def test_a_comparison_older_than_the_catalog_is_refused(audit: Any, tmp_path: Path) -> None:
    _trees, run, saved, _made = audit
    data = json.loads(saved.read_text())
    entry = next(e for e in data["entries"] if e["relative_path"] == "2019/IMG_0009.jpg")
    entry["sha256"] = "f" * 64
    stale = tmp_path / "stale.json"
    stale.write_text(json.dumps(data))
    res = run("evidence", "create", "--out", str(tmp_path / "x"), "--from-compare", str(stale), expect=2)
    assert "2019/IMG_0009.jpg has changed since the comparison was made" in res.stderr
    assert not (tmp_path / "x").exists()
