"""The review page in a real browser (Debian's Chromium through Playwright): a person pages
through pairs with the keyboard, zooms, shows the difference map, decides, and the decision is
an appraisal event in the catalog. Also: the page at 1280x800 and at a tablet's width, labelled
controls, alt text naming each picture's role, and a visible focus."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from preservation.catalog.engine import open_catalog
from preservation.provenance.decisions import current_decisions
from preservation.review.model import pair_order
from tests.review.conftest import HOSTILE

CHROMIUM = os.environ.get("PRESERVATION_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: .ci/run installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    p = context.new_page()
    p.set_default_timeout(60_000)
    yield p
    context.close()


def loaded(img) -> bool:
    return img.evaluate("el => el.complete && el.naturalWidth > 0")


def test_a_person_decides_with_the_keyboard_and_the_decision_is_in_the_chain(served, page, catalog_path) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served.url())
    assert page.title().startswith("Review look-alikes")
    g = served.review.data.groups[0]
    order = pair_order(g)
    page.get_by_role("link", name="Group 1").click()
    page.wait_for_url(f"**/group/1/pair/{order[0]}?**")
    assert str(g.pairs[order[0]].verdict) == "edited"  # the pair most at risk comes first
    assert str(g.pairs[order[-1]].verdict) == "identical"  # exact copies last
    target = next(i for i in order if str(g.pairs[i].verdict) == "burst")
    for _ in range(order.index(target)):  # next pair, by keyboard
        with page.expect_navigation():
            page.keyboard.press("ArrowRight")
    assert page.url.split("?")[0].endswith(f"/group/1/pair/{target}")
    with page.expect_navigation():  # and back
        page.keyboard.press("ArrowLeft")
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")
    assert page.url.split("?")[0].endswith(f"/group/1/pair/{target}")
    pair = g.pairs[target]

    # both pictures, side by side, with alt text that says which is which
    a, b = page.locator("#side-a img.pic"), page.locator("#side-b img.pic")
    page.wait_for_function("() => [...document.querySelectorAll('img.pic')].every(i => i.complete && i.naturalWidth > 0)")
    assert loaded(a) and loaded(b)
    assert a.get_attribute("alt").startswith("Picture A, the likely original: ")
    assert b.get_attribute("alt").startswith("Picture B, the picture compared with it: ")
    assert HOSTILE in (b.get_attribute("alt") + a.get_attribute("alt"))  # shown as text
    box_a, box_b = a.bounding_box(), b.bounding_box()
    assert box_a["x"] + box_a["width"] <= box_b["x"] and abs(box_a["y"] - box_b["y"]) < 40

    # zoom to 1:1: the full-resolution picture at its own size
    page.keyboard.press("z")
    assert page.locator("#zoom").get_attribute("aria-pressed") == "true"
    page.wait_for_function("() => document.querySelector('#side-a img.pic').src.endsWith('/full.jpg')"
                           " && document.querySelector('#side-a img.pic').complete")
    natural, shown = a.evaluate("el => [el.naturalWidth, el.getBoundingClientRect().width]")
    assert natural == pair.a.width and abs(shown - natural) < 1.5
    page.keyboard.press("z")

    # the difference map over A
    overlay = page.locator("#side-a img.overlay")
    assert overlay.is_hidden()
    page.get_by_role("button", name="Show the difference map on A").click()
    assert overlay.is_visible()
    page.wait_for_function("() => document.querySelector('#side-a img.overlay').complete")
    assert loaded(overlay) and "Difference map" in overlay.get_attribute("alt")

    # decide: key 1 chooses "different photos: keep both", a note, Enter records it
    page.keyboard.press("1")
    assert page.get_by_label("Different photos: keep both").is_checked()
    page.get_by_label("Note (optional)").fill("two shots, 0.35 s apart")
    page.get_by_role("button", name="Record decision").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_selector("#recorded")
    assert "Decision recorded in the provenance log" in page.locator("#recorded").inner_text()
    assert not errors

    cat = open_catalog(catalog_path)
    try:
        decisions = current_decisions(cat)
    finally:
        cat.dispose()
    rec = decisions[frozenset({pair.a.sha256, pair.b.sha256})]
    assert str(rec.decision) == "different-photos-keep-both"
    assert rec.operator == "Test Operator" and rec.note == "two shots, 0.35 s apart"
    assert rec.context["verdict"] == "burst"
    assert {f.path for f in rec.files} == {pair.a.relative_path, pair.b.relative_path}

    # back on that pair, the page says who decided, and the list counts it as decided
    page.goto(served.url(f"/group/1/pair/{target}"))
    assert "reviewed by Test Operator on" in page.locator("#current-decision").inner_text()


def test_choosing_the_authoritative_copy_by_clicking(served, page, catalog_path) -> None:
    g = served.review.data.groups[0]
    index = next(i for i, p in enumerate(g.pairs) if str(p.verdict) == "edited")
    page.goto(served.url(f"/group/1/pair/{index}"))
    page.get_by_label("Picture A is the authoritative version").check()
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_selector("#recorded")
    cat = open_catalog(catalog_path)
    try:
        (rec,) = current_decisions(cat).values()
    finally:
        cat.dispose()
    p = g.pairs[index]
    assert str(rec.decision) == "authoritative-copy"
    assert (rec.authoritative.location, rec.authoritative.path, rec.authoritative.sha256) == (
        p.a.location, p.a.relative_path, p.a.sha256)
    # recording without a choice is refused with a message, and records nothing
    page.goto(served.url(f"/group/1/pair/{index}"))
    page.get_by_role("button", name="Record decision").click()
    assert "Choose one of the decisions first" in page.get_by_role("alert").inner_text()


@pytest.mark.parametrize("width,height", [(1280, 800), (768, 1024)])
def test_the_page_fits_a_laptop_and_a_tablet_and_shows_focus(served, browser, width, height) -> None:
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(served.url("/group/1/pair/1"))
        page.wait_for_function("() => [...document.querySelectorAll('img.pic')].every(i => i.complete)")
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        a, b = page.locator("#side-a img.pic").bounding_box(), page.locator("#side-b img.pic").bounding_box()
        assert a["x"] + a["width"] <= b["x"]  # still side by side
        assert a["width"] > 200 and b["width"] > 200
        # every form control has a label
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')).map(el => el.outerHTML)""")
        assert unlabelled == []
        # the keyboard focus is visible
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        outline = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                " return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert outline[0] != "none" and outline[1] >= 2
        page.goto(served.url("/"))
        overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        assert page.get_by_label("Location").is_visible() and page.get_by_label("Verdict").is_visible()
    finally:
        context.close()
