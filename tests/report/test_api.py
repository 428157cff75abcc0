"""The Python API under the command: extra sections and another top-level template; the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from preservation.analyse.lookalikes.diffimage import heat_map
from preservation.analyse.lookalikes.evidence import Difference, Evidence, Geometry
from preservation.catalog.engine import open_catalog
from preservation.report import ReportOptions, write_report
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


def _evidence(relation: str = "same-frame") -> Evidence:
    ev = Evidence(decoded=True, geometry=Geometry(relation=relation, match=0.99),
                  difference=Difference(regions=[{"x": 200, "y": 20, "width": 60, "height": 60}]))
    ev.a.width, ev.a.height = 320, 240
    return ev


def test_difference_map_darkens_only_what_changed() -> None:
    a, b = _pair()
    ev = _evidence()
    im = np.asarray(heat_map(a, b, ev, grey=True), dtype=np.float32)
    assert im.shape == (240, 320)
    assert im[30:70, 210:250].mean() < 120  # the changed square is dark
    assert im[150:230, 20:180].mean() > 195  # the rest is (faint) white
    same = np.asarray(heat_map(a, a.copy(), ev, grey=True), dtype=np.float32)
    assert same[150:230, 20:180].mean() > 195
    # a half-size copy is compared at its own size: not "different everywhere"
    half = a.resize((160, 120), Image.Resampling.LANCZOS)
    small = np.asarray(heat_map(a, half, _evidence("resized"), grey=True), dtype=np.float32)
    assert small.shape == (120, 160)
    assert small.mean() > 185


def test_difference_map_shows_a_change_of_colour_at_equal_brightness() -> None:
    """White balance or black and white: the brightness is the same, the picture is not."""
    rng = np.random.default_rng(4)
    arr = rng.integers(70, 180, (240, 320, 3)).astype(np.float32)
    a = Image.fromarray(arr.astype(np.uint8))
    grey = arr @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    mixed = arr.copy()
    mixed[:, 160:] = grey[:, 160:, None]  # the right half turned black and white
    b = Image.fromarray(np.clip(np.rint(mixed), 0, 255).astype(np.uint8))
    ev = _evidence()
    ev.difference = Difference()
    im = np.asarray(heat_map(a, b, ev, grey=True), dtype=np.float32)
    assert im[:, 175:].mean() < 150  # the grey half differs
    assert im[:, :145].mean() > 195  # the untouched half does not


def test_the_screen_map_is_the_same_map_in_colour() -> None:
    a, b = _pair()
    ev = _evidence()
    colour = np.asarray(heat_map(a, b, ev), dtype=np.float32)
    grey = np.asarray(heat_map(a, b, ev, grey=True), dtype=np.float32)
    assert colour.shape == (*grey.shape, 3)
    square, rest = (slice(30, 70), slice(210, 250)), (slice(150, 230), slice(20, 180))
    assert colour[square][..., 0].mean() > 200 and colour[square][..., 2].mean() < 60  # red: different
    spread = colour[rest].max(axis=2) - colour[rest].min(axis=2)
    assert spread.mean() < 3  # unchanged: a's picture in grey, no colour
