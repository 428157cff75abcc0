"""The whole tool through the real CLI, on an SQLite catalog and on a PostgreSQL one: the same
commands give the same answers. Scan, look-alikes (and their evidence cache), 3-2-1 copies,
verify, the provenance log, history, show and a report's data."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from preservation.evalset import camera_exif, encode
from tests.conftest import PHOTOS, snapshot, validate
from tests.postgres.database import backend, scalar

WHEN = dt.datetime(2022, 8, 3, 9, 41, 7)


def _scene(seed: int, shift: int = 0) -> np.ndarray:
    im = Image.open(PHOTOS / "coffee.jpg").convert("RGB").resize((600, 450), Image.Resampling.LANCZOS)
    arr = np.asarray(im, np.float32)[:, 20 + shift:580 + shift]
    arr = arr + np.random.default_rng(seed).normal(0, 3, (*arr.shape[:2], 1))
    return np.clip(arr, 0, 255).astype(np.uint8)


def _deep_dir(root: Path) -> bytes:
    """Folders whose names do not compress, 3,400 bytes deep: far past what a PostgreSQL
    B-tree can index (2,704 bytes), so the path indexes of migration 0004_pg_paths are used."""
    rng = random.Random(7)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+=,;.@#"
    parts = ["".join(rng.choice(alphabet) for _ in range(240)) for _ in range(14)]
    rel = os.path.join(*parts)
    fd = os.open(root, os.O_RDONLY)  # each level relative to the last: no PATH_MAX trouble
    try:
        for part in parts:
            os.mkdir(part, dir_fd=fd)
            nxt = os.open(part, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nxt
        wfd = os.open("deep.txt", os.O_WRONLY | os.O_CREAT, dir_fd=fd)
        os.write(wfd, b"at the bottom\n")
        os.close(wfd)
    finally:
        os.close(fd)
    return os.fsencode(rel) + b"/deep.txt"


@pytest.fixture
def places(tmp_path: Path) -> dict[str, Path]:
    laptop, backup = tmp_path / "laptop", tmp_path / "backup"
    (laptop / "2022").mkdir(parents=True)
    backup.mkdir()
    first = _scene(1)
    orig = encode(first, quality=93, exif=camera_exif(make="Apple", model="iPhone 12", when=WHEN,
                                                      subsec="120"))
    files = {"orig": laptop / "2022" / "IMG_0001.JPG", "upload": laptop / "2022" / "IMG_0001 (1).jpg",
             "burst": laptop / "2022" / "IMG_0002.JPG", "copy": backup / "IMG_0001.JPG",
             "notes": laptop / "notes.txt"}
    files["orig"].write_bytes(orig)
    files["copy"].write_bytes(orig)
    small = Image.fromarray(first).resize((280, 225), Image.Resampling.LANCZOS)
    files["upload"].write_bytes(encode(small, quality=75))
    files["burst"].write_bytes(encode(_scene(2, shift=4), quality=93, exif=camera_exif(
        make="Apple", model="iPhone 12", when=WHEN, subsec="470")))
    files["notes"].write_text("family notes\n")
    # a name that is not UTF-8, and one in decomposed Unicode (as macOS writes it)
    (Path(os.fsdecode(os.fsencode(laptop) + b"/caf\xe9-latin1.txt"))).write_bytes(b"latin-1 name\n")
    (laptop / "Cafe\u0301.txt").write_text("nfd name\n")
    files["laptop"], files["backup"] = laptop, backup
    files["deep"] = Path(os.fsdecode(os.fsencode(laptop) + b"/" + _deep_dir(laptop)))
    return files


def _group_of(data: dict, path: Path) -> dict:  # type: ignore[type-arg]
    for g in data["groups"]:
        if str(path) in {m["path"] for m in g["members"]}:
            return g  # type: ignore[no-any-return]
    raise AssertionError(f"{path} is in no group")


def _verdict(group: dict, xs: tuple[Path, ...], y: Path) -> str:  # type: ignore[type-arg]
    """The verdict between y and one of xs (a file or its exact copies: one stands for all)."""
    for p in group["pairs"]:
        for x in xs:
            if {p["a"], p["b"]} == {str(x), str(y)}:
                return str(p["verdict"])
    raise AssertionError(f"no pair {xs[0].name} / {y.name}")


def test_scan_lookalikes_copies_verify_and_the_log(run, places, catalog_path: str) -> None:  # type: ignore[no-untyped-def]
    laptop, backup = places["laptop"], places["backup"]
    before = snapshot(laptop)
    run("location", "add", "Laptop", str(laptop), "--media", "ssd")
    run("location", "add", "Backup", str(backup), "--media", "hdd", "--site", "offsite")

    scan = run.json("scan", "-j", "1", "--operator", "Ada")
    validate("scan", scan)
    assert {loc["location"]: loc["files"] for loc in scan["locations"]} == {"Laptop": 7, "Backup": 1}
    assert all(loc["status"] == "complete" for loc in scan["locations"])
    again = run.json("scan", "-j", "1")  # nothing changed: nothing is read again
    assert [(loc["hashed"], loc["unchanged"]) for loc in again["locations"]] == [(0, 1), (0, 7)]
    assert scalar(catalog_path, "select count(*) from files") == 8
    assert scalar(catalog_path, "select count(*) from contents") == 7  # the copy shares its content

    looks = run.json("lookalikes", "-j", "1")
    validate("lookalikes", looks)
    g = _group_of(looks, places["orig"])
    orig = (places["orig"], places["copy"])
    assert _verdict(g, orig[:1], places["copy"]) == "identical"
    assert _verdict(g, orig, places["upload"]) == "derivative"
    assert _verdict(g, orig, places["burst"]) == "burst"
    assert looks["stats"]["evidence_computed"] >= 2
    cached = run.json("lookalikes", "-j", "1")  # the evidence cache, read back from the catalog
    assert cached["stats"]["evidence_computed"] == 0
    assert cached["stats"]["evidence_from_cache"] == looks["stats"]["evidence_computed"]
    assert [[p["verdict"] for p in grp["pairs"]] for grp in cached["groups"]] == [
        [p["verdict"] for p in grp["pairs"]] for grp in looks["groups"]]

    copies = run.json("copies", expect=1)  # only one content has two copies: the rest fall short
    validate("copies", copies)

    checked = run.json("verify", "-j", "1", "--operator", "Grace")
    validate("verify", checked)
    assert sum(loc["counts"]["ok"] for loc in checked["locations"]) == 8
    places["notes"].write_text("edited\n")
    places["burst"].unlink()
    found = run.json("verify", "-j", "1", "--operator", "Grace", expect=1)
    counts = {loc["location"]: loc["counts"] for loc in found["locations"]}
    assert (counts["Laptop"]["changed"], counts["Laptop"]["missing"], counts["Laptop"]["ok"]) == (1, 1, 5)
    again = run.json("verify", "-j", "1", "--older-than", "1", expect=1)  # only what had problems
    assert sum(loc["counts"]["checked"] for loc in again["locations"]) == 2

    log = run.json("log", "verify")
    assert log["intact"] and log["events"] == scalar(catalog_path, "select count(*) from events")
    deep = run.json("history", str(places["deep"]))
    assert len(os.fsencode(deep["path"])) > 3000 and deep["verification"]["status"] == "ok"
    latin = run.json("show", os.fsdecode(os.fsencode(laptop) + b"/caf\xe9-latin1.txt"))
    assert latin["path"] == "caf\\xe9-latin1.txt" and latin["size"] == 13
    notes = run.json("history", str(places["notes"]))
    # found by both verifies after the edit (the second re-checked what had problems)
    assert [e["detail"]["status"] for e in notes["events"] if e["type"] == "fixity check"] == [
        "changed", "changed"]

    report = Path(str(laptop.parent / "report.json"))
    run("report", "--out", str(report), "--audience", "staff", expect=1)
    data = json.loads(report.read_text())
    validate("report", data)
    assert snapshot(laptop) != before  # (the test itself edited and removed two files)
    assert scalar(catalog_path, "select count(*) from runs where status != 'complete'") == 0
    if backend(catalog_path) == "postgresql":  # really on the server, not in a stray file
        assert not any(p.suffix == ".sqlite" for p in laptop.parent.iterdir())
