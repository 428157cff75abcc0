"""The one measuring road (cache → measure → judge → store), for every feature that compares pairs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from sqlalchemy import select

from preservation.analyse.lookalikes import EVIDENCE_VERSION
from preservation.analyse.lookalikes.measure import PairToMeasure, measure_pairs
from preservation.catalog import lookalikestore as store
from preservation.catalog.engine import Catalog
from preservation.catalog.models import File
from preservation.evalset import encode
from preservation.vocabulary import Verdict
from tests.conftest import PHOTOS, Run


def _two_pictures(run: Run, root: Path) -> tuple[Path, Path]:
    root.mkdir()
    arr = np.asarray(Image.open(PHOTOS / "coffee.jpg").convert("RGB").resize((400, 300)))
    a, b = root / "a.jpg", root / "b.jpg"
    a.write_bytes(encode(arr, quality=95))
    b.write_bytes(encode(arr, quality=70))
    run("scan", str(root))
    return a, b


def _infos(catalog: Catalog) -> dict[str, store.ContentInfo]:
    with catalog.session() as s:
        names = dict(s.execute(select(File.content_id, File.path)).all())
        infos = store.contents(s, sorted(names))
    return {names[c]: info for c, info in infos.items()}


def test_measured_once_then_found_in_the_cache_either_way(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    a_path, b_path = _two_pictures(run, tmp_path / "pics")
    infos = _infos(catalog)
    a, b = infos["a.jpg"], infos["b.jpg"]
    ask = PairToMeasure("ab", a, b, [bytes(a_path)], [bytes(b_path)])
    first = measure_pairs(catalog, [ask], jobs=1)
    assert [(m.key, m.cached, m.complete, m.swapped) for m in first] == [("ab", False, True, False)]
    assert first[0].result.verdict == Verdict.DERIVATIVE
    with catalog.session() as s:
        assert set(store.cached_evidence(s, [(a.sha256, b.sha256)], EVIDENCE_VERSION)) == {(a.sha256, b.sha256)}
    again = measure_pairs(catalog, [ask], jobs=1)
    assert (again[0].cached, again[0].swapped, again[0].evidence) == (True, False, first[0].evidence)
    # the other way round: found under the reversed key, and said so
    back = measure_pairs(catalog, [PairToMeasure("ba", b, a, [bytes(b_path)], [bytes(a_path)])], jobs=1)
    assert (back[0].key, back[0].cached, back[0].swapped) == ("ba", True, True)
    # ... unless the caller's order is fixed: then it is measured (and cached) in that order
    fixed = measure_pairs(catalog, [PairToMeasure("ba", b, a, [bytes(b_path)], [bytes(a_path)],
                                                  either_way=False)], jobs=1)
    assert (fixed[0].cached, fixed[0].swapped) == (False, False)
    with catalog.session() as s:
        assert s.query(store.LookalikeEvidence).count() == 2


def test_a_pair_that_cannot_be_read_is_not_cached(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    _a_path, b_path = _two_pictures(run, tmp_path / "pics")
    infos = _infos(catalog)
    gone = bytes(tmp_path / "gone.jpg")
    out = measure_pairs(catalog, [PairToMeasure(1, infos["a.jpg"], infos["b.jpg"], [gone], [bytes(b_path)])],
                        jobs=1)
    assert (out[0].cached, out[0].complete, out[0].not_compared) == (False, False, True)
    assert out[0].result.evidence.problem
    with catalog.session() as s:
        assert s.query(store.LookalikeEvidence).count() == 0
    assert not measure_pairs(catalog, [], jobs=1)


def test_without_the_cache_nothing_is_read_or_stored(run: Run, catalog: Catalog, tmp_path: Path) -> None:
    a_path, b_path = _two_pictures(run, tmp_path / "pics")
    infos = _infos(catalog)
    ask = PairToMeasure(0, infos["a.jpg"], infos["b.jpg"], [bytes(a_path)], [bytes(b_path)])
    seen: list[tuple[int, int]] = []
    out = measure_pairs(catalog, [ask, ask], jobs=1, use_cache=False, progress=lambda d, t: seen.append((d, t)))
    assert [m.cached for m in out] == [False, False] and seen == [(1, 2), (2, 2)]
    with catalog.session() as s:
        assert s.query(store.LookalikeEvidence).count() == 0
