"""Long lists: the first rows in the report, all of them in a CSV beside it, safe in a spreadsheet."""

from __future__ import annotations

import csv
import json

import pytest

from preservation.report.csvout import safe_cell
from tests.report.conftest import FORMULA_NAME, Family


@pytest.mark.parametrize(("value", "expected"), [
    ("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("photo.jpg", "photo.jpg"), ("a=b", "a=b"), (None, ""), (12, "12"),
])
def test_safe_cell(value: object, expected: str) -> None:
    assert safe_cell(value) == expected


def _read(path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return list(csv.reader(fh))


@pytest.mark.slow
def test_cut_lists_are_written_in_full_and_defused(family: Family) -> None:
    out = family.out / "short.pdf"
    result = family.run("report", "--out", str(out), "--rows", "1", "--pairs", "1", expect=1)
    names = sorted(p.name for p in family.out.glob("short-*.csv"))
    assert names == ["short-at-risk.csv", "short-exact-copies.csv", "short-lookalikes.csv"]
    for name in names:
        assert f"Full list: {name}" in result.stdout
    at_risk = _read(family.out / "short-at-risk.csv")
    copies = json.loads(family.run("copies", "--json", expect=1).stdout)["summary"]
    assert len(at_risk) - 1 == copies["at_risk"] + copies["short"]
    exact = _read(family.out / "short-exact-copies.csv")
    assert exact[0] == ["sha256", "size", "copies", "location", "path"]
    paths = [row[4] for row in exact[1:]]
    assert "'" + FORMULA_NAME in paths  # a formula-like name stays text in a spreadsheet
    assert FORMULA_NAME not in paths
    lookalikes = _read(family.out / "short-lookalikes.csv")
    data = json.loads(family.run("report", "--json", "--rows", "1", "--pairs", "1", expect=1).stdout)
    assert data["sections"]["lookalikes"]["shown"] == 1
    total = data["sections"]["lookalikes"]["comparisons_total"]
    assert total >= 4 and len(lookalikes) - 1 == total  # every comparison, though the report drew one
    assert {row[1] for row in lookalikes[1:]} >= {"same-pixels", "derivative", "edited"}
    from tests.report.conftest import flat, pdf_text

    text = flat(pdf_text(out))
    assert "short-at-risk.csv" in text and "short-exact-copies.csv" in text


def test_no_csv_when_everything_is_shown(family: Family) -> None:
    family.run("report", "--out", str(family.out / "full.html"), "--audience", "staff", expect=1)
    assert not list(family.out.glob("full-*.csv"))
