"""The lint and type checks configured in pyproject.toml pass: run with the tests, not beside them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_is_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "preservation", "tests", "benchmarks"],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    # Incremental, with mypy's own cache (.mypy_cache, as `mypy` on the command line uses): a run
    # after a small change checks only what it touches (seconds, not a minute); the cache is
    # keyed by mypy's version, its options and every file's contents.
    out = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_dependency_is_pinned_in_the_constraints_file() -> None:
    """CI installs with constraints/ci.txt: a dependency added to pyproject.toml without
    `bash .ci/constraints` would come in at whatever version is newest that day."""
    import tomllib

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    wanted += [Requirement(r) for extra in project["optional-dependencies"].values() for r in extra]
    pins: dict[str, str] = {}
    for line in (ROOT / "constraints" / "ci.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, sep, version = line.partition("==")
            assert sep and version.strip(), f"constraints/ci.txt: {line!r} is not an exact pin"
            pins[canonicalize_name(name)] = version.strip()
    assert "preservation" not in pins
    missing = sorted({r.name for r in wanted if canonicalize_name(r.name) not in pins})
    assert not missing, f"not in constraints/ci.txt (run `bash .ci/constraints`): {missing}"
    outside = sorted(f"{r.name}=={pins[canonicalize_name(r.name)]} (pyproject: {r.specifier})" for r in wanted
                     if not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True))
    assert not outside, f"pins outside pyproject.toml's ranges (run `bash .ci/constraints`): {outside}"
    assert {"ruff", "mypy", "pytest"} <= pins.keys()
