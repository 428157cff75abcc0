"""Loss audit (analyse.compare): a backup against a platform export of it."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from preservation.analyse.compare import CompareResult, Status, compare, load_json
from preservation.catalog.engine import Catalog, open_catalog
from preservation.errors import LocationError, UsageError, exit_code
from preservation.scan.run import ScanOptions
from tests.conftest import snapshot, validate

from .lossaudit import Trees, build

INLINE = ScanOptions(jobs=1)


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Trees:
    return build(tmp_path_factory.mktemp("lossaudit"))


@pytest.fixture(scope="module")
def audited(trees: Trees, tmp_path_factory: pytest.TempPathFactory) -> tuple[CompareResult, dict[str, object]]:
    """One comparison of the scenario (by folder: both get registered and scanned)."""
    before = snapshot(trees.reference.parent)
    cat = open_catalog(tmp_path_factory.mktemp("cat") / "catalog.sqlite")
    try:
        result = compare(cat, str(trees.reference), str(trees.other), jobs=1, scan_options=INLINE)
    finally:
        cat.dispose()
    return result, {"before": before, "after": snapshot(trees.reference.parent)}


def test_every_reference_file_gets_the_expected_status_and_counterpart(
        trees: Trees, audited: tuple[CompareResult, dict[str, object]]) -> None:
    result, _ = audited
    got = {e.relative_path: (str(e.status), e.other.relative_path if e.other else None,
                             str(e.other.verdict) if e.other else None) for e in result.entries}
    want = {k: (v.status, v.other, v.verdict) for k, v in trees.expect.items()}
    assert got == want
    for e in result.entries:
        assert os.path.isabs(e.path) and e.path == str(trees.reference / e.relative_path)
        if e.other is not None:
            assert e.other.path == str(trees.other / e.other.relative_path)
        assert e.explanation  # every status says why, in words


def test_renamed_files_are_matched_through_their_sidecars_with_restored_times(
        trees: Trees, audited: tuple[CompareResult, dict[str, object]]) -> None:
    result, _ = audited
    by = {e.relative_path: e for e in result.entries}
    e3 = by["2019/IMG_0003.jpg"]
    assert e3.other is not None and e3.other.title == "IMG_0003.jpg"
    assert e3.other.sidecar is not None and e3.other.sidecar.endswith("3f2a9c1e.jpg.json")
    assert e3.other.capture_time == "2019-06-21T12:00:00+02:00" and e3.other.capture_time_from_sidecar
    assert "reduced from" in (e3.explanation or "")
    # the platform kept the date and place in the sidecar: only the camera details count as lost
    assert "capture date" not in (e3.explanation or "") and "GPS" not in (e3.explanation or "")
    # the burst frame the platform dropped: only the sidecar's capture time tells the two apart
    e5 = by["2019/IMG_0005.jpg"]
    assert e5.other is not None and e5.other.capture_time_from_sidecar
    assert e5.explanation == "Taken 2.0 s apart: a different photograph."
    e7 = by["2019/IMG_0007.jpg"]
    assert e7.other is not None and e7.other.title == "IMG_0007.jpg"  # the edit shares the sidecar
    assert (e7.explanation or "").startswith("Same picture made brighter")
    assert result.takeout.metadata_files == len(trees.sidecars)
    assert result.takeout.sidecars_matched == 6
    assert result.takeout.renamed == 3  # 3f2a9c1e.jpg, b81d07aa.jpg and the edit under its own name
    assert result.takeout.capture_times_restored == 4


def test_other_only_lists_what_the_reference_lacks_but_never_the_sidecars(
        trees: Trees, audited: tuple[CompareResult, dict[str, object]]) -> None:
    result, _ = audited
    assert {o.relative_path for o in result.other_only} == set(trees.other_only)
    only = result.other_only[0]
    assert only.title == "IMG_0100.jpg" and only.taken == "2019-06-22T08:00:00Z"
    assert only.verdict is None and only.closest_reference is None
    assert result.other.files == 7  # 14 files in the export, 7 of them the platform's metadata
    assert not set(trees.sidecars) & {o.relative_path for o in result.other_only}


def test_summary_numbers_and_sentence(audited: tuple[CompareResult, dict[str, object]]) -> None:
    result, _ = audited
    assert result.counts == {"present": 3, "same-picture": 3, "lookalike-only": 2, "missing": 2,
                             "unreadable": 0}
    assert result.gone == 4
    assert result.kept_instead == {"edited": 1, "burst": 1, "similar": 0, "ambiguous": 0}
    assert result.headline == ("4 originals are gone from the platform; for 2 of them the platform "
                               "kept a different burst frame or edit.")
    assert "Takeout also holds 1 file that Backup drive lacks." in result.sentences
    assert not result.ok and exit_code(result) == 1


def test_nothing_in_either_tree_was_changed(audited: tuple[CompareResult, dict[str, object]]) -> None:
    _, snaps = audited
    assert snaps["before"] == snaps["after"]


def test_json_matches_the_schema_and_loads_back(audited: tuple[CompareResult, dict[str, object]],
                                                 tmp_path: Path) -> None:
    result, _ = audited
    data = result.to_json()
    validate("compare", data)
    path = tmp_path / "compare.json"
    path.write_text(json.dumps(data))
    again = load_json(path)
    assert again.to_json() == data
    assert again.headline == result.headline
    with pytest.raises(UsageError):
        CompareResult.from_json({"kind": "something else"})
    path.write_text("{not json")
    with pytest.raises(UsageError):
        load_json(path)


def test_without_the_sidecar_a_tripod_burst_is_not_claimed_as_kept(tmp_path: Path, catalog: Catalog) -> None:
    """Stripped of its capture time, the kept frame matches both frames of the burst by pixels:
    which one the platform kept cannot be told, so neither is counted as kept."""
    t = build(tmp_path)
    (t.other / "Google Photos" / "Photos from 2019" / "b81d07aa.jpg.json").unlink()
    result = compare(catalog, str(t.reference), str(t.other), jobs=1, scan_options=INLINE)
    by = {e.relative_path: e for e in result.entries}
    for name in ("2019/IMG_0005.jpg", "2019/IMG_0006.jpg"):
        e = by[name]
        assert e.status == Status.LOOKALIKE_ONLY, name
        assert e.other is not None and e.other.relative_path.endswith("b81d07aa.jpg")
        assert "which one the platform kept cannot be told" in (e.explanation or "")
        assert "ambiguous-counterpart" in e.other.reasons
    assert result.kept_instead["ambiguous"] == 2
    # the kept frame is a picture the reference has: not listed as something it lacks
    assert not any(o.relative_path.endswith("b81d07aa.jpg") for o in result.other_only)
    validate("compare", result.to_json())


def test_an_unchanged_export_is_all_present_and_ok(tmp_path: Path, catalog: Catalog, photos: list[Path]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    for i, p in enumerate(photos[:3]):
        (a / f"IMG_{i}.jpg").write_bytes(p.read_bytes())
        (b / f"renamed-{i}.jpg").write_bytes(p.read_bytes())
    result = compare(catalog, str(a), str(b), jobs=1, scan_options=INLINE)
    assert result.ok and exit_code(result) == 0
    assert result.counts["present"] == 3 and not result.other_only
    assert result.headline.startswith("All 3 files in a are still on the platform")


def test_locations_are_resolved_by_name_and_scanned_only_when_needed(
        tmp_path: Path, catalog: Catalog, photos: list[Path]) -> None:
    from preservation.catalog.locations import add_location

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.jpg").write_bytes(photos[0].read_bytes())
    (b / "x.jpg").write_bytes(photos[0].read_bytes())
    add_location(catalog, "Backup", a)
    first = compare(catalog, "Backup", str(b), jobs=1, scan_options=INLINE)
    assert first.scanned == ["Backup", "b"] and first.registered == ["b"]
    assert first.reference.name == "Backup" and first.reference.scanned_at is not None
    # a file added since: not seen without --rescan, seen with it
    (a / "y.jpg").write_bytes(photos[1].read_bytes())
    assert compare(catalog, "Backup", "b", jobs=1, scan_options=INLINE).scanned == []
    again = compare(catalog, "Backup", "b", jobs=1, scan_options=INLINE, rescan=True)
    assert again.scanned == ["Backup", "b"]
    assert {e.relative_path: str(e.status) for e in again.entries} == {"x.jpg": "present", "y.jpg": "missing"}
    with pytest.raises(UsageError):
        compare(catalog, "Backup", str(a), jobs=1, scan_options=INLINE)
    (a / "sub").mkdir()
    with pytest.raises(LocationError, match="inside the location 'Backup'"):
        compare(catalog, str(a / "sub"), "b", jobs=1, scan_options=INLINE)
    with pytest.raises(LocationError):
        compare(catalog, "No such place", "b", jobs=1, scan_options=INLINE)


def test_an_unreadable_reference_file_is_said_to_be_unreadable(
        tmp_path: Path, catalog: Catalog, photos: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import preservation.fingerprint as fingerprint

    real = fingerprint.fingerprint_file

    def failing(root: bytes, rel: bytes, **kw: object) -> object:
        if rel.endswith(b"locked.jpg"):
            raise PermissionError(13, "Permission denied")
        return real(root, rel, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(fingerprint, "fingerprint_file", failing)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.jpg").write_bytes(photos[0].read_bytes())
    (b / "x.jpg").write_bytes(photos[0].read_bytes())
    (a / "locked.jpg").write_bytes(photos[1].read_bytes())
    result = compare(catalog, str(a), str(b), jobs=1, scan_options=INLINE)
    by = {e.relative_path: e for e in result.entries}
    assert by["x.jpg"].status == Status.PRESENT
    assert by["locked.jpg"].status == Status.UNREADABLE and by["locked.jpg"].sha256 is None
    assert "could not be read" in (by["locked.jpg"].explanation or "")
    assert result.counts["unreadable"] == 1 and exit_code(result) == 1
    assert "1 file could not be read" in result.headline
    validate("compare", result.to_json())


def test_sidecar_titles_pair_renamed_files_even_when_fingerprints_say_nothing(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the fingerprint search finding nothing, a renamed file is still compared with the
    original its sidecar names; a title alone proves nothing."""
    import numpy as np

    from preservation.analyse import compare as compare_module
    from preservation.evalset import encode

    from .lossaudit import sidecar

    t = build(tmp_path)
    album = t.other / "Google Photos" / "Photos from 2019"
    noise = np.random.default_rng(1).integers(0, 256, (300, 400, 3), dtype=np.uint8)
    (album / "decoy.jpg").write_bytes(encode(noise, quality=90))
    (album / "decoy.jpg.json").write_bytes(sidecar("IMG_0009.jpg", datetime(2019, 6, 21, tzinfo=UTC)))
    monkeypatch.setattr(compare_module, "candidate_pairs", lambda *a, **k: {})
    result = compare(catalog, str(t.reference), str(t.other), jobs=1, scan_options=INLINE)
    by = {e.relative_path: e for e in result.entries}
    e3 = by["2019/IMG_0003.jpg"]
    assert e3.status == Status.SAME_PICTURE and e3.other is not None
    assert e3.other.matched_by == "sidecar-title" and e3.other.relative_path.endswith("3f2a9c1e.jpg")
    e7 = by["2019/IMG_0007.jpg"]
    assert e7.status == Status.LOOKALIKE_ONLY and e7.other is not None and e7.other.matched_by == "sidecar-title"
    # the decoy carries IMG_0009's name but is another picture: IMG_0009 is still missing
    assert by["2019/IMG_0009.jpg"].status == Status.MISSING
    decoy = [o for o in result.other_only if o.relative_path.endswith("decoy.jpg")]
    assert len(decoy) == 1 and decoy[0].title == "IMG_0009.jpg" and decoy[0].verdict is None
    assert result.stats["pairs_from_titles"] >= 3
    validate("compare", result.to_json())


