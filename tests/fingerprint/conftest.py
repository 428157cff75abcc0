"""Fixtures for fingerprint tests: write bytes to a file, fingerprint it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from preservation.fingerprint import Fingerprint, fingerprint_file

PHOTOS = Path(__file__).resolve().parents[2] / "preservation" / "data" / "photos"

FP = Callable[..., Fingerprint]


@pytest.fixture
def fp(tmp_path: Path) -> FP:
    """``fp(data, name="file.bin", **kw)``: write ``data`` below tmp_path and fingerprint it."""

    def run(data: bytes, name: str | bytes = "file.bin", **kw: object) -> Fingerprint:
        rel = os.fsencode(name)
        with open(os.fsencode(tmp_path) + b"/" + rel, "wb") as f:
            f.write(data)
        return fingerprint_file(os.fsencode(tmp_path), rel, **kw)  # type: ignore[arg-type]

    return run


@pytest.fixture(scope="session")
def photo() -> Callable[[str], Image.Image]:
    cache: dict[str, Image.Image] = {}

    def load(name: str) -> Image.Image:
        if name not in cache:
            with Image.open(PHOTOS / f"{name}.jpg") as im:
                cache[name] = im.convert("RGB") if im.mode != "L" else im.copy()
        return cache[name].copy()

    return load
