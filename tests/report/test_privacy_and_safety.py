"""GPS coordinates only on request; never a write into a scanned location; the report is recorded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from preservation.report.lookalike_view import GPS_HIDDEN
from tests.conftest import snapshot
from tests.report.conftest import GPS_LAT, Family, flat, pdf_text


@pytest.mark.slow
def test_gps_is_not_printed_unless_asked(family: Family, tmp_path: Path) -> None:
    hidden_pdf, shown_pdf = tmp_path / "hidden.pdf", tmp_path / "shown.pdf"
    family.run("report", "--out", str(hidden_pdf), expect=1)
    family.run("report", "--out", str(shown_pdf), "--show-gps", expect=1)
    hidden, shown = flat(pdf_text(hidden_pdf)), flat(pdf_text(shown_pdf))
    assert GPS_LAT not in hidden and GPS_HIDDEN in hidden
    assert GPS_LAT in shown
    for extra in ((), ("--show-gps",)):
        data = json.loads(family.run("report", "--json", "--audience", "staff", *extra, expect=1).stdout)
        assert (GPS_LAT in json.dumps(data)) == bool(extra)
    html = tmp_path / "hidden.html"
    family.run("report", "--out", str(html), "--audience", "staff", expect=1)
    assert GPS_LAT not in html.read_text(encoding="utf-8")


def test_never_writes_into_a_scanned_location(family: Family) -> None:
    before = snapshot(family.roots["Laptop"])
    target = family.roots["Laptop"] / "originals" / "audit.pdf"
    err = family.run("report", "--out", str(target), expect=2)
    assert "inside the location 'Laptop'" in err.stderr
    assert snapshot(family.roots["Laptop"]) == before


def test_reports_leave_the_scanned_files_untouched(family: Family) -> None:
    before = {n: snapshot(r) for n, r in family.roots.items()}
    family.run("report", "--out", str(family.out / "untouched.html"), "--audience", "staff", expect=1)
    assert {n: snapshot(r) for n, r in family.roots.items()} == before


def test_the_report_records_itself_and_names_the_chain_head(family: Family, tmp_path: Path) -> None:
    from preservation.catalog.engine import open_catalog
    from preservation.catalog.events import newest_event

    catalog = open_catalog(family.run.catalog_path)
    try:
        with catalog.session() as s:
            head = newest_event(s)
        assert head is not None
        out = tmp_path / "recorded.json"
        family.run("report", "--out", str(out), "--operator", "Grace", expect=1)
        prov = json.loads(out.read_text())["sections"]["provenance"]
        assert prov["newest_event"]["hash"] == head.hash and prov["newest_event"]["seq"] == head.seq
        assert prov["operator"] == "Grace" and prov["chain"]["intact"]
        assert "report --out" in prov["command_line"] and "--operator Grace" in prov["command_line"]
        with catalog.session() as s:
            ev = newest_event(s)
        assert ev is not None and ev.seq == head.seq + 1
        assert ev.type == "creation" and ev.operator == "Grace" and ev.prev_hash == head.hash
        import hashlib

        output = ev.detail["outputs"][0]
        assert output["file"] == "recorded.json"
        assert output["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert ev.detail["newest_event_hash"] == head.hash
    finally:
        catalog.dispose()
    family.run("log", "verify")  # the chain is still intact
