"""The printable report: sections in order, the catalog's numbers, pages that are not blank."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from pypdf import PdfReader

from preservation.report.sections import SECTIONS
from tests.report.conftest import SCRIPT_NAME, Family, flat, page_images, pdf_text

LETTER = (612, 792)
A4 = (595, 842)


def test_pdf_has_every_section_in_order_with_the_catalogs_numbers(family: Family, patron_pdf: Path) -> None:
    text = flat(pdf_text(patron_pdf))
    positions = []
    for n, sec in enumerate(SECTIONS, 1):
        heading = f"{n}. {sec.title}"
        assert heading in text, heading
        positions.append(text.index(heading))
    assert positions == sorted(positions)
    # what was examined, as the catalog counts it
    assert f"looks at {family.files} files" in text
    assert "3 locations: Laptop, USB, Vault" in text
    # the 3-2-1 numbers agree with `preservation copies`
    copies = json.loads(family.run("copies", "--json", expect=1).stdout)["summary"]
    assert f"{copies['at_risk']} files exist in only one place" in text
    assert re.search(rf"Only one copy that counts {copies['at_risk']} \(\d+%\)", text)
    assert re.search(rf"Meet 3-2-1 {copies['meets_3_2_1']} \(\d+%\)", text)
    # fixity: the altered file is reported, by name
    assert "changed.jpg" in text and "1 file changed, went missing or could not be read" in text
    # look-alikes: verdicts in plain words and the keep-both guidance
    for label in ("Same picture, different file", "Re-saved or resized copy", "Edited version"):
        assert label in text
    assert "Keep both" in text
    # provenance of the report itself
    assert "About this report" in text and "Operator" in text
    assert "Glossary" in text and "Perceptual hash" in text
    # the header of every page but the first: collection name; footer: page numbers
    reader = PdfReader(patron_pdf)
    pages = [flat(p.extract_text() or "") for p in reader.pages]
    assert len(pages) >= 8
    for i, page in enumerate(pages[1:], 2):
        assert "The Smith family" in page, f"page {i} has no running header"
        assert f"Page {i} of {len(pages)}" in page


def test_pages_are_letter_by_default_and_none_is_blank(patron_pdf: Path) -> None:
    reader = PdfReader(patron_pdf)
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == LETTER
    for i, im in enumerate(page_images(patron_pdf)):
        arr = np.asarray(im, dtype=np.float32)
        assert arr.std() > 3, f"page {i + 1} looks blank"
        body = arr[arr.shape[0] // 10: -arr.shape[0] // 10]  # below the header, above the footer
        assert (body < 200).mean() > 0.0002, f"page {i + 1} has nothing but its header and footer"


@pytest.mark.slow
def test_a4_staff_edition_has_the_detail(family: Family) -> None:
    out = family.out / "staff-a4.pdf"
    family.run("report", "--out", str(out), "--paper", "a4", "--audience", "staff", expect=1)
    reader = PdfReader(out)
    assert all((round(float(p.mediabox.width)), round(float(p.mediabox.height))) == A4
               for p in reader.pages)
    text = flat(pdf_text(out))
    assert "Staff edition" in text
    assert "SHA-256" in text and "Evidence:" in text and "PSNR" in text
    assert "outside the catalog" in text  # every NDSA item, with its state
    patron = flat(pdf_text(family.out / "audit.pdf")) if (family.out / "audit.pdf").exists() else ""
    if patron:
        assert "Evidence:" not in patron and "PSNR" not in patron


def test_the_pdf_shows_a_markup_file_name_as_text(patron_pdf: Path) -> None:
    assert SCRIPT_NAME in pdf_text(patron_pdf).replace("\n", "")


def test_pictures_are_embedded_once_each(family: Family) -> None:
    out = family.out / "pictures.json"
    family.run("report", "--out", str(out), expect=1)
    data = json.loads(out.read_text())
    lk = data["sections"]["lookalikes"]
    shown = {g["original"]["thumbnail"] for g in lk["groups"]} | {
        c[side]["thumbnail"] for g in lk["groups"] for c in g["comparisons"] for side in "ab"}
    maps = {c["difference_map"] for g in lk["groups"] for c in g["comparisons"] if c["difference_map"]}
    drawn = {g["original"]["sha256"] for g in lk["groups"]} | {
        c[side]["sha256"] for g in lk["groups"] for c in g["comparisons"] for side in "ab"}
    assert len(shown) == len(drawn)  # one thumbnail per picture, however often it is shown
    assert 2 * sum(len(g["comparisons"]) for g in lk["groups"]) > len(drawn)  # some shown twice
    assert {a["id"] for a in data["assets"]} == shown | maps
    pdf = family.out / "pictures.pdf"
    family.run("report", "--out", str(pdf), expect=1)
    images = set()
    for page in PdfReader(pdf).pages:
        xobjects = page["/Resources"].get("/XObject") if "/Resources" in page else None
        if not xobjects:
            continue
        for ref in xobjects.get_object().values():
            obj = ref.get_object()
            if obj.get("/Subtype") == "/Image":
                images.add(ref.idnum)
    # the likely original appears beside each of its look-alikes but is stored once
    assert len(images) == len(data["assets"])
