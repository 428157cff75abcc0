"""A small family collection, scanned, and evidence packages made from it with the real CLI.

The collection: two burst shots taken 0.35 s apart (``IMG_4410.jpg``, ``IMG_4411.jpg``), an
unrelated photo, and an exact copy of ``IMG_4410.jpg`` on a backup drive. Packages are made
once per test session of this folder (they take a few seconds each: PDFs are rendered).
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from preservation.evalset import camera_exif, encode
from tests.analyse.lookalikes.test_lookalikes_cli import scene as lookalike_scene
from tests.conftest import Run, snapshot

WHEN = dt.datetime(2022, 8, 3, 9, 41, 7)


def scene(name: str, size: int = 320, seed: int = 0, shift: int = 0) -> np.ndarray:
    """A small real photo with its own noise, optionally moved sideways (a burst shot)."""
    return lookalike_scene(name, size=size, seed=seed, shift=shift)


def burst_pair(folder: Path, first: str = "IMG_4410.jpg", second: str = "IMG_4411.jpg") -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    a, b = folder / first, folder / second
    a.write_bytes(encode(scene("coffee.jpg", seed=1), quality=93, exif=camera_exif(
        make="Apple", model="iPhone 12", when=WHEN, subsec="120", gps=(48.85, 2.35))))
    b.write_bytes(encode(scene("coffee.jpg", seed=2, shift=4), quality=93, exif=camera_exif(
        make="Apple", model="iPhone 12", when=WHEN, subsec="470", gps=(48.85, 2.35))))
    return a, b


@dataclass
class Family:
    base: Path
    run: Run
    catalog: Path
    files: dict[str, Path] = field(default_factory=dict)
    before: dict[str, Any] = field(default_factory=dict)  # snapshot of both locations after the scan

    def snapshot(self) -> dict[str, Any]:
        return {**snapshot(self.base / "laptop"), **snapshot(self.base / "backup")}


def build_family(base: Path) -> Family:
    laptop, backup = base / "laptop", base / "backup"
    first, second = burst_pair(laptop / "2022")
    backup.mkdir()
    (backup / "IMG_4410.jpg").write_bytes(first.read_bytes())
    cat = laptop / "2022" / "cat.jpg"
    cat.write_bytes(encode(scene("chelsea.jpg", seed=3), quality=90))
    fam = Family(base, Run(base / "catalog.sqlite"), base / "catalog.sqlite",
                 {"first": first, "second": second, "cat": cat, "copy": backup / "IMG_4410.jpg"})
    fam.run("location", "add", "Laptop", str(laptop), "--media", "ssd")
    fam.run("location", "add", "Backup", str(backup), "--media", "hdd")
    fam.run("scan", "-j", "1", "-q")
    fam.before = fam.snapshot()
    return fam


@pytest.fixture(scope="package")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return build_family(tmp_path_factory.mktemp("family"))


@pytest.fixture(scope="package")
def appeal(family: Family) -> dict[str, Any]:
    """The issue's first example: two burst shots, an appeal letter, a named contact."""
    return family.run.json("evidence", "create", "--out", str(family.base / "appeal-2026-11"),
                           "--file", "IMG_4410.jpg", "--file", str(family.files["second"]),
                           "--letter", "appeal", "--contact-name", "Ann Smith",
                           "--contact-email", "ann@example.org", "-j", "1")


@pytest.fixture
def bag_copy(appeal: dict[str, Any], tmp_path: Path) -> Path:
    """A copy of the appeal package, to damage."""
    return Path(shutil.copytree(appeal["path"], tmp_path / "appeal-copy", symlinks=True))


def flip_bit(path: Path, offset: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if offset is None else offset
    data[i] ^= 0x01
    path.write_bytes(bytes(data))
