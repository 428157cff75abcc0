"""The evidence cache table (migration 0003_lookalikes) and its queries."""

from __future__ import annotations

from preservation.catalog import lookalikestore as store
from preservation.catalog.engine import Catalog, table_names
from preservation.catalog.migrate import current_revision, head_revision


def test_migration_creates_the_cache(catalog: Catalog) -> None:
    assert "lookalike_evidence" in table_names(catalog.engine)
    assert current_revision(catalog.engine) == head_revision()


def test_cache_round_trip_in_either_order(catalog: Catalog) -> None:
    a, b = "a" * 64, "b" * 64
    ev = {"version": 1, "bytes_equal": False}
    catalog.transact(lambda s: store.store_evidence(s, [store.EvidenceRow(a, b, 1, "edited", ev)]))
    catalog.transact(lambda s: store.store_evidence(s, [store.EvidenceRow(a, b, 1, "edited", ev)]))  # no duplicate
    with catalog.session() as s:
        assert store.cached_evidence(s, [(a, b)], 1) == {(a, b): ev}
        assert store.cached_evidence(s, [(b, a)], 1) == {(a, b): ev}  # found, keyed as stored
        assert store.cached_evidence(s, [(a, b)], 2) == {}  # another evidence version
        assert s.query(store.LookalikeEvidence).count() == 1
