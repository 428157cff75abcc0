"""Shared fixtures: a fresh catalog per test and the real CLI run in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from preservation.catalog.engine import Catalog, open_catalog
from tests.postgres.database import catalog_url, pg_database, pg_server  # noqa: F401  (fixtures)

PHOTOS = Path(__file__).resolve().parent.parent / "preservation" / "data" / "photos"


@pytest.fixture
def catalog_path(tmp_path: Path) -> Path:
    return tmp_path / "catalog.sqlite"


@pytest.fixture
def catalog(catalog_path: Path) -> Catalog:
    c = open_catalog(catalog_path)
    yield c
    c.dispose()


class Run:
    """Call the CLI like a person would, against this test's catalog."""

    def __init__(self, catalog_path: Path) -> None:
        self.catalog_path = catalog_path

    def __call__(self, *args: str, input: str | None = None, expect: int | None = 0) -> Result:
        from preservation.cli.main import cli as cli_group

        runner = CliRunner()
        result = runner.invoke(cli_group, ["--catalog", str(self.catalog_path), *args],
                               input=input, catch_exceptions=True)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        if expect is not None:
            assert result.exit_code == expect, (
                f"exit {result.exit_code} != {expect}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}")
        return result

    def json(self, *args: str, expect: int | None = 0) -> Any:
        return json.loads(self(*args, "--json", expect=expect).stdout)


@pytest.fixture
def run(catalog_path: Path) -> Run:
    return Run(catalog_path)


def validate(schema_name: str, data: Any) -> None:
    """Assert that ``data`` satisfies schemas/<schema_name>.json (draft 2020-12)."""
    import jsonschema

    from preservation.schemas import load_schema

    schema = load_schema(schema_name)
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(data)


@pytest.fixture
def photos() -> list[Path]:
    return sorted(PHOTOS.glob("*.jpg"))


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Bytes and mtimes of every file below root: proof that a run changed nothing."""
    out = {}
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath) / n
            if p.is_symlink() or not p.is_file():
                continue
            out[str(p)] = (p.read_bytes(), p.stat().st_mtime_ns)
    return out


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """A small collection: real photos, a copy, a text file, nested folders."""

    def make(name: str = "tree", photos: int = 3) -> Path:
        root = tmp_path / name
        (root / "2024" / "summer").mkdir(parents=True)
        srcs = sorted(PHOTOS.glob("*.jpg"))[:photos]
        for i, src in enumerate(srcs):
            (root / "2024" / "summer" / f"IMG_{i:04d}.jpg").write_bytes(src.read_bytes())
        (root / "notes.txt").write_text("family notes\n")
        (root / "copy-of-first.jpg").write_bytes(srcs[0].read_bytes())
        return root

    return make
