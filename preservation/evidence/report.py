"""``evidence/report.pdf``: the evidence for the packaged files, for a person to read and print.

Rendered by the report package's pipeline (Jinja2 templates with autoescaping, WeasyPrint,
pictures served from an :class:`~preservation.report.assets.AssetStore`) with its own top-level
template, ``evidence/report.html.j2``. The difference pictures are the look-alike analysis' own
(:func:`~preservation.analyse.lookalikes.diff_png`: the two files side by side, a heat map of
where they differ, the facts); each is kept in the bag as a PNG and shown in the PDF.
Everything printed comes from the package's record (:mod:`.provenance`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from preservation import agent
from preservation.analyse.lookalikes import diff_png
from preservation.report.assets import AssetStore, encode_jpeg, fit
from preservation.report.glossary import VERDICT_LABELS
from preservation.report.lookalike_view import FIELD_LABELS, field_value
from preservation.report.model import Report, Section

DIFFERENCES = "evidence/differences"
#: Long side, in pixels, of a difference picture as embedded in the PDF (the PNG is full size).
PDF_SIDE = 1400
SECTIONS = (
    ("summary", "What this package shows"),
    ("files", "The files"),
    ("comparisons", "How the look-alikes differ"),
    ("metadata", "What the files say about themselves (EXIF)"),
    ("fixity", "Fixity history"),
    ("chain", "The chain of events"),
    ("about", "About this package"),
)


def draw_differences(bag: str, pairs: Sequence[Any], store: AssetStore,
                     say: Callable[[str], None] = lambda _m: None) -> None:
    """A difference picture for every compared pair whose bytes differ: a PNG in the bag, and a
    smaller copy in ``store`` for the PDF (``pair.difference`` is set to the PNG's path)."""
    todo = [p for p in pairs if p.result is not None and not p.result.evidence.bytes_equal]
    if todo:
        say(f"Drawing {len(todo)} difference picture{'s' if len(todo) != 1 else ''}...")
        os.makedirs(os.path.join(bag, DIFFERENCES), exist_ok=True)
    for n, p in enumerate(todo, 1):
        image, _ = diff_png(os.path.join(bag, p.a.bag_path), os.path.join(bag, p.b.bag_path), p.result,
                            names=(p.a.bag_path, p.b.bag_path))
        p.difference = f"{DIFFERENCES}/{n:04d}.png"
        image.save(os.path.join(bag, p.difference), "PNG")
        store.add(encode_jpeg(asset_id(p.difference), fit(image, PDF_SIDE), quality=85))


def asset_id(path: str) -> str:
    return "pic-" + "".join(ch if ch.isalnum() else "-" for ch in path.lower())


def _exif(exif: dict[str, Any], show_gps: bool) -> list[dict[str, str]]:
    rows = []
    for key in sorted(exif, key=lambda k: (k not in FIELD_LABELS, k)):
        v = field_value(key, exif[key], show_gps)
        if v is not None:
            rows.append({"label": FIELD_LABELS.get(key, key), "value": v})
    return rows


def context(record: dict[str, Any], bag: str, store: AssetStore, show_gps: bool) -> dict[str, Any]:
    """What the templates show, besides the record itself: pictures, EXIF rows, labels."""
    objects = {o["bag_path"]: o for o in record["objects"]}
    thumbs: dict[str, dict[str, Any]] = {}
    for o in record["objects"]:
        a = store.thumbnail(o["sha256"], [os.fsencode(os.path.join(bag, o["bag_path"]))])
        thumbs[o["bag_path"]] = {"id": a.id if a else None, "problem": None if a else (
            "not a picture that can be shown" if not o["width"] else "the picture could not be read")}
    differences = [  # by comparison, in order
        [{"label": FIELD_LABELS.get(k, k), "a": field_value(k, d.get("a"), show_gps),
          "b": field_value(k, d.get("b"), show_gps)} for k, d in c["metadata_differences"].items()]
        for c in record["comparisons"]]
    return {
        "record": record, "package": record["package"], "objects": objects, "thumbs": thumbs,
        "exif": {o["bag_path"]: _exif(o["exif"], show_gps) for o in record["objects"]},
        "differences": differences, "labels": VERDICT_LABELS,
        "events": {e["seq"]: e for e in record["events"]},
        "picture_of": {c["difference_picture"]: asset_id(c["difference_picture"])
                       for c in record["comparisons"] if c["difference_picture"]},
    }


def write_pdf(out: str, record: dict[str, Any], bag: str, store: AssetStore, *, paper: str,
              show_gps: bool) -> int:
    """Render the evidence report to ``out``; returns the number of pages."""
    from preservation.report.pdf import asset_url
    from preservation.report.pdf import write_pdf as render_pdf
    from preservation.report.render import render_html

    pkg = record["package"]
    meta = {"title": "Evidence package", "collection": f"Evidence package {pkg['name']}",
            "generated": pkg["created"], "operator": pkg["operator"], "audience": "staff",
            "paper": paper, "location": None, "show_gps": show_gps, "agent": agent(),
            "command_line": pkg.get("command_line")}
    order = [Section(sid, title, lambda _ctx: {}) for sid, title in SECTIONS]
    report = Report(meta, {sid: {} for sid, _t in SECTIONS}, order, store, [])
    html = render_html(report, asset_url, template="evidence/report.html.j2",
                       extra=context(record, bag, store, show_gps))
    return render_pdf(html, store, out, base_url=bag + os.sep)


__all__ = ["DIFFERENCES", "SECTIONS", "asset_id", "context", "draw_differences", "write_pdf"]
