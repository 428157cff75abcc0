"""Decisions are respected everywhere: ``lookalikes`` and reports show who reviewed a pair and
the chosen authoritative copy (instead of the guessed likely original); a pair whose contents
change is asked again; evidence packages carry the decisions about their files."""

from __future__ import annotations

import json
from pathlib import Path

from preservation.catalog.engine import open_catalog
from preservation.evalset import camera_exif, encode
from preservation.provenance.decisions import FileRef, record_decision
from preservation.vocabulary import Decision
from tests.analyse.lookalikes.test_lookalikes_cli import scene
from tests.conftest import validate
from tests.review.conftest import WHEN


def _pair(group: dict, verdict: str) -> dict:
    return next(p for p in group["pairs"] if p["verdict"] == verdict)


def _member(group: dict, path: str) -> dict:
    return next(m for m in group["members"] if m["path"] == path)


def decide(catalog_path, files) -> dict:
    """Ana chooses the edit as the authoritative version and keeps the burst shot."""
    cat = open_catalog(catalog_path)
    try:
        from preservation.analyse.lookalikes import find_lookalikes

        (g,) = find_lookalikes(cat, jobs=1).groups
        edited = next(p for p in g.pairs if str(p.verdict) == "edited")
        burst = next(p for p in g.pairs if str(p.verdict) == "burst" and p.a.sha256 == edited.a.sha256)
        chosen = edited.b if edited.b.path == str(files["edit"]) else edited.a
        record_decision(cat, Decision.AUTHORITATIVE, [edited.a.sha256, edited.b.sha256], operator="Ana",
                        authoritative=FileRef(chosen.location, chosen.relative_path, chosen.sha256))
        record_decision(cat, Decision.KEEP_BOTH, [burst.a.sha256, burst.b.sha256], operator="Ana",
                        note="two shots")
        return {"guess": g.original.path, "burst": {burst.a.sha256, burst.b.sha256}}
    finally:
        cat.dispose()


def test_lookalikes_and_reports_show_the_decisions(run, catalog_path, collection, tmp_path: Path) -> None:
    before = run.json("lookalikes")
    validate("lookalikes", before)
    (g0,) = before["groups"]
    assert g0["authoritative"] is None and g0["undecided_pairs"] == len(g0["pairs"])
    assert all(p["decision"] is None for p in g0["pairs"])
    assert "pairs nobody has decided about yet: preservation review" in run("lookalikes").stdout

    facts = decide(catalog_path, collection)
    assert facts["guess"] != str(collection["edit"])  # the person chose otherwise than the guess

    data = run.json("lookalikes")
    validate("lookalikes", data)
    (g,) = data["groups"]
    assert g["authoritative"]["path"] == str(collection["edit"])
    assert g["authoritative"]["reviewed"].startswith("reviewed by Ana on ")
    edited = _pair(g, "edited")
    assert edited["decision"]["decision"] == "authoritative-copy"
    assert edited["decision"]["authoritative"]["path"] == "IMG_0001-edit.jpg"
    kept = [p for p in g["pairs"] if p["decision"] and p["decision"]["decision"] == "different-photos-keep-both"]
    assert len(kept) == 1 and kept[0]["decision"]["note"] == "two shots"
    assert g["undecided_pairs"] == len(g["pairs"]) - 2

    text = run("lookalikes").stdout
    assert "authoritative copy: " + str(collection["edit"]) + " (Laptop), reviewed by Ana on " in text
    assert "likely original:" not in text
    assert "decided: different photos: keep both, reviewed by Ana on" in text

    out = tmp_path / "report.json"
    run("report", "--out", str(out), "--audience", "staff", expect=None)
    report = json.loads(out.read_text())
    validate("report", report)
    section = report["sections"]["lookalikes"]
    (rg,) = section["groups"]
    assert rg["authoritative"] == {"location": "Laptop", "path": "IMG_0001-edit.jpg",
                                   "reviewed": g["authoritative"]["reviewed"]}
    decided = [c["decision"] for c in rg["comparisons"] if c["decision"]]
    assert {d["label"] for d in decided} == {"this copy is the authoritative version",
                                             "different photos: keep both"}
    html = tmp_path / "report.html"
    run("report", "--out", str(html), expect=None)
    page = html.read_text()
    assert "Authoritative copy</strong> (chosen by a person, reviewed by Ana on" in page
    assert "Likely original:" not in page


def test_a_pair_whose_contents_change_is_asked_again(run, catalog_path, collection) -> None:
    facts = decide(catalog_path, collection)
    # the edited file and the burst shot are saved again with other pixels
    first = scene("coffee.jpg", seed=1)
    h, w = first.shape[:2]
    first[h - 120:h - 60, 50:150] = first[40:100, w - 140:w - 40]
    exif = camera_exif(make="Apple", model="iPhone 12", when=WHEN, subsec="120")
    collection["edit"].write_bytes(encode(first, quality=93, exif=exif))
    collection["burst"].write_bytes(encode(scene("coffee.jpg", seed=3, shift=6), quality=93,
                                           exif=camera_exif(make="Apple", model="iPhone 12", when=WHEN,
                                                            subsec="770")))
    run("scan", "-q", "-j", "1", expect=None)
    data = run.json("lookalikes")
    (g,) = data["groups"]
    assert g["authoritative"] is None  # the chosen copy no longer holds the chosen bytes
    assert g["original"] == facts["guess"]  # back to the tool's guess, and it says it is a guess
    shas = {(_member(g, p["a"])["sha256"], _member(g, p["b"])["sha256"]) for p in g["pairs"]}
    assert not any(set(pair) == facts["burst"] for pair in shas)  # the kept pair is a new pair now
    assert all(p["decision"] is None for p in g["pairs"])  # so every pair is asked again
    assert "likely original:" in run("lookalikes").stdout
    # the decisions themselves stay in the log
    assert run.json("decisions")["count"] == 2


def test_evidence_packages_carry_the_decisions_about_their_files(run, catalog_path, collection,
                                                                  tmp_path: Path) -> None:
    decide(catalog_path, collection)
    out = tmp_path / "package"
    run("evidence", "create", "--out", str(out), "--file", str(collection["edit"]), expect=None)
    record = json.loads((out / "evidence" / "provenance.json").read_text())
    validate("evidence-provenance", record)
    decisions = record["decisions"]
    assert [d["decision"] for d in decisions] == ["authoritative-copy"]
    assert decisions[0]["operator"] == "Ana" and decisions[0]["current"] is True
    assert any(e["type"] == "appraisal" for e in record["events"])
    premis = (out / "evidence" / "premis.xml").read_text()
    assert "<eventType>appraisal</eventType>" in premis and ">Ana<" in premis