def test_a_second_run_uses_the_evidence_cache_and_agrees(tmp_path: Path, catalog: Catalog) -> None:
    t = build(tmp_path)
    first = compare(catalog, str(t.reference), str(t.other), jobs=1, scan_options=INLINE)
    again = compare(catalog, "Backup drive", "Takeout", jobs=1)
    assert first.stats["evidence_computed"] == 5 and again.stats["evidence_computed"] == 0
    assert again.stats["evidence_from_cache"] == 5
    assert again.to_json()["entries"] == first.to_json()["entries"]
    assert again.to_json()["other_only"] == first.to_json()["other_only"]


def test_a_sidecar_that_cannot_be_read_is_still_not_a_photo(
        tmp_path: Path, catalog: Catalog, monkeypatch: pytest.MonkeyPatch) -> None:
    from preservation.analyse import compare as compare_module

    real = compare_module._read_small

    def failing(root: bytes, rel: bytes, limit: int) -> bytes:
        if rel.endswith(b"3f2a9c1e.jpg.json"):
            raise PermissionError(13, "Permission denied")
        return real(root, rel, limit)

    monkeypatch.setattr(compare_module, "_read_small", failing)
    t = build(tmp_path)
    result = compare(catalog, str(t.reference), str(t.other), jobs=1, scan_options=INLINE)
    by = {e.relative_path: e for e in result.entries}
    e3 = by["2019/IMG_0003.jpg"]
    assert e3.status == Status.SAME_PICTURE and e3.other is not None  # by its content
    assert e3.other.title is None and e3.other.matched_by == "fingerprints"
    assert {o.relative_path for o in result.other_only} == set(t.other_only)
    assert any("could not be read to check for platform metadata" in n for n in result.notes)


def test_a_kept_lookalike_names_the_matcher_that_explains_the_choice(
        audited: tuple[CompareResult, dict[str, object]]) -> None:
    """Where the platform kept a look-alike in place of an original, the entry says which
    published matcher would have taken the two for one photo (issue 20)."""
    result, _ = audited
    kept = [e for e in result.entries if e.status == Status.LOOKALIKE_ONLY and e.other and e.other.sha256]
    assert kept
    for e in result.entries:
        assert e.other is None or e.status == Status.LOOKALIKE_ONLY or not e.other.matchers
    for e in kept:
        assert e.other is not None and e.other.matchers_sentence
        merges = "a matcher would treat these as one photo, yet they differ" in e.other.matchers_sentence
        assert bool(e.other.matchers) == merges
        assert set(e.other.matchers) <= {"pdq", "phash", "dhash"}
    assert any(e.other and e.other.matchers for e in kept)  # a burst kept instead of its original
