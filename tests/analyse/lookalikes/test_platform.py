"""The platform view: which published matchers would merge a pair, the distances, the verdict."""

from __future__ import annotations

from preservation.analyse.lookalikes.platform import (
    MATCHERS,
    StoredHash,
    matcher_results,
    platform_view,
    sentence,
)
from preservation.catalog.engine import open_catalog
from tests.conftest import validate

from .test_lookalikes_cli import by_path, collection, pair_of, scanned  # noqa: F401

PDQ = next(m for m in MATCHERS if m.name == "pdq")


def pdq(value: int, quality: int = 100, variants: tuple[str, ...] | None = None) -> StoredHash:
    return StoredHash(f"{value:064x}", 256, quality, variants)


def test_thresholds_are_the_published_ones_with_their_sources() -> None:
    assert (PDQ.threshold, PDQ.min_quality, PDQ.bits) == (31, 50, 256)
    assert "ThreatExchange" in PDQ.source and "<=31" in PDQ.source
    for m in MATCHERS:
        assert m.source and m.label and m.used_by
    assert {m.name: m.threshold for m in MATCHERS if m.bits == 64} == {"phash": 10, "dhash": 10}


def test_pdq_merges_at_31_not_at_32_and_never_below_quality_50() -> None:
    at31 = matcher_results({"pdq": pdq(0)}, {"pdq": pdq((1 << 31) - 1)}, [PDQ])[0]
    at32 = matcher_results({"pdq": pdq(0)}, {"pdq": pdq((1 << 32) - 1)}, [PDQ])[0]
    assert (at31.distance, at31.merges) == (31, True)
    assert (at32.distance, at32.merges) == (32, False)
    flat = matcher_results({"pdq": pdq(0, quality=49)}, {"pdq": pdq(1)}, [PDQ])[0]
    assert flat.distance == 1 and not flat.merges and "quality 49" in flat.reason
    missing = matcher_results({}, {"pdq": pdq(1)}, [PDQ])[0]
    assert missing.distance is None and not missing.merges and "--rehash" in missing.reason


def test_a_mirrored_copy_merges_through_the_dihedral_hashes() -> None:
    far = (1 << 200) - 1  # 200 bits away as it is
    variants = tuple(f"{1 << k:064x}" for k in range(8))
    r = matcher_results({"pdq": pdq(0, variants=variants)}, {"pdq": pdq(far)}, [PDQ])[0]
    assert r.distance == 200 and not r.merges  # as it is: kept apart
    mirrored = tuple(f"{v:064x}" for v in (0, 1 << 255, 1, 2, 4, far ^ 3, 8, 16))
    r = matcher_results({"pdq": pdq(0, variants=mirrored)}, {"pdq": pdq(far)}, [PDQ])[0]
    assert r.merges and r.turned_as == "flip-left-right" and r.turned_distance == 2


def test_sentence_in_plain_words() -> None:
    rs = matcher_results({"pdq": pdq(0)}, {"pdq": pdq((1 << 14) - 1)}, [PDQ])
    assert sentence(rs, "Taken 1.0 s apart, a different exposure.") == (
        "PDQ distance 14 of 256 (match threshold 31, Meta's published recommendation): a matcher "
        "would treat these as one photo, yet they differ: taken 1.0 s apart, a different exposure.")
    kept = matcher_results({"pdq": pdq(0)}, {"pdq": pdq((1 << 40) - 1)}, [PDQ])
    assert "would keep both" in sentence(kept, "x")


def test_lookalikes_platform_view_json(run, collection) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    scanned(run, collection)
    data = run.json("lookalikes", "-j", "1", "--platform-view")
    validate("lookalikes", data)
    assert [m["name"] for m in data["matchers"]] == ["pdq", "phash", "dhash"]
    g = by_path(data, collection["orig"])
    burst = pair_of(g, collection["orig"], collection["burst"], collection["copy"])
    assert burst["verdict"] == "burst"
    view = {r["matcher"]: r for r in burst["platform_view"]}
    assert set(view) == {"pdq", "phash", "dhash"}
    for r in view.values():  # real distances of the stored hashes, decided by the threshold
        assert r["distance"] is not None and r["merges"] == (r["distance"] <= r["threshold"])
    assert view["pdq"]["merges"], view["pdq"]  # a burst frame PDQ would take for the same photo
    ident = pair_of(g, collection["orig"], collection["copy"])
    assert all(r["distance"] == 0 and r["merges"] for r in ident["platform_view"])
    # the API the review page calls gives the same answer
    shas = {m["path"]: m["sha256"] for m in g["members"]}
    catalog = open_catalog(run.catalog_path)
    try:
        api = platform_view(catalog, shas[burst["a"]], shas[burst["b"]])
    finally:
        catalog.dispose()
    assert [(r.matcher.name, r.distance, r.merges) for r in api] == [
        (r["matcher"], r["distance"], r["merges"]) for r in burst["platform_view"]]
    text = run("lookalikes", "-j", "1", "--platform-view").output
    assert "PDQ (Meta): MERGES" in text and "nevertheless different files" in text
    plain = run.json("lookalikes", "-j", "1")
    assert "matchers" not in plain and all(
        "platform_view" not in p for grp in plain["groups"] for p in grp["pairs"])
