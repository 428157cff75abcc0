"""``report --compare FILE``: the loss audit of issue 8 in the printable report, its JSON and CSVs.

Two small trees are made from the sample photos: the family's backup (REFERENCE) and what a
platform still holds (OTHER). The platform kept one file as it was, re-encoded another smaller
and without its camera details, deleted one, kept only the second frame of a burst and only a
brightened edit of another photo, and holds one picture the backup lacks. A real
``preservation compare --json`` is run between them and the report is made from its file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from preservation.evalset import camera_exif, encode
from tests.conftest import PHOTOS, Run, snapshot, validate
from tests.report.conftest import SCRIPT_NAME, flat, pdf_text

WHEN = dt.datetime(2023, 7, 14, 9, 30, 0)


def has(text: str, wanted: str) -> bool:
    """``wanted`` in ``text`` whatever the line breaks (a PDF wraps long paths anywhere)."""
    return re.sub(r"\s+", "", wanted) in re.sub(r"\s+", "", text)


@dataclass
class Audit:
    run: Run
    reference: Path
    other: Path
    out: Path
    compare_json: Path
    data: dict  # the comparison, as written by `preservation compare --json`


def _photo(name: str) -> Image.Image:
    return Image.open(PHOTOS / name).convert("RGB")


def _exposure(scene: Image.Image, rng: np.random.Generator) -> np.ndarray:
    """One frame of a burst: the scene plus fresh sensor noise."""
    arr = np.asarray(scene, dtype=np.float32)
    arr = arr + rng.standard_normal((*arr.shape[:2], 1), dtype=np.float32) * 3.0
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8)


def build_trees(base: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(21)
    ref, oth = base / "Family backup", base / "Platform"
    (ref / "photos").mkdir(parents=True)
    (oth / "export").mkdir(parents=True)

    def exif(seconds: float, subsec: str = "000") -> bytes:
        return camera_exif(when=WHEN + dt.timedelta(seconds=seconds), subsec=subsec)

    # kept as it was
    coffee = (PHOTOS / "coffee.jpg").read_bytes()
    (ref / "photos" / "coffee.jpg").write_bytes(coffee)
    (oth / "export" / "coffee.jpg").write_bytes(coffee)
    # re-encoded by the platform: half size, lower quality, camera details stripped
    camera = _photo("camera.jpg")
    (ref / "photos" / "camera.jpg").write_bytes(encode(camera, quality=94, exif=exif(60)))
    half = camera.resize((camera.width // 2, camera.height // 2), Image.Resampling.LANCZOS)
    (oth / "export" / "IMG_camera_small.jpg").write_bytes(encode(half, quality=75))
    # deleted by the platform
    (ref / "photos" / "rocket.jpg").write_bytes((PHOTOS / "rocket.jpg").read_bytes())
    # a burst of two frames one second apart: the platform kept only the second
    scene = _photo("astronaut.jpg")
    frame1 = encode(_exposure(scene, rng), quality=93, exif=exif(120, "100"))
    frame2 = encode(_exposure(scene, rng), quality=93, exif=exif(121, "100"))
    (ref / "photos" / "burst-1.jpg").write_bytes(frame1)
    (ref / "photos" / "burst-2.jpg").write_bytes(frame2)
    (oth / "export" / "burst-2.jpg").write_bytes(frame2)
    # an original and its brightened edit: the platform kept only the edit
    cat = _photo("chelsea.jpg")
    (ref / "photos" / "chelsea.jpg").write_bytes(encode(cat, quality=93, exif=exif(180)))
    bright = np.clip(np.asarray(cat, dtype=np.float32) * 1.35 + 12, 0, 255).astype(np.uint8)
    (oth / "export" / "chelsea-edited.jpg").write_bytes(encode(bright, quality=93, exif=exif(180)))
    # a picture only the platform holds
    rings = Image.new("RGB", (480, 360), (240, 236, 220))
    draw = ImageDraw.Draw(rings)
    for r in range(170, 0, -17):
        draw.ellipse((240 - r, 180 - r, 240 + r, 180 + r), fill=(r, 90, 200 - r))
    (oth / "export" / "only-here.jpg").write_bytes(encode(rings, quality=90))
    return ref, oth


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    base = tmp_path_factory.mktemp("lossaudit-report")
    ref, oth = build_trees(base)
    run = Run(base / "catalog.sqlite")
    out = base / "out"
    out.mkdir()
    result = run("compare", str(ref), str(oth), "--jobs", "1", "--json", expect=1)
    path = out / "compare.json"
    path.write_text(result.stdout, encoding="utf-8")
    return Audit(run, ref, oth, out, path, json.loads(result.stdout))


@pytest.fixture(scope="module")
def patron_pdf(audit: Audit) -> Path:
    pdf = audit.out / "loss-audit.pdf"
    audit.run("report", "--out", str(pdf), "--compare", str(audit.compare_json), expect=1)
    return pdf


def test_the_scenario_is_what_the_platform_did(audit: Audit) -> None:
    """The comparison the report is made from: one status per file, as the trees were made."""
    validate("compare", audit.data)
    got = {e["relative_path"]: (e["status"], e["verdict"]) for e in audit.data["entries"]}
    assert got == {
        "photos/coffee.jpg": ("present", "identical"),
        "photos/burst-2.jpg": ("present", "identical"),
        "photos/camera.jpg": ("same-picture", "derivative"),
        "photos/burst-1.jpg": ("lookalike-only", "burst"),
        "photos/chelsea.jpg": ("lookalike-only", "edited"),
        "photos/rocket.jpg": ("missing", None),
    }
    assert {o["relative_path"] for o in audit.data["other_only"]} == {"export/only-here.jpg",
                                                                       "export/chelsea-edited.jpg"}


def test_pdf_has_the_loss_audit_after_the_summary_with_the_comparisons_numbers(
        audit: Audit, patron_pdf: Path) -> None:
    text = flat(pdf_text(patron_pdf))
    heading = "2. What the platform removed (loss audit)"
    assert heading in text and "1. Summary" in text
    assert text.index("1. Summary", text.index("In this report")) < text.index(heading, text.index("In this report"))
    section = text[text.rindex(heading):text.index("3. Are the files backed up?", text.rindex(heading))]
    # plain words first: the comparison's own headline and the count of every status
    headline = ("3 originals are gone from the platform; for 2 of them the platform kept a different "
                "burst frame or edit.")
    assert audit.data["summary"]["headline"] == headline
    assert section.index(headline) < section.index("What became of it")
    assert ("Of 6 files in Family backup, Platform holds 2 as identical copies and 1 as the same picture "
            "re-compressed, resized or stripped of metadata; 2 only as a look-alike (another burst frame, "
            "an edit or a similar photo) and 1 not at all.") in section
    assert "Platform also holds 2 files that Family backup lacks." in section
    # the table of statuses
    for label in ("Still there, identical", "Still there, re-saved", "Gone: a look-alike kept instead",
                  "Gone: nothing like it left"):
        assert label in section
    assert "Not compared" not in section  # no file was unreadable: no row for it
    assert "In all Every file of Family backup 6" in section
    # the originals that are gone, with what the platform kept, its verdict and the explanation
    entries = {e["relative_path"]: e for e in audit.data["entries"]}
    lost = section[section.index("Gone from Platform: a look-alike was kept instead"):]
    for name, label in (("burst-1.jpg", "Another shot moments apart"), ("chelsea.jpg", "Edited version")):
        e = entries[f"photos/{name}"]
        assert has(lost, f"Family backup: photos/{name}")
        assert has(lost, f"Platform: {e['other_relative_path']}")
        assert has(lost, f"{label} {e['explanation']}")
        if e["platform_sentence"]:  # issue 20: which matcher would explain the platform's choice
            assert has(lost, f"Which photo matcher would explain the platform's choice: {e['platform_sentence']}")
    assert any(entries[f"photos/{n}"]["platform_matchers"] for n in ("burst-1.jpg", "chelsea.jpg"))
    missing = section[section.index("Gone from Platform: nothing like it is left"):]
    assert has(missing, "Family backup: photos/rocket.jpg")
    assert "Nothing in Platform has the same bytes or looks like it." in missing
    kept = section[section.index("Still on Platform, re-saved by the platform"):]
    assert has(kept, "photos/camera.jpg") and has(kept, "export/IMG_camera_small.jpg")
    assert has(kept, entries["photos/camera.jpg"]["explanation"])
    only = section[section.index("On Platform but not in Family backup"):]
    assert has(only, "export/only-here.jpg") and "Nothing like it" in only
    assert has(only, "export/chelsea-edited.jpg") and has(only, "Family backup: photos/chelsea.jpg")
    # the summary page leads with it; the report's provenance names the file it was made from
    summary = text[:text.index("In this report")]
    assert headline in summary
    sha = hashlib.sha256(audit.compare_json.read_bytes()).hexdigest()
    assert has(text, f"The loss audit was made from compare.json (SHA-256 {sha})")


def test_lookalike_pairs_are_drawn_side_by_side(audit: Audit) -> None:
    out = audit.out / "pairs.html"
    audit.run("report", "--out", str(out), "--compare", str(audit.compare_json), expect=1)
    page = out.read_text(encoding="utf-8")
    pairs = re.findall(r'<div class="comparison loss-pair">(.*?)<p class="verdict">', page, re.S)
    assert len(pairs) == 2
    for pair in pairs:
        sources = re.findall(r'<img [^>]*src="([^"]+)"', pair)
        assert len(sources) == 2 and sources[0] != sources[1]  # the original and what was kept
        for src in sources:
            assert (out.parent / src).is_file()
    missing = page[page.index('class="data fixed loss-missing"'):]
    assert re.search(r'<img class="thumb mini" src="[^"]+"', missing[:missing.index("</table>")])


def test_json_carries_the_section_and_follows_the_schema(audit: Audit) -> None:
    data = json.loads(audit.run("report", "--json", "--audience", "staff", "--compare",
                                str(audit.compare_json), expect=1).stdout)
    validate("report", data)
    assert data["order"][:3] == ["summary", "loss-audit", "copies"]
    la = data["sections"]["loss-audit"]
    summary = audit.data["summary"]
    assert {c["status"]: c["count"] for c in la["counts"]} == summary["counts"]
    assert la["total"] == summary["total"] == 6 and la["gone"] == summary["gone"] == 3
    assert la["kept_instead"] == summary["kept_instead"]
    assert la["headline"] == summary["headline"] and la["plain"][0] == summary["headline"]
    assert [r["path"] for r in la["lookalike_only"]["rows"]] == ["photos/burst-1.jpg", "photos/chelsea.jpg"]
    for r in la["lookalike_only"]["rows"]:
        assert r["thumbnail"] and r["other_thumbnail"] and r["thumbnail_problem"] is None
        assert r["other"]["path"].startswith("export/") and r["verdict"] in ("burst", "edited")
    assert [r["path"] for r in la["missing"]["rows"]] == ["photos/rocket.jpg"]
    assert la["same_picture"]["total"] == 1 and la["other_only"]["total"] == 2
    assert la["source"]["file"] == "compare.json" and data["meta"]["compare"] == la["source"]
    assert data["sections"]["provenance"]["compare"] == la["source"]
    assert data["problems"] is True  # originals are gone: the report exits 1
    assert {a["id"] for a in data["assets"]} >= {la["missing"]["rows"][0]["thumbnail"]}
    # without --compare there is no such section
    plain = json.loads(audit.run("report", "--json", expect=1).stdout)
    assert "loss-audit" not in plain["order"] and plain["meta"]["compare"] is None
    validate("report", plain)


def test_long_lists_are_cut_and_written_in_full_to_csv(audit: Audit) -> None:
    pdf = audit.out / "short.pdf"
    result = audit.run("report", "--out", str(pdf), "--compare", str(audit.compare_json), "--rows", "1",
                       expect=1)
    lists = {p.name for p in audit.out.glob("short-compare-*.csv")}
    # cut to one row: the look-alike list (2) and the list of files only on the platform (2)
    assert lists == {"short-compare-lookalike-only.csv", "short-compare-only-in-other.csv"}
    for name in lists:
        assert f"Full list: {name}" in result.stdout
    with open(audit.out / "short-compare-lookalike-only.csv", newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["reference: path"], r["status"], r["verdict"]) for r in rows] == [
        ("photos/burst-1.jpg", "lookalike-only", "burst"), ("photos/chelsea.jpg", "lookalike-only", "edited")]
    entries = {e["relative_path"]: e for e in audit.data["entries"]}
    for r in rows:
        e = entries[r["reference: path"]]
        assert r["platform: path"] == e["other_relative_path"] and r["explanation"] == e["explanation"]
        assert r["reference: sha256"] == e["sha256"]
    text = flat(pdf_text(pdf))
    assert has(text, "Showing 1 of 2 originals gone with only a look-alike left. The full list is in "
                     "short-compare-lookalike-only.csv")


def test_a_picture_that_cannot_be_read_gets_a_placeholder_and_names_stay_text(audit: Audit) -> None:
    data = json.loads(audit.compare_json.read_text(encoding="utf-8"))
    e = next(e for e in data["entries"] if e["relative_path"] == "photos/burst-1.jpg")
    e["other_path"] = str(audit.other / "export" / "gone-since.jpg")  # removed after the comparison
    rocket = next(e for e in data["entries"] if e["relative_path"] == "photos/rocket.jpg")
    rocket["relative_path"] = SCRIPT_NAME  # a name is text, whatever it says
    rocket["explanation"] = "<b onclick=alert(2)>gone</b>"
    edited = audit.out / "edited-compare.json"
    edited.write_text(json.dumps(data), encoding="utf-8")
    out = audit.out / "placeholder.html"
    audit.run("report", "--out", str(out), "--compare", str(edited), expect=1)
    page = out.read_text(encoding="utf-8")
    pair = re.findall(r'<div class="comparison loss-pair">(.*?)<p class="verdict">', page, re.S)[0]
    assert len(re.findall(r"<img ", pair)) == 1  # the original is still drawn
    assert "no-picture" in pair and "No picture:" in pair
    assert html.escape(SCRIPT_NAME, quote=False) in page and "&lt;b onclick=alert(2)&gt;gone&lt;/b&gt;" in page
    assert SCRIPT_NAME not in page and "<b onclick" not in page


@pytest.mark.parametrize(("content", "message"), [
    (None, "does not exist"),
    ('{"kind": "preservation-compare", "version": 1, "entries": [', "cannot be read as JSON"),
    ('{"format": "preservation-report"}', "This is not the JSON of 'preservation compare --json'"),
    ("garbled-status", "entries[0].status: 'gone' is not one of"),
    ("no-other-only", "the document: 'other_only' is a required property"),
    ("bad-count", "summary.counts.missing: -1 is less than the minimum of 0"),
])
def test_a_wrong_or_damaged_comparison_file_is_refused_with_exit_2(
        audit: Audit, tmp_path: Path, content: str | None, message: str) -> None:
    path = tmp_path / "compare.json"
    if content in ("garbled-status", "no-other-only", "bad-count"):
        data = json.loads(audit.compare_json.read_text(encoding="utf-8"))
        if content == "garbled-status":
            data["entries"][0]["status"] = "gone"
        elif content == "no-other-only":
            del data["other_only"]
        else:
            data["summary"]["counts"]["missing"] = -1
        path.write_text(json.dumps(data), encoding="utf-8")
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "audit.pdf"
    result = audit.run("report", "--out", str(out), "--compare", str(path), expect=2)
    assert message in result.stderr
    assert not out.exists() and not list(tmp_path.glob("audit-*.csv"))  # nothing half-written


def test_the_report_changes_neither_tree_and_records_the_comparison(audit: Audit) -> None:
    before = [snapshot(audit.reference), snapshot(audit.other)]
    audit.run("report", "--out", str(audit.out / "again.pdf"), "--compare", str(audit.compare_json),
              expect=1)
    assert [snapshot(audit.reference), snapshot(audit.other)] == before
    from preservation.catalog.engine import open_catalog
    from preservation.catalog.events import newest_event

    catalog = open_catalog(audit.run.catalog_path)
    try:
        with catalog.session() as s:
            ev = newest_event(s)
            assert ev is not None
            detail = dict(ev.detail)
    finally:
        catalog.dispose()
    sha = hashlib.sha256(audit.compare_json.read_bytes()).hexdigest()
    assert detail["compare"] == {"file": "compare.json", "sha256": sha, "reference": "Family backup",
                                 "other": "Platform"}


def test_the_section_fits_into_another_document(audit: Audit, tmp_path: Path) -> None:
    """An evidence package or a one-section document can take the builder alone."""
    from preservation.catalog.engine import open_catalog
    from preservation.report import ReportOptions, write_report
    from preservation.report.lossaudit import LOSS_AUDIT

    catalog = open_catalog(audit.run.catalog_path)
    try:
        written = write_report(catalog, ReportOptions(compare=str(audit.compare_json)), tmp_path / "only.json",
                               sections=[LOSS_AUDIT], record=False)
        with pytest.raises(Exception, match="needs a comparison"):
            write_report(catalog, ReportOptions(), None, sections=[LOSS_AUDIT], record=False)
    finally:
        catalog.dispose()
    assert [s.id for s in written.report.order] == ["loss-audit"]
    assert written.report.sections["loss-audit"]["gone"] == 3


def test_the_plain_words_do_not_depend_on_the_summary_block(audit: Audit, tmp_path: Path) -> None:
    """The numbers are counted from the entries, as `compare` counts them."""
    data = json.loads(audit.compare_json.read_text(encoding="utf-8"))
    rocket = next(e for e in data["entries"] if e["relative_path"] == "photos/rocket.jpg")
    data["entries"].remove(rocket)
    path = tmp_path / "compare.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    got = json.loads(audit.run("report", "--json", "--compare", str(path), expect=1).stdout)
    la = got["sections"]["loss-audit"]
    assert la["total"] == 5 and la["gone"] == 2 and la["missing"]["total"] == 0
    assert la["headline"].startswith("2 originals are gone from the platform; for 2 of them")


# --- the schema check the comparison file goes through ----------------------------------------


def _nodes(value: object, path: tuple = ()) -> list[tuple]:
    out = [path]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:3]):
            out += _nodes(v, (*path, i))
    return out


def _mutations(doc: dict, n: int, seed: int) -> list[object]:
    """``n`` copies of ``doc``, each damaged in one place: a value replaced, a key removed or added."""
    import copy
    import random

    rng = random.Random(seed)
    nodes = [p for p in _nodes(doc) if p]
    odd: list[object] = [None, -1, 0, 2.5, "", "gone", True, [], {}, "2024-13-01", "ab" * 32, 40]
    out: list[object] = []
    for _ in range(n):
        d = copy.deepcopy(doc)
        path = rng.choice(nodes)
        parent = d
        for k in path[:-1]:
            parent = parent[k]
        kind = rng.random()
        if kind < 0.2 and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind < 0.3 and isinstance(parent, dict):
            parent["unexpected_" + str(rng.randrange(9))] = rng.choice(odd)
        else:
            parent[path[-1]] = rng.choice(odd)
        out.append(d)
    return out


@pytest.mark.parametrize("name", ["compare", "report"])
def test_damaged_documents_are_refused_with_where_the_damage_is(audit: Audit, name: str) -> None:
    from preservation.schemas import SchemaError, problems
    from preservation.schemas import validate as check

    doc = audit.data if name == "compare" else json.loads(
        audit.run("report", "--json", "--audience", "staff", "--compare", str(audit.compare_json),
                  expect=1).stdout)
    assert problems(name, doc) == []
    refused = sum(bool(problems(name, bad)) for bad in _mutations(doc, 100, seed=len(name)))
    assert refused > 50  # most damage is caught (a few mutations leave the document valid)
    with pytest.raises(SchemaError, match="not a valid compare document") as err:
        check("compare", {**audit.data, "version": 2})
    assert err.value.problems and err.value.problems[0].startswith("version: ")
    if name == "compare" and doc["entries"]:
        bad = json.loads(json.dumps(doc))
        bad["entries"][0]["status"] = "gone"
        assert problems(name, bad)[0].startswith("entries[0].status: 'gone' is not one of")
