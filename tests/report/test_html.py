"""The HTML report opens in a real browser, shows every name as text, and runs no script."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
from PIL import Image

from tests.report.conftest import EXIF_MARKUP, NOTE_MARKUP, SCRIPT_NAME, Family, open_in_chromium


def test_html_escapes_names_and_has_no_script(staff_html: Path) -> None:
    page = staff_html.read_text(encoding="utf-8")
    assert html.escape(SCRIPT_NAME, quote=False) in page
    assert html.escape(EXIF_MARKUP, quote=False) in page  # an EXIF value (the artist)
    assert html.escape(NOTE_MARKUP, quote=False) in page  # a location's note
    assert EXIF_MARKUP not in page and NOTE_MARKUP not in page
    assert "<script" not in page.lower()  # the report needs no script, and the name made none
    assert not re.search(r"<[^>]+\son[a-z]+\s*=", page, re.IGNORECASE)  # no inline handlers


def test_html_pictures_are_files_written_once(staff_html: Path) -> None:
    page = staff_html.read_text(encoding="utf-8")
    sources = re.findall(r'<img [^>]*src="([^"]+)"', page)
    assert sources, "the look-alike section shows pictures"
    folder = staff_html.parent / "staff-images"
    files = sorted(p.name for p in folder.iterdir())
    assert len(files) == len(set(sources))  # each picture one file, however often it is shown
    for src in set(sources):
        assert (staff_html.parent / src).is_file(), src


def test_html_opens_in_chromium_without_console_errors(staff_html: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    log = open_in_chromium(staff_html, shot)
    console = [line for line in log.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not console, console
    im = np.asarray(Image.open(shot).convert("L"), dtype=np.float32)
    assert im.std() > 10, "the screenshot is blank"
    assert (im < 100).mean() > 0.005, "the screenshot shows almost no text"


def test_the_chromium_check_would_catch_an_error(tmp_path: Path) -> None:
    """The console check is not vacuous: a page with a failing script is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text("<html><body><p>x</p><script>undefined_function();</script></body></html>")
    log = open_in_chromium(bad, tmp_path / "bad.png")
    assert any("Uncaught" in line for line in log.splitlines())


def test_location_filter(family: Family) -> None:
    out = family.out / "usb.html"
    family.run("report", "--out", str(out), "--location", "USB", expect=1)
    page = out.read_text(encoding="utf-8")
    usb_files = sum(1 for p in family.roots["USB"].rglob("*") if p.is_file())
    assert f"This report looks at {usb_files} files" in page
    assert "1 location: USB" in page
    assert "picture.jpg" not in page  # a Laptop-only file
