"""docs/reliability.md stays true: every row names tests that exist."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
            and n.name.startswith("test_")}


def test_every_row_names_an_existing_test() -> None:
    doc = (ROOT / "docs" / "reliability.md").read_text(encoding="utf-8")
    rows = [line for line in doc.splitlines() if line.startswith("| ") and not line.startswith("| fault")]
    rows = [r for r in rows if not set(r) <= set("|- ")]
    assert len(rows) >= 20
    for row in rows:
        refs = re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", row)
        assert refs, f"row names no test: {row}"
        for file, name in refs:
            assert (ROOT / file).exists(), f"{file} does not exist"
            assert name in _tests_in(ROOT / file), f"{file}::{name} does not exist"
