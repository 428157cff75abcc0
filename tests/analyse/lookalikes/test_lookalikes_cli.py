"""``preservation lookalikes`` end to end: scan real-photo collections, run the real CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from preservation.evalset import camera_exif, encode, replace_jpeg_exif
from tests.conftest import PHOTOS, snapshot, validate

WHEN = dt.datetime(2022, 8, 3, 9, 41, 7)


def scene(name: str, size: int = 560, seed: int = 0, shift: int = 0) -> np.ndarray:
    im = Image.open(PHOTOS / name).convert("RGB")
    w = size + 40
    im = im.resize((w, round(w * im.height / im.width)), Image.Resampling.LANCZOS)
    arr = np.asarray(im, np.float32)[:, 20 + shift:20 + shift + size]
    arr = arr + np.random.default_rng(seed).normal(0, 3, (*arr.shape[:2], 1))
    return np.clip(arr, 0, 255).astype(np.uint8)


def page(g0: float, g1: float, seed: int) -> Image.Image:
    x = np.linspace(g0, g1, 500)[None, :, None] * np.ones((350, 1, 3))
    x = x + np.random.default_rng(seed).normal(0, 1.0, (350, 500, 1))
    return Image.fromarray(np.clip(x, 0, 255).astype(np.uint8))


@pytest.fixture
def collection(tmp_path: Path) -> dict[str, Path]:
    laptop, backup = tmp_path / "laptop", tmp_path / "backup"
    (laptop / "2022").mkdir(parents=True)
    backup.mkdir()
    first = scene("coffee.jpg", seed=1)
    exif1 = camera_exif(make="Apple", model="iPhone 12", when=WHEN, subsec="120", gps=(48.85, 2.35))
    orig = encode(first, quality=93, exif=exif1)
    files = {
        "orig": laptop / "2022" / "IMG_0001.JPG",
        "upload": laptop / "2022" / "IMG_0001 (shared).jpg",
        "burst": laptop / "2022" / "IMG_0002.JPG",
        "stamped": laptop / "2022" / "IMG_0001-edit.jpg",
        "stripped": laptop / "2022" / "IMG_0001-nometa.jpg",
        "black1": laptop / "black1.png",
        "black2": laptop / "black2.png",
        "page1": laptop / "scan1.png",
        "page2": laptop / "scan2.png",
        "other": laptop / "2022" / "cat.jpg",
        "copy": backup / "IMG_0001.JPG",
    }
    files["orig"].write_bytes(orig)
    files["copy"].write_bytes(orig)
    files["stripped"].write_bytes(replace_jpeg_exif(orig, None))
    h, w = first.shape[:2]
    small = Image.fromarray(first).resize((w // 2, h // 2), Image.Resampling.LANCZOS)
    files["upload"].write_bytes(encode(small, quality=75))
    second = scene("coffee.jpg", seed=2, shift=4)
    exif2 = camera_exif(make="Apple", model="iPhone 12", when=WHEN, subsec="470", gps=(48.85, 2.35))
    files["burst"].write_bytes(encode(second, quality=93, exif=exif2))
    edited = first.copy()
    edited[h - 90:h - 40, 30:110] = first[60:110, w - 120:w - 40]
    files["stamped"].write_bytes(encode(edited, quality=93, exif=exif1))
    Image.new("RGB", (500, 350)).save(files["black1"])
    Image.new("RGB", (640, 480)).save(files["black2"])
    page(235, 245, 1).save(files["page1"])
    page(238, 246, 2).save(files["page2"])
    files["other"].write_bytes(encode(scene("chelsea.jpg", seed=3), quality=90))
    files["laptop"], files["backup"] = laptop, backup
    return files


def scanned(run, collection: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    run("location", "add", "Laptop", str(collection["laptop"]), "--media", "ssd")
    run("location", "add", "Backup", str(collection["backup"]), "--media", "hdd")
    run("scan", "-j", "1", "-q")


def by_path(data: dict, path: Path) -> dict:  # type: ignore[type-arg]
    for g in data["groups"]:
        if any(m["path"] == str(path) for m in g["members"]):
            return g  # type: ignore[no-any-return]
    raise AssertionError(f"{path} is in no group")


def pair_of(group: dict, x: Path, y: Path, same_as_x: Path | None = None) -> dict:  # type: ignore[type-arg]
    """The pair between x (or its exact copy ``same_as_x``) and y."""
    xs = {str(x)} | ({str(same_as_x)} if same_as_x else set())
    for p in group["pairs"]:
        if (p["a"] in xs and p["b"] == str(y)) or (p["b"] in xs and p["a"] == str(y)):
            return p  # type: ignore[no-any-return]
    raise AssertionError(f"no pair {x.name} / {y.name}")


def test_lookalikes_json_groups_verdicts_and_original(run, collection) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    before = [snapshot(collection["laptop"]), snapshot(collection["backup"])]
    data = run.json("lookalikes", "-j", "1")
    validate("lookalikes", data)
    assert [snapshot(collection["laptop"]), snapshot(collection["backup"])] == before  # read-only

    g = by_path(data, collection["orig"])
    members = {m["path"] for m in g["members"]}
    for k in ("orig", "copy", "upload", "burst", "stamped", "stripped"):
        assert str(collection[k]) in members, k
    # exact copy across locations, with where each lives
    p = pair_of(g, collection["orig"], collection["copy"])
    assert p["verdict"] == "identical"
    assert {p["a_location"], p["b_location"]} == {"Laptop", "Backup"}
    assert "Laptop" in p["explanation"] and "Backup" in p["explanation"]
    assert pair_of(g, collection["orig"], collection["stripped"], collection["copy"])["verdict"] == "same-pixels"
    up = pair_of(g, collection["orig"], collection["upload"], collection["copy"])
    assert up["verdict"] == "derivative" and "lost its camera metadata" in up["explanation"]
    burst = pair_of(g, collection["orig"], collection["burst"], collection["copy"])
    assert burst["verdict"] == "burst"
    assert burst["explanation"] == "Taken 0.35 s apart with the same camera: a different photograph."
    assert pair_of(g, collection["orig"], collection["stamped"], collection["copy"])["verdict"] == "edited"
    # the likely original: the camera file, not the stripped or shared copy
    assert g["original"] in (str(collection["orig"]), str(collection["copy"]))
    assert any("camera metadata" in r for r in g["original_reasons"])
    assert len(g["originals"]) == 2  # the burst shot is an original of its own
    # unrelated and near-flat pictures are in no look-alike group
    for k in ("black1", "black2", "page1", "page2", "other"):
        assert all(str(collection[k]) not in {m["path"] for m in grp["members"]} for grp in data["groups"]), k
    assert data["verdicts"]["identical"] >= 1
    assert data["stats"]["evidence_computed"] >= 5


def test_group_ids_are_stable_and_evidence_is_reused(run, collection) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    first = run.json("lookalikes", "-j", "1")
    second = run.json("lookalikes", "-j", "1")
    assert [(g["id"], g["key"]) for g in first["groups"]] == [(g["id"], g["key"]) for g in second["groups"]]
    assert second["stats"]["evidence_computed"] == 0
    assert second["stats"]["evidence_from_cache"] == first["stats"]["evidence_computed"]
    strip = lambda d: [[(p["a"], p["b"], p["verdict"], p["explanation"]) for p in g["pairs"]] for g in d["groups"]]  # noqa: E731
    assert strip(first) == strip(second)
    keys = [g["key"] for g in first["groups"]]
    assert keys == sorted(keys)  # numbered in order of the smallest SHA-256
    gid = first["groups"][0]["id"]
    only = run.json("lookalikes", "--group", str(gid), "-j", "1")
    assert [g["id"] for g in only["groups"]] == [gid]
    run("lookalikes", "--group", "999", expect=2)


def test_location_filter_and_no_copies(run, collection) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    data = run.json("lookalikes", "--location", "Laptop", "-j", "1")
    validate("lookalikes", data)
    assert all(m["location"] == "Laptop" for g in data["groups"] for m in g["members"])
    backup_only = run.json("lookalikes", "--location", "Backup", "--no-copies", "-j", "1")
    assert backup_only["groups"] == []
    run("lookalikes", "--location", "Nowhere", expect=2)
    run("lookalikes", "--threshold", "40", expect=2)


def test_table_output_names_originals_and_never_suggests_deleting(run, collection) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    out = run("lookalikes", "-j", "1").stdout
    assert "likely original" in out and "burst" in out
    assert "delete" not in out.lower().replace("deleted or proposed", "")


def test_diff_writes_a_picture_and_json(run, collection, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    out = tmp_path / "diff.png"
    res = run("lookalikes", "diff", str(collection["orig"]), str(collection["stamped"]), "--out", str(out))
    assert "edited" in res.stdout
    im = Image.open(out)
    assert im.format == "PNG" and im.width >= 1000 and im.height >= 500
    data = json.loads(run("lookalikes", "diff", str(collection["orig"]), str(collection["burst"]),
                          "--json").stdout)
    validate("lookalikes-diff", data)
    assert data["verdict"] == "burst" and data["picture"] is None
    # never write inside a scanned location
    run("lookalikes", "diff", str(collection["orig"]), str(collection["burst"]),
        "--out", str(collection["laptop"] / "diff.png"), expect=2)
    assert not (collection["laptop"] / "diff.png").exists()


def test_unreadable_copy_is_reported_and_exit_1(run, collection) -> None:  # type: ignore[no-untyped-def]
    scanned(run, collection)
    collection["burst"].write_bytes(b"\xff\xd8 not a jpeg any more")  # changed after the scan
    res = run("lookalikes", "--json", "-j", "1", expect=1)
    data = json.loads(res.stdout)
    validate("lookalikes", data)
    g = by_path(data, collection["orig"])
    p = pair_of(g, collection["orig"], collection["burst"], collection["copy"])
    assert p["evidence"]["problem"]
    assert p["verdict"] in ("burst", "similar")  # never a "same" verdict without the pixels
