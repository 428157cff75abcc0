"""Reports: the originals at risk, first in the look-alike part, most precious first."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import validate
from tests.report.conftest import Family

KINDS = ["edit-original", "burst-frame", "camera-metadata", "other"]


def test_originals_at_risk_are_ranked_by_what_would_be_lost(family: Family, staff_html: Path) -> None:
    data = json.loads(family.run("report", "--json", "--audience", "staff", expect=1).stdout)
    validate("report", data)
    risk = data["sections"]["lookalikes"]["at_risk"]
    rows = risk["rows"]
    assert rows and risk["total"] == len(rows)
    ranks = [KINDS.index(r["kind"]) for r in rows]
    assert ranks == sorted(ranks)  # an edit's original before the rest
    assert rows[0]["kind"] == "edit-original" and rows[0]["verdict"] == "edited"
    edits = [r for r in rows if r["kind"] == "edit-original"]
    # the originals, not the edits, are what is at risk
    assert {r["path"] for r in edits} == {"originals/p0.jpg", "originals/p1.jpg"}
    assert {r["merged_into"]["path"] for r in edits} <= {"shared/p0-exposure-up.jpg", "shared/p1-grey.jpg",
                                                          "shared/p1-tagged.jpg"}
    assert len({r["sha256"] for r in rows}) == len(rows)  # each file once, at its worst
    # every row is a pair some matcher merges and whose files nevertheless differ
    look = json.loads(family.run("lookalikes", "--json", "--platform-view").stdout)
    merged = {}
    for g in look["groups"]:
        for p in g["pairs"]:
            names = [r["matcher"] for r in p["platform_view"] if r["merges"]]
            if names and p["verdict"] != "identical":
                merged.setdefault(p["a"], []).append(p)
                merged.setdefault(p["b"], []).append(p)
    by_path = {(m["location"], m["relative_path"]): m["path"] for g in look["groups"] for m in g["members"]}
    for r in rows:
        assert r["matchers"] and r["verdict"] != "identical"
        assert by_path[(r["location"], r["path"])] in merged
        assert "a matcher would treat these as one photo, yet they differ" in r["sentence"]
    html = staff_html.read_text(encoding="utf-8")
    part = html[html.index("Originals at risk"):]
    assert "Group" in part and html.index("Originals at risk") < html.index("<h3>Group ")
