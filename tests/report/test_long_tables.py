"""Long tables in the PDF (issue 6): every page a table runs onto repeats its header, and no row
is cut in two by a page break.

A location holds 50 files with long names (each wraps over several lines in the table) and no
other copy, so the 3-2-1 section lists all 50 as at risk in one table over several pages. The
page texts are read back with pypdf: on each page that holds rows the column headers appear,
and each row's first words, last words and checksum are on one and the same page.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import Run

ROWS = 50
HEADER = "Why other copies do not count"  # a column of the at-risk table only
CSS_WITHOUT_THE_RULES = "thead { display: table-row-group; } tr { break-inside: auto; page-break-inside: auto; }"


@dataclass
class Shelf:
    run: Run
    out: Path
    rows: dict[str, tuple[str, str, str]]  # row number -> (first words, last words, short SHA-256)


@pytest.fixture(scope="module")
def shelf(tmp_path_factory: pytest.TempPathFactory) -> Shelf:
    base = tmp_path_factory.mktemp("long-tables")
    root = base / "Shelf"
    root.mkdir()
    middle = "abcdefghijklmnopqrstuvwxyz" * 3  # the name wraps: a row is several lines tall
    for i in range(ROWS):
        (root / f"row{i:03d}-{middle}-end{i:03d}.txt").write_text(f"letter {i}\n" * (i + 1))
    run = Run(base / "catalog.sqlite")
    run("location", "add", "Shelf", str(root), "--media", "hdd")
    run("scan", "-q", "--jobs", "1")
    files = json.loads(run("files", "--json").stdout)["files"]
    rows = {}
    for f in files:
        n = re.match(r"row(\d{3})-", f["path"])
        if n:
            rows[n.group(1)] = (f"row{n.group(1)}-", f"-end{n.group(1)}.txt", f["sha256"][:12])
    assert len(rows) == ROWS
    out = base / "out"
    out.mkdir()
    return Shelf(run, out, rows)


def _squeezed_pages(pdf: Path) -> list[tuple[str, str]]:
    """Each page's text as extracted, and without any whitespace (long names wrap anywhere)."""
    pages = [p.extract_text() or "" for p in PdfReader(pdf).pages]
    return [(t, re.sub(r"\s+", "", t)) for t in pages]


def table_faults(pdf: Path, rows: dict[str, tuple[str, str, str]], header: str) -> list[str]:
    """What is wrong with a long table in ``pdf``: pages whose rows have no header, rows cut."""
    pages = _squeezed_pages(pdf)
    faults = []
    holding = set()
    for n, (first, last, sha) in rows.items():
        where = {part: [i for i, (_, sq) in enumerate(pages) if part in sq] for part in (first, last, sha)}
        found = [i for part in where.values() for i in part]
        if not all(where.values()):
            faults.append(f"row {n}: not found in the table ({where})")
        elif len(set(found)) != 1:
            faults.append(f"row {n} is cut across pages {sorted({i + 1 for i in found})}")
        holding.update(found)
    squeezed_header = re.sub(r"\s+", "", header)
    for i in sorted(holding):
        if squeezed_header not in pages[i][1]:
            faults.append(f"page {i + 1} holds rows of the table but not its header")
    return faults


@pytest.mark.slow
def test_long_tables_repeat_their_header_and_never_cut_a_row(shelf: Shelf) -> None:
    for paper in ("letter", "a4"):
        pdf = shelf.out / f"long-{paper}.pdf"
        shelf.run("report", "--out", str(pdf), "--audience", "staff", "--rows", "200", "--paper", paper,
                  expect=1)
        pages = _squeezed_pages(pdf)
        spread = {i for i, (_, sq) in enumerate(pages) for first, _, _ in shelf.rows.values() if first in sq}
        assert len(spread) >= 4, "the table should run over several pages"
        assert table_faults(pdf, shelf.rows, HEADER) == []


def test_the_check_catches_a_stylesheet_without_those_rules(shelf: Shelf, tmp_path: Path) -> None:
    """The same report with the two rules undone in a user stylesheet fails the check: it is not
    vacuous."""
    mine = tmp_path / "templates" / "report"
    mine.mkdir(parents=True)
    package_css = resources.files("preservation").joinpath("templates/report/report.css").read_text("utf-8")
    (mine / "report.css").write_text(package_css + "\n" + CSS_WITHOUT_THE_RULES + "\n", encoding="utf-8")
    pdf = shelf.out / "undone.pdf"
    shelf.run("report", "--out", str(pdf), "--audience", "staff", "--rows", "200",
              "--templates", str(tmp_path / "templates"), expect=1)
    faults = table_faults(pdf, shelf.rows, HEADER)
    assert any("holds rows of the table but not its header" in f for f in faults)
    assert any("is cut across pages" in f for f in faults)
