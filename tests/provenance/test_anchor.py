"""Anchors: a log cut short at its end, or rewritten with every later hash recomputed, is a
valid chain; checked against an earlier anchor it is found out (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from preservation.catalog.models import Event
from preservation.provenance.chain import event_hash, normalise_json
from tests.conftest import validate
from tests.postgres.database import engine_for, scalar
from tests.provenance.test_log import scanned, tamper

__all__ = ["scanned"]


def rewrite_from(catalog_path: str, seq: int) -> None:
    """A forger's edit: event ``seq``'s detail changed, and every hash from it on recomputed
    (with preservation's own ``event_hash``), so that the chain verifies again."""
    tamper(catalog_path)  # drop the append-only triggers
    eng = engine_for(catalog_path)
    try:
        with Session(eng) as s, s.begin():
            prev = s.scalars(select(Event.hash).where(Event.seq == seq - 1)).one()
            for ev in s.scalars(select(Event).where(Event.seq >= seq).order_by(Event.seq)).all():
                detail = normalise_json({**ev.detail, "forged": True}) if ev.seq == seq else ev.detail
                rec = {"seq": ev.seq, "time": ev.time, "type": ev.type, "agent": ev.agent,
                       "operator": ev.operator, "outcome": ev.outcome, "detail": detail,
                       "objects": ev.objects, "prev_hash": prev}
                prev = event_hash(rec)
                s.execute(update(Event).where(Event.id == ev.id).values(
                    detail=detail, prev_hash=rec["prev_hash"], hash=prev))
    finally:
        eng.dispose()


def cut_from(catalog_path: str, seq: int) -> None:
    """The issue's deletion: the triggers dropped, every event from ``seq`` on deleted."""
    tamper(catalog_path,
           f"delete from event_objects where event_id in (select id from events where seq >= {seq})",
           f"delete from events where seq >= {seq}")


def test_reports_exports_and_bags_write_an_anchor_the_log_holds(run, scanned, catalog_path, tmp_path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    res = run("report", "--out", str(out / "audit.html"), expect=None)
    assert res.exit_code in (0, 1)
    run("export", "--format", "json", "-o", str(out / "catalog.json"))
    run("export", "--format", "sha256sum", "-o", str(out / "Laptop.sha256"))
    made = run("evidence", "create", "--out", str(out / "bag"), "--file",
               str(scanned / "2024" / "summer" / "IMG_0000.jpg"))
    anchors = {p.name: json.loads(p.read_text()) for p in out.glob("*.anchor.json")}
    assert sorted(anchors) == ["Laptop.sha256.anchor.json", "audit.html.anchor.json", "bag.anchor.json",
                               "catalog.json.anchor.json"]
    assert "log verify --anchor" in made.stdout and str(out / "audit.html.anchor.json") in res.stdout
    export = json.loads((out / "catalog.json").read_text())
    # the export names the head it was made at, and so does its anchor
    assert anchors["catalog.json.anchor.json"]["seq"] == export["chain"]["newest"]["seq"]
    assert anchors["catalog.json.anchor.json"]["hash"] == export["chain"]["newest"]["hash"]
    assert anchors["bag.anchor.json"]["seq"] == scalar(catalog_path, "select max(seq) from events")
    for name in anchors:
        r = run("log", "verify", "--anchor", str(out / name))
        assert "held, event #" in r.stdout
    data = run.json("log", "verify", *[a for n in anchors for a in ("--anchor", str(out / n))])
    validate("log-verify", data)
    assert data["intact"] and len(data["anchors"]) == 4 and all(a["ok"] for a in data["anchors"])


def test_a_tail_deleted_after_an_anchor_is_found(run, scanned, catalog_path, tmp_path) -> None:
    run("export", "--format", "json", "-o", str(tmp_path / "e.json"))
    anchor = tmp_path / "e.json.anchor.json"
    head = json.loads(anchor.read_text())
    run("scan", "-q", "-j", "1")  # more events after the anchor
    cut_from(catalog_path, head["seq"] - 1)
    plain = run("log", "verify")  # the shortened log is a valid chain: this cannot see it
    assert "Event log intact" in plain.stdout
    res = run("log", "verify", "--anchor", str(anchor), expect=1)
    assert "NOT HELD" in res.stdout and "events were removed from its end" in res.stdout
    data = run.json("log", "verify", "--anchor", str(anchor), expect=1)
    validate("log-verify", data)
    assert data["intact"] and not data["anchors"][0]["ok"]
    assert "no event in the log has this hash" in run("log", "verify", "--expect", head["hash"], expect=1).stdout


def test_a_log_rewritten_with_every_hash_recomputed_is_found(run, scanned, catalog_path, tmp_path) -> None:
    run("report", "--out", str(tmp_path / "audit.html"), expect=None)
    anchor = tmp_path / "audit.html.anchor.json"
    head = json.loads(anchor.read_text())
    rewrite_from(catalog_path, 2)
    assert "Event log intact" in run("log", "verify").stdout  # every link recomputed: valid
    res = run("log", "verify", "--anchor", str(anchor), expect=1)
    assert f"event #{head['seq']} now has another hash" in res.stdout and "rewritten" in res.stdout
    run("log", "verify", "--expect", f"{head['seq']}:{head['hash']}", expect=1)
    run("log", "verify", "--expect", head["hash"], expect=1)
    # and the rewritten log's own head is what it now holds
    new_head = run.json("log", "verify")["newest"]
    run("log", "verify", "--expect", new_head["hash"])


def test_an_untouched_log_holds_an_anchor_made_before_later_events(run, scanned, tmp_path) -> None:
    run("export", "--format", "sha256sum", "-o", str(tmp_path / "m.sha256"))
    run("scan", "-q", "-j", "1")
    run("verify", "-j", "1")
    run("log", "verify", "--anchor", str(tmp_path / "m.sha256.anchor.json"))


def test_a_file_that_is_not_an_anchor_is_refused(run, scanned, tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text('{"seq": 1}')
    assert "not an anchor file" in run("log", "verify", "--anchor", str(bad), expect=2).stderr
    assert "--expect takes an event hash" in run("log", "verify", "--expect", "abc", expect=2).stderr
