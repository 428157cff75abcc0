"""Templates ship with the package; a user folder overrides any of them; escaping stays on."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.report.conftest import SCRIPT_NAME, Family, flat, pdf_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_user_templates_override_the_packages(family: Family, tmp_path: Path) -> None:
    mine = tmp_path / "mine" / "report" / "sections"
    mine.mkdir(parents=True)
    (mine / "glossary.html.j2").write_text(
        "<p class='custom'>Our own glossary for {{ meta.collection }}.</p>\n"
        "<p>{% for g in data.lookalikes.groups %}{{ g.original.places[0].path }} {% endfor %}</p>\n"
        "<p>{% for g in data.copies.at_risk.by_location %}{{ g.rows | map(attribute='path') | join(' ') }} "
        "{% endfor %}</p>\n")
    (tmp_path / "mine" / "report" / "report.css").write_text(
        "@page { size: A5; @bottom-center { content: 'Custom footer ' counter(page); } }\n")
    out = tmp_path / "custom.html"
    family.run("report", "--out", str(out), "--templates", str(tmp_path / "mine"),
               "--collection", "<b>Ours</b>", expect=1)
    page = out.read_text(encoding="utf-8")
    assert "Our own glossary for &lt;b&gt;Ours&lt;/b&gt;." in page  # autoescaped in a user template too
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in page
    assert "<script" not in page
    assert "Custom footer" in page and "Preservation audit" in page  # other templates: the package's
    pdf = tmp_path / "custom.pdf"
    family.run("report", "--out", str(pdf), "--templates", str(tmp_path / "mine"), expect=1)
    text = flat(pdf_text(pdf))
    assert "Custom footer 1" in text and "Our own glossary" in text
    from pypdf import PdfReader

    page0 = PdfReader(pdf).pages[0]
    assert round(float(page0.mediabox.width)) == 420  # A5: the stylesheet was replaced


def test_a_broken_user_template_is_a_clear_error(family: Family, tmp_path: Path) -> None:
    mine = tmp_path / "broken" / "report" / "sections"
    mine.mkdir(parents=True)
    (mine / "ndsa.html.j2").write_text("{% for x in %}")
    err = family.run("report", "--out", str(tmp_path / "x.html"), "--templates", str(tmp_path / "broken"),
                     expect=2)
    assert "ndsa.html.j2" in err.stderr
    assert not (tmp_path / "x.html").exists()
    (mine / "ndsa.html.j2").write_text("{{ d.no_such_thing.deeper }}")
    err = family.run("report", "--out", str(tmp_path / "x.html"), "--templates", str(tmp_path / "broken"),
                     expect=2)
    assert "no_such_thing" in err.stderr


def test_templates_are_in_the_wheel(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("preservation-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {str(p.relative_to(ROOT)) for p in (ROOT / "preservation" / "templates").rglob("*") if p.is_file()}
    assert shipped and shipped <= names
    assert "preservation/templates/report/report.css" in names
    assert "preservation/schemas/report.json" in names


def test_script_name_in_a_table_cell_and_an_alt_text_is_escaped(family: Family, tmp_path: Path) -> None:
    out = tmp_path / "names.html"
    family.run("report", "--out", str(out), expect=1)
    page = out.read_text(encoding="utf-8")
    assert SCRIPT_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.jpg" in page
