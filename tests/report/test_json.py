"""The JSON is the same result model the pages are rendered from, and follows its schema."""

from __future__ import annotations

import json

from tests.conftest import validate
from tests.report.conftest import Family


def test_json_file_and_stdout_follow_the_schema(family: Family) -> None:
    out = family.out / "data.json"
    family.run("report", "--out", str(out), "--audience", "staff", expect=1)
    data = json.loads(out.read_text(encoding="utf-8"))
    validate("report", data)
    printed = json.loads(family.run("report", "--json", expect=1).stdout)
    validate("report", printed)
    assert printed["order"] == ["summary", "copies", "lookalikes", "fixity", "ndsa", "formats",
                                "provenance", "glossary"]


def test_json_numbers_match_the_catalog(family: Family) -> None:
    data = json.loads(family.run("report", "--json", "--audience", "staff", expect=1).stdout)
    s = data["sections"]
    assert s["summary"]["examined"]["files"] == family.files
    assert s["summary"]["examined"]["contents"] == family.contents
    copies = json.loads(family.run("copies", "--json", expect=1).stdout)["summary"]
    assert s["copies"]["summary"]["at_risk"] == copies["at_risk"]
    assert s["copies"]["summary"]["meets_3_2_1"] == copies["meets_3_2_1"] == 1
    status = json.loads(family.run("status", "--json", expect=1).stdout)
    assert [a["level"] for a in s["ndsa"]["areas"]] == [a["level"] for a in status["ndsa"]]
    assert s["fixity"]["problems"]["total"] == 1
    assert s["fixity"]["problems"]["rows"][0]["path"] == "changed.jpg"
    assert s["fixity"]["problems"]["rows"][0]["status"] == "changed"
    assert s["formats"]["mismatches"]["rows"] == [{"location": "Laptop", "path": "picture.jpg", "format": "png"}]
    lk = s["lookalikes"]
    verdicts = {c["b"]["places"][0]["path"]: c["verdict"] for g in lk["groups"] for c in g["comparisons"]
                if c["a_is_original"]}
    assert verdicts == {"shared/p0-exif-stripped.jpg": "same-pixels", "shared/p0-resize-50.jpg": "derivative",
                        "shared/p0-exposure-up.jpg": "edited", "shared/p1-grey.jpg": "edited",
                        "shared/p1-tagged.jpg": "same-pixels"}
    p0 = next(g for g in lk["groups"] if g["contents"] == 4)
    assert p0["original"]["places"][0] == {"location": "Laptop", "path": "originals/p0.jpg"}
    assert any("camera metadata kept" in r for r in p0["original_reasons"])
    stripped = next(c for c in p0["comparisons"] if c["verdict"] == "same-pixels")
    assert "capture date" in stripped["lost_in_b"] and "GPS location" in stripped["lost_in_b"]
    assert all(c["guidance"].startswith("Keep both") for g in lk["groups"] for c in g["comparisons"])
    # the evidence is cached by the analysis: a second report does not compare again
    again = json.loads(family.run("report", "--json", expect=1).stdout)["sections"]["lookalikes"]
    assert again["analysis"]["evidence_computed"] == 0
    assert again["analysis"]["evidence_from_cache"] == lk["comparisons_total"]
    exact = {tuple(sorted((p["location"], p["path"]) for p in r["places"])) for r in lk["exact"]["rows"]}
    assert (("Laptop", "originals/p0.jpg"), ("USB", "originals/p0.jpg"), ("Vault", "originals/p0.jpg")) in exact


def test_exit_codes(family: Family, tmp_path) -> None:
    out = family.run("report", "--json", expect=1)  # the collection has problems
    assert json.loads(out.stdout)["problems"] is True
    err = family.run("report", expect=2)
    assert "--out" in err.stderr
    err = family.run("report", "--out", str(tmp_path / "audit.docx"), expect=2)
    assert ".pdf, .html or .json" in err.stderr
    err = family.run("report", "--out", str(tmp_path / "nowhere" / "audit.pdf"), expect=2)
    assert "does not exist" in err.stderr
    err = family.run("report", "--json", "--location", "Attic", expect=2)
    assert "No location named 'Attic'" in err.stderr


def test_a_collection_without_problems_exits_zero(run, tmp_path) -> None:
    from tests.conftest import PHOTOS

    data = (PHOTOS / "rocket.jpg").read_bytes()
    for name, media, site in (("A", "ssd", "onsite"), ("B", "hdd", "onsite"), ("C", "cloud", "offsite")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "rocket.jpg").write_bytes(data)
        run("location", "add", name, str(tmp_path / name), "--media", media, "--site", site)
    run("scan", "-q")
    run("verify", "-q")
    (tmp_path / "out").mkdir()
    out = tmp_path / "out" / "ok.json"
    run("report", "--out", str(out), expect=0)
    data = json.loads(out.read_text())
    validate("report", data)
    assert data["problems"] is False
    assert data["sections"]["lookalikes"]["groups"] == []
    assert data["sections"]["copies"]["summary"]["meets_3_2_1"] == 1


def test_an_empty_catalog_still_makes_a_report(run, catalog, tmp_path) -> None:
    out = tmp_path / "empty.pdf"
    run("report", "--out", str(out), expect=None)
    assert out.stat().st_size > 1000
    data = json.loads(run("report", "--json", expect=None).stdout)
    validate("report", data)
    assert data["sections"]["summary"]["examined"]["files"] == 0
