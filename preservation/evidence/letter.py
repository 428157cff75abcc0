"""Draft letters (a platform appeal, a CCPA complaint) and the package's README, from templates.

A letter states facts only, taken from the package's record: what existed, when it was
captured and first recorded, its SHA-256, what the platform holds instead and how it differs.
Everything else is a bracketed gap for the person to fill in or delete. It says it is a draft
to edit and not legal advice. It comes as ``letter/letter.txt`` (editable) and
``letter/letter.pdf`` (the same text, escaped into HTML and printed with WeasyPrint).

The text templates (``evidence/letter-<kind>.txt.j2``) are rendered without HTML escaping, but
every value passes through :func:`one_line`, so a file name cannot add lines to a letter.
"""

from __future__ import annotations

import re
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from preservation import agent
from preservation.report.glossary import VERDICT_LABELS
from preservation.report.render import when

LETTERS = ("appeal", "ccpa")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FOLDERS = {"originals": "the originals, as they are kept at {reference}",
            "platform": "what {other} holds instead: look-alikes that differ",
            "files": "the files named for this package"}


def one_line(value: Any) -> str:
    """A value as text on one line: control characters shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(value))


def text_environment() -> jinja2.Environment:
    return SandboxedEnvironment(loader=jinja2.PackageLoader("preservation", "templates"),
                                autoescape=False, undefined=jinja2.StrictUndefined, trim_blocks=True,
                                lstrip_blocks=True, keep_trailing_newline=True, finalize=one_line)


def _capture(o: dict[str, Any]) -> str:
    if not o["capture_time"]:
        return "no capture time is recorded in the file"
    return f"{o['capture_time']} (the camera's clock{', ' + o['camera'] if o['camera'] else ''})"


def _kind(o: dict[str, Any]) -> str:
    bits = [f"{o['size']:,} bytes"]
    if o["format"]:
        bits.append(str(o["format"]).upper())
    if o["width"]:
        bits.append(f"{o['width']} x {o['height']} pixels")
    return ", ".join(bits)


def _item(n: int, o: dict[str, Any]) -> dict[str, Any]:
    return {"n": n, "name": o["name"], "kept_at": f"{o['location']}: {o['path']}",
            "capture": _capture(o), "sha256": o["sha256"], "kind": _kind(o), "bag_path": o["bag_path"],
            "first_recorded": f"{when(o['content_first_seen'])} (when my catalog first recorded these "
                              "exact bytes)",
            "status": None, "platform_name": None, "platform_sha256": None, "platform_bag_path": None,
            "explanation": None, "difference": None, "matchers": None}


def context(record: dict[str, Any]) -> dict[str, Any]:
    """What the letter templates are given: plain facts from the package's record."""
    objects = {o["bag_path"]: o for o in record["objects"]}
    pkg, sel = record["package"], record["selection"]
    pictures = {(c["a"], c["b"]): c["difference_picture"] for c in record["comparisons"]}
    matchers = {(c["a"], c["b"]): c.get("platform_sentence") for c in record["comparisons"]}
    items: list[dict[str, Any]] = []
    comparisons: list[dict[str, Any]] = []
    if record["losses"]:
        for n, x in enumerate(record["losses"], 1):
            it = _item(n, objects[x["original"]])
            it["status"], it["explanation"] = x["status"], x["explanation"]
            if x["counterpart"]:
                c = objects[x["counterpart"]]
                it["platform_name"] = f"{c['path']}" + (f" (named {x['platform_title']})"
                                                        if x["platform_title"] else "")
                it["platform_sha256"], it["platform_bag_path"] = c["sha256"], c["bag_path"]
                it["difference"] = pictures.get((x["original"], x["counterpart"]))
                it["matchers"] = matchers.get((x["original"], x["counterpart"]))
            items.append(it)
    else:
        items = [_item(n, o) for n, o in enumerate(record["objects"], 1)]
        for c in record["comparisons"]:
            comparisons.append({"a": objects[c["a"]]["name"], "b": objects[c["b"]]["name"],
                                "label": VERDICT_LABELS.get(c["verdict"], c["verdict"]),
                                "explanation": c["explanation"], "difference": c["difference_picture"],
                                "matchers": c.get("platform_sentence")})
    source = sel.get("source") or {}
    return {
        "items": items, "comparisons": comparisons, "count": len(items), "mode": sel["mode"],
        "reference": (source.get("reference") or {}).get("name", ""),
        "other": (source.get("other") or {}).get("name", "the platform"),
        "compared": when(source.get("created")), "package": pkg["name"],
        "identifier": pkg["external_identifier"], "made": when(pkg["created"]),
        "contact_name": pkg.get("contact_name"), "contact_email": pkg.get("contact_email"),
    }


def letter_text(kind: str, record: dict[str, Any]) -> str:
    return text_environment().get_template(f"evidence/letter-{kind}.txt.j2").render(context(record))


def readme_text(record: dict[str, Any], letter: str | None) -> str:
    source = record["selection"].get("source") or {}
    names = {"reference": (source.get("reference") or {}).get("name", ""),
             "other": (source.get("other") or {}).get("name", "")}
    used = sorted({o["bag_path"].split("/")[1] for o in record["objects"]})
    folders = [f"data/{f}/".ljust(19) + _FOLDERS[f].format(**names) for f in used]
    return text_environment().get_template("evidence/readme.txt.j2").render(
        package=record["package"], what=record["selection"]["what"], folders=folders, letter=letter)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def write_letter_pdf(out: str, text: str, *, paper: str, title: str) -> int:
    """The letter's text as a PDF, paragraph by paragraph; returns the number of pages."""
    from preservation.report.assets import AssetStore
    from preservation.report.pdf import write_pdf
    from preservation.report.render import environment

    paragraphs = _paragraphs(text)
    draft = [p for p in paragraphs[:2] if p.startswith(("DRAFT", "This letter was drafted"))]
    html = environment().get_template("evidence/letter.html.j2").render(
        meta={"agent": agent(), "title": title, "paper": paper}, draft=draft,
        paragraphs=paragraphs[len(draft):])
    return write_pdf(html, AssetStore(), out)


__all__ = ["LETTERS", "context", "letter_text", "one_line", "readme_text", "text_environment",
           "write_letter_pdf"]
