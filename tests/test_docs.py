"""The documentation cannot go stale: the CLI reference is regenerated and compared."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from preservation.cli.docgen import command_paths, reference

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_matches_the_code() -> None:
    """Commands, their arguments, options and help texts: not click's exact formatting (which
    changes between click releases: brackets in usage lines, spacing before [default: ...])."""
    current = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    assert _what_matters(current) == _what_matters(reference()), (
        "docs/reference/cli.md is stale: run `python -m preservation.cli.docgen > docs/reference/cli.md`")


def _what_matters(page: str) -> dict[str, dict[str, object]]:
    """Per command: the words of its usage line (brackets dropped), its help text (whitespace
    folded), its options with their help, and its subcommands."""
    sections: dict[str, dict[str, object]] = {}
    for block in re.split(r"^#{2,4} ", page, flags=re.M)[1:]:
        title, _, body = block.partition("\n")
        usage = re.search(r"^```\n(.*?)\n```$", body, re.S | re.M)
        options: dict[str, str] = {}
        commands: list[str] = []
        prose: list[str] = []
        for line in (body[usage.end():] if usage else body).splitlines():
            if m := re.fullmatch(r"\| `(.+)` \| (.*) \|", line):
                options[m[1]] = " ".join(m[2].split())
            elif line.startswith("Commands: "):
                commands = re.findall(r"`([^`]+)`", line)
            elif line not in ("| option | meaning |", "|---|---|"):
                prose.append(line)
        sections[title.strip()] = {
            "usage": re.sub(r"[\[\]]", " ", usage[1]).split() if usage else [],
            "help": " ".join(" ".join(prose).split()),
            "options": options,
            "commands": commands,
        }
    assert sections, "no command sections found"
    return sections


def test_the_reference_comparison_sees_what_matters() -> None:
    page = reference()
    assert _what_matters(page) == _what_matters(page.replace("[OPTIONS]", "OPTIONS").replace(".  [", ". ["))
    for changed in (page.replace("Show this message and exit.", "Show this message.", 1),  # a help text
                    page.replace("`--json`", "`--as-json`", 1),  # an option
                    page.replace("`audit`, ", "", 1),  # a subcommand
                    page.replace("[PATH|LOCATION]...", "[PATH]...", 1)):  # an argument
        assert changed != page and _what_matters(changed) != _what_matters(page)


def test_every_command_is_in_the_reference() -> None:
    text = (ROOT / "docs" / "reference" / "cli.md").read_text(encoding="utf-8")
    for path in command_paths():
        assert f"`{path}`" in text, path


def test_every_top_level_command_is_explained_outside_the_reference() -> None:
    """A person should meet each command in the README or a guide, not only in the reference."""
    prose = (ROOT / "README.md").read_text(encoding="utf-8") + "".join(
        p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md") if p.parent.name != "reference")
    top = {p.split()[1] for p in command_paths() if len(p.split()) >= 2}
    missing = sorted(c for c in top if not re.search(rf"preservation {re.escape(c)}\b", prose))
    assert not missing, f"commands never shown in README or docs: {missing}"


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    if shutil.which("mkdocs") is None and not _has_module("mkdocs"):
        pytest.fail("mkdocs is not installed: it is part of the test extra")
    out = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def _has_module(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


def test_ci_runs_the_readmes_test_command() -> None:
    """Both README commands make a virtual environment (Debian 12 refuses a bare pip install), and
    .ci/run runs the second one as written."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)\n```$", section, re.M | re.S)
    assert len(blocks) == 2 and all(b.startswith("python3 -m venv .venv && .venv/bin/pip install") for b in blocks)
    assert "-c constraints/ci.txt" in blocks[1]
    assert blocks[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
