from __future__ import annotations

import itertools
import threading
import time

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event, event_record, iter_events
from preservation.catalog.models import Event
from preservation.provenance.chain import GENESIS, verify_records
from tests.postgres.database import backend, drop_append_only, engine_for, scalar, sql


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


def test_database_refuses_updates_and_deletes_of_events(catalog: Catalog, catalog_path: str) -> None:
    _append(catalog, 2)
    refused = ["update events set outcome='failure' where seq=1", "delete from events where seq=2",
               "delete from event_objects", "update event_objects set object='x'"]
    if backend(catalog_path) == "postgresql":
        refused += ["truncate events cascade", "truncate event_objects"]
    eng = engine_for(catalog_path)
    try:
        for stmt in refused:
            with pytest.raises(DBAPIError, match="append-only"), eng.begin() as conn:
                conn.execute(text(stmt))
    finally:
        eng.dispose()
    recs = _records(catalog)
    assert [r["outcome"] for r in recs] == ["success", "success"]
    assert scalar(catalog_path, "select count(*) from event_objects") == 2
    assert verify_records(recs) == (2, None)


def test_tampering_is_detected_at_the_first_broken_link(catalog: Catalog, catalog_path: str) -> None:
    _append(catalog, 4)
    # an attacker with the owner's rights removes the triggers first
    sql(catalog_path, *drop_append_only(catalog_path), """update events set detail='{"i": 99}' where seq=3""")
    _count, brk = verify_records(_records(catalog))
    assert brk is not None and brk.seq == 3 and "altered" in brk.reason


def test_removed_event_is_detected(catalog: Catalog, catalog_path: str) -> None:
    _append(catalog, 4)
    sql(catalog_path, *drop_append_only(catalog_path),
        "delete from event_objects where event_id=(select id from events where seq=2)",
        "delete from events where seq=2")
    _, brk = verify_records(_records(catalog))
    assert brk is not None and brk.seq == 3


def test_two_writers_never_fork_the_chain(catalog: Catalog, catalog_path: str) -> None:
    """SQLite: we read the tail, another writer appends, then we insert: our seq collides, we
    retry. PostgreSQL: the other writer cannot append between our read and our insert: it
    waits for the chain's lock until we commit, then appends after us."""
    from sqlalchemy import event as sa_event

    from preservation.catalog.engine import open_catalog

    postgres = backend(catalog_path) == "postgresql"
    other = open_catalog(catalog_path)
    waiting: list[threading.Thread] = []
    try:
        _append(catalog, 1)
        calls = {"attempts": 0}

        def someone_else() -> None:
            other.transact(lambda s2: append_event(s2, "fixity check", "success"))

        def racing(s: Session) -> None:
            calls["attempts"] += 1
            if calls["attempts"] == 1:
                @sa_event.listens_for(s, "before_flush", once=True)
                def _someone_else(*_a: object) -> None:
                    if not postgres:
                        someone_else()
                        return
                    t = threading.Thread(target=someone_else)
                    t.start()
                    waiting.append(t)
                    deadline = time.monotonic() + 60
                    while not scalar(catalog_path, "select count(*) from pg_locks "
                                     "where locktype = 'advisory' and not granted"):
                        assert time.monotonic() < deadline, "the other writer never waited"
                        time.sleep(0.02)
            append_event(s, "ingestion", "success")

        catalog.transact(racing)
        for t in waiting:
            t.join(timeout=60)
        recs = _records(catalog)
        assert [r["seq"] for r in recs] == [1, 2, 3]
        if postgres:
            assert calls["attempts"] == 1  # nothing to retry: the other writer waited
            assert [r["type"] for r in recs] == ["fixity check", "ingestion", "fixity check"]
        else:
            assert calls["attempts"] == 2  # the first attempt really lost the race
            assert [r["type"] for r in recs] == ["fixity check", "fixity check", "ingestion"]
        assert verify_records(recs)[1] is None
        with catalog.session() as s:
            assert len(s.scalars(select(Event)).all()) == 3
    finally:
        other.dispose()


def test_writers_in_parallel_make_one_chain(catalog_path: str) -> None:
    """Three writers, each with its own connection pool, append at once: every append that
    lost the race for the next ``seq`` is retried, none is lost, the chain never forks."""
    from preservation.catalog.engine import open_catalog

    catalogs = [open_catalog(catalog_path) for _ in range(3)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(catalogs))

    def write(c: Catalog, who: int) -> None:
        try:
            start.wait()
            for i in range(10):
                c.transact(lambda s, i=i: append_event(s, "fixity check", "success",
                                                       detail={"writer": who, "i": i}))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(c, n)) for n, c in enumerate(catalogs)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for c in catalogs:
            c.dispose()
    assert errors == []
    from preservation.catalog.engine import open_catalog as reopen

    c = reopen(catalog_path)
    try:
        recs = _records(c)
    finally:
        c.dispose()
    assert [r["seq"] for r in recs] == list(range(1, 31))
    assert sorted((r["detail"]["writer"], r["detail"]["i"]) for r in recs) == [
        (w, i) for w in range(3) for i in range(10)]
    assert verify_records(recs) == (30, None)


def test_a_long_operator_name_is_recorded_as_hashed(catalog: Catalog) -> None:
    """events.operator holds 200 characters: the name is cut before hashing, so the stored
    event still verifies (on PostgreSQL a longer value would be refused outright)."""
    catalog.transact(lambda s: append_event(s, "ingestion", "success", operator="Ø" * 250))
    recs = _records(catalog)
    assert recs[0]["operator"] == "Ø" * 200
    assert verify_records(recs) == (1, None)
