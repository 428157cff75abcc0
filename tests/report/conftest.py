"""A small family collection for report tests, built in code (seeded) and scanned once per module.

Laptop (ssd), USB (hdd), Vault (hdd, off-site):

* ``originals/p0.jpg`` on Laptop, Vault and USB: meets 3-2-1. Its look-alikes on USB: an
  exposure edit, a half-size copy, and the same pixels with EXIF (camera, date, GPS) stripped.
* ``originals/p1.jpg`` on Laptop only (at risk) and its black-and-white edit on USB.
* ``<script>alert(1)</script>.jpg`` (a folder ``<script>alert(1)<`` holding ``script>.jpg``):
  a photo whose name is markup.
* ``=HYPERLINK("x";"y")+1.jpg`` on Laptop and USB: an exact copy whose name is a formula.
* ``p0.jpg`` comes from the look-alike evaluation set: a camera-like JPEG with EXIF and GPS.
* ``picture.jpg``: a PNG named .jpg (extension mismatch); ``notes.txt``.
* ``changed.jpg`` on USB: scanned, then altered: the verify finds it changed.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import PHOTOS, Run

SCRIPT_NAME = "<script>alert(1)</script>.jpg"
FORMULA_NAME = '=HYPERLINK("x";"y")+1.jpg'
GPS_LAT = "48.85"  # evalset photo 0's latitude
EXIF_MARKUP = "<img src=x onerror=alert(2)>"
NOTE_MARKUP = "<b onclick=alert(3)>in the attic</b>"


@dataclass
class Family:
    run: Run
    root: Path
    out: Path
    roots: dict[str, Path]
    files: int  # present files in the catalog
    contents: int


def build_family(root: Path) -> Family:
    from preservation.evalset import build_pairs, source_photos

    photos = source_photos()
    pairs = {p.b.name: p for p in build_pairs(seed=11, long_side=320, photos=[photos[0], photos[2]],
                                              groups=["same-pixels", "derivative", "edited"])}
    roots = {n: root / n.lower() for n in ("Laptop", "USB", "Vault")}
    for r in roots.values():
        r.mkdir(parents=True)
    p0 = pairs["p0-exif-stripped.jpg"].a.data
    p1 = pairs["p1-grey.jpg"].a.data
    for name in ("Laptop", "USB", "Vault"):
        (roots[name] / "originals").mkdir()
        (roots[name] / "originals" / "p0.jpg").write_bytes(p0)
    (roots["Laptop"] / "originals" / "p1.jpg").write_bytes(p1)
    usb = roots["USB"] / "shared"
    usb.mkdir()
    for kind in ("p0-exif-stripped.jpg", "p0-exposure-up.jpg", "p0-resize-50.jpg", "p1-grey.jpg"):
        (usb / kind).write_bytes(pairs[kind].b.data)
    # the same pixels as p1 with markup in its EXIF (the artist): shown as text, never as markup
    from preservation.evalset import camera_exif, replace_jpeg_exif

    (usb / "p1-tagged.jpg").write_bytes(replace_jpeg_exif(p1, camera_exif(artist=EXIF_MARKUP)))
    script_dir = roots["Laptop"] / "<script>alert(1)<"
    script_dir.mkdir()
    (script_dir / "script>.jpg").write_bytes((PHOTOS / "coffee.jpg").read_bytes())
    rocket = (PHOTOS / "rocket.jpg").read_bytes()
    (roots["Laptop"] / FORMULA_NAME).write_bytes(rocket)
    (roots["USB"] / FORMULA_NAME).write_bytes(rocket)
    buf = io.BytesIO()
    Image.open(PHOTOS / "camera.jpg").save(buf, "PNG")
    (roots["Laptop"] / "picture.jpg").write_bytes(buf.getvalue())
    (roots["Laptop"] / "notes.txt").write_text("=1+2 family notes\n")
    noise = np.random.default_rng(5).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(noise).save(buf, "JPEG", quality=90)
    (roots["USB"] / "changed.jpg").write_bytes(buf.getvalue())

    catalog = root / "catalog.sqlite"
    run = Run(catalog)
    run("location", "add", "Laptop", str(roots["Laptop"]), "--media", "ssd")
    run("location", "add", "USB", str(roots["USB"]), "--media", "hdd")
    run("location", "add", "Vault", str(roots["Vault"]), "--media", "hdd", "--site", "offsite",
        "--note", NOTE_MARKUP)
    run("scan", "-q", "--operator", "Ada", expect=1)  # picture.jpg, a PNG: an extension mismatch
    data = bytearray((roots["USB"] / "changed.jpg").read_bytes())
    data[-100] ^= 0xFF
    (roots["USB"] / "changed.jpg").write_bytes(bytes(data))
    run("verify", "-q", "--operator", "Ada", expect=1)
    listing = json.loads(run("files", "--json", "--no-missing").stdout)["files"]
    out = root / "out"
    out.mkdir()
    return Family(run, root, out, roots, len(listing), len({f["sha256"] for f in listing}))


@pytest.fixture(scope="module")
def family(tmp_path_factory: pytest.TempPathFactory) -> Family:
    return build_family(tmp_path_factory.mktemp("family"))


@pytest.fixture(scope="module")
def patron_pdf(family: Family) -> Path:
    out = family.out / "audit.pdf"
    family.run("report", "--out", str(out), "--collection", "The Smith family", expect=1)
    return out


@pytest.fixture(scope="module")
def staff_html(family: Family) -> Path:
    out = family.out / "staff.html"
    family.run("report", "--out", str(out), "--audience", "staff", expect=1)
    return out


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def flat(text: str) -> str:
    """Text with all whitespace runs made one space (PDF extraction wraps lines anywhere)."""
    return " ".join(text.split())


def page_images(path: Path, scale: float = 0.5) -> list[Image.Image]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return [pdf[i].render(scale=scale).to_pil().convert("L") for i in range(len(pdf))]
    finally:
        pdf.close()


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


def open_in_chromium(html: Path, screenshot: Path) -> str:
    """Open a page in real headless Chromium, save a screenshot, return Chromium's log."""
    exe = chromium()
    if exe is None:
        pytest.fail("Chromium is not installed (.ci/run installs the Debian package 'chromium')")
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr",
             "--v=0", f"--screenshot={screenshot}", "--window-size=1280,2000",
             html.resolve().as_uri()],
            capture_output=True, text=True, timeout=120, env={**os.environ, "HOME": profile})
    assert screenshot.exists(), proc.stderr[-2000:]
    return proc.stderr
