"""The Python API under the command: extra sections and another top-level template; the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from preservation.analyse.lookalikes.evidence import Difference, Evidence, Geometry
from preservation.catalog.engine import open_catalog
from preservation.report import ReportOptions, write_report
from preservation.report.lookalikes import difference_image
from preservation.report.model import BuildContext, Section
from preservation.report.sections import SECTIONS
from tests.report.conftest import Family


def test_a_document_can_add_a_section_and_use_its_own_top_template(family: Family, tmp_path: Path) -> None:
    def loss_audit(ctx: BuildContext) -> dict:
        return {"plain": [f"{ctx.sections['copies']['summary']['total']} contents compared <now>."]}

    templates = tmp_path / "templates"
    (templates / "report" / "sections").mkdir(parents=True)
    (templates / "report" / "sections" / "loss.html.j2").write_text("<p class='loss'>{{ d.plain[0] }}</p>")
    (templates / "evidence").mkdir()
    (templates / "evidence" / "package.html.j2").write_text(
        '{% extends "report/base.html.j2" %}{% block content %}<h1>Evidence package</h1>'
        "{% for s in sections %}<h2>{{ s.title }}</h2>{% with d = data[s.id] %}{% include s.template %}"
        "{% endwith %}{% endfor %}{% endblock %}")
    sections = [*SECTIONS[:2], Section("loss", "What was lost", loss_audit), SECTIONS[-1]]
    catalog = open_catalog(family.run.catalog_path)
    try:
        out = tmp_path / "package.pdf"
        written = write_report(catalog, ReportOptions(), out, templates_dir=templates,
                               template="evidence/package.html.j2", sections=sections, record=False)
        html_out = tmp_path / "package.html"
        write_report(catalog, ReportOptions(), html_out, templates_dir=templates,
                     template="evidence/package.html.j2", sections=sections, record=False)
    finally:
        catalog.dispose()
    assert written.pages and written.pages >= 2
    assert [s.id for s in written.report.order] == ["summary", "copies", "loss", "glossary"]
    page = html_out.read_text(encoding="utf-8")
    assert "<h1>Evidence package</h1>" in page and "<h2>What was lost</h2>" in page
    assert "contents compared &lt;now&gt;." in page
    assert page.index("What was lost") < page.index("Glossary")


def _pair() -> tuple[Image.Image, Image.Image]:
    rng = np.random.default_rng(3)
    base = Image.fromarray(rng.integers(60, 200, (120, 160), dtype=np.uint8)).resize((320, 240)).convert("RGB")
    edited = base.copy()
    ImageDraw.Draw(edited).rectangle((200, 20, 260, 80), fill=(0, 0, 0))
    return base, edited


def test_difference_map_darkens_only_what_changed() -> None:
    from preservation.catalog.reportstore import ContentInfo

    a, b = _pair()
    ev = Evidence(decoded=True, geometry=Geometry(relation="same-frame", match=0.99),
                  difference=Difference(regions=[{"x": 200, "y": 20, "width": 60, "height": 60}]))
    ev.a.width, ev.a.height = 320, 240
    info = ContentInfo(1, "a" * 64, 1, "jpeg", None, 320, 240, "RGB", 1, False, None, None, None, {},
                       None, [], None, [])
    im = np.asarray(difference_image(a, b, ev, info), dtype=np.float32)
    assert im.shape == (240, 320)
    assert im[30:70, 210:250].mean() < 120  # the changed square is dark
    assert im[150:230, 20:180].mean() > 195  # the rest is (faint) white
    same = np.asarray(difference_image(a, a.copy(), ev, info), dtype=np.float32)
    assert same[150:230, 20:180].mean() > 195
    # a half-size copy is compared at its own size: not "different everywhere"
    half = a.resize((160, 120), Image.Resampling.LANCZOS)
    ev.geometry.relation = "resized"
    small = np.asarray(difference_image(a, half, ev, info), dtype=np.float32)
    assert small.mean() > 185
