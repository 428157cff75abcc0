from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event, event_record, iter_events
from preservation.catalog.models import Event
from preservation.provenance.chain import GENESIS, verify_records


def _append(catalog: Catalog, n: int) -> None:
    for i in range(n):
        catalog.transact(lambda s, i=i: append_event(
            s, "fixity check", "success", detail={"i": i, "name": "ünïcödé ✓", "x": 0.1},
            objects=[f"sha256:{i:064x}"], operator="tester"))


def _records(catalog: Catalog) -> list[dict]:
    with catalog.session() as s:
        return [event_record(e) for e in iter_events(s)]


def test_chain_links_each_event_to_the_previous(catalog: Catalog) -> None:
    _append(catalog, 5)
    recs = _records(catalog)
    assert [r["seq"] for r in recs] == [1, 2, 3, 4, 5]
    assert recs[0]["prev_hash"] == GENESIS
    assert all(b["prev_hash"] == a["hash"] for a, b in itertools.pairwise(recs))
    assert verify_records(recs) == (5, None)


def test_database_refuses_updates_and_deletes_of_events(catalog: Catalog, catalog_path: Path) -> None:
    _append(catalog, 2)
    con = sqlite3.connect(catalog_path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("update events set outcome='failure' where seq=1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from events where seq=2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        con.execute("delete from event_objects")
    con.close()


def test_tampering_is_detected_at_the_first_broken_link(catalog: Catalog, catalog_path: Path) -> None:
    _append(catalog, 4)
    con = sqlite3.connect(catalog_path)
    con.execute("drop trigger events_no_update")  # an attacker with file access
    con.execute("update events set detail='{\"i\": 99}' where seq=3")
    con.commit()
    con.close()
    _count, brk = verify_records(_records(catalog))
    assert brk is not None and brk.seq == 3 and "altered" in brk.reason


def test_removed_event_is_detected(catalog: Catalog, catalog_path: Path) -> None:
    _append(catalog, 4)
    con = sqlite3.connect(catalog_path)
    con.execute("drop trigger events_no_delete")
    con.execute("drop trigger event_objects_no_delete")
    con.execute("delete from event_objects where event_id=(select id from events where seq=2)")
    con.execute("delete from events where seq=2")
    con.commit()
    con.close()
    _, brk = verify_records(_records(catalog))
    assert brk is not None and brk.seq == 3


def test_two_writers_never_fork_the_chain(catalog: Catalog, catalog_path: Path) -> None:
    """We read the tail, another writer appends, then we insert: our seq collides, we retry."""
    from sqlalchemy import event as sa_event

    from preservation.catalog.engine import open_catalog

    other = open_catalog(catalog_path)
    try:
        _append(catalog, 1)
        calls = {"attempts": 0}

        def racing(s: Session) -> None:
            calls["attempts"] += 1
            if calls["attempts"] == 1:
                @sa_event.listens_for(s, "before_flush", once=True)
                def _someone_else(*_a: object) -> None:
                    other.transact(lambda s2: append_event(s2, "fixity check", "success"))
            append_event(s, "ingestion", "success")

        catalog.transact(racing)
        assert calls["attempts"] == 2  # the first attempt really lost the race
        recs = _records(catalog)
        assert [r["seq"] for r in recs] == [1, 2, 3]
        assert [r["type"] for r in recs] == ["fixity check", "fixity check", "ingestion"]
        assert verify_records(recs)[1] is None
        with catalog.session() as s:
            assert len(s.scalars(select(Event)).all()) == 3
    finally:
        other.dispose()
