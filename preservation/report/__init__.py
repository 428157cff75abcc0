"""Printable reports: one result model rendered as PDF (WeasyPrint), HTML or JSON.

    from preservation.report import ReportOptions, write_report
    written = write_report(catalog, ReportOptions(audience="staff"), "audit.pdf")

:func:`write_report` builds the report's data (:mod:`.model`, :mod:`.sections`), renders it
with the package's Jinja2 templates (or a user's, :mod:`.render`), writes the PDF, HTML or JSON
and the CSV lists beside it, and records the report's creation in the provenance log. Reports
are never written inside a scanned location.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from preservation.catalog.engine import Catalog
from preservation.errors import UsageError
from preservation.report.build import build_report
from preservation.report.csvout import CsvSink
from preservation.report.model import Report, ReportOptions, Section
from preservation.report.render import DEFAULT_TEMPLATE, file_digest, render_html
from preservation.vocabulary import EventType

__all__ = ["REPORT_EVENT_TYPE", "ReportOptions", "Written", "build_report", "output_kind",
           "record_report", "render_html", "write_report"]

#: PREMIS event type "creation" (id.loc.gov/vocabulary/preservation/eventType/cre): the report
#: is a new object made from the catalog.
REPORT_EVENT_TYPE = EventType.CREATION.value
KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html", ".json": "json"}


@dataclass
class Written:
    """What :func:`write_report` wrote."""

    report: Report
    path: str | None
    kind: str | None
    pages: int | None = None
    bytes: int = 0
    sha256: str | None = None
    images_dir: str | None = None
    csv: list[str] = field(default_factory=list)
    event_seq: int | None = None
    anchor: str | None = None  # the chain's head, written beside the report


def output_kind(path: str | os.PathLike[str], kinds: dict[str, str] = KINDS) -> str:
    """What to write, from the name's extension (``kinds``: extension -> kind)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext not in kinds:
        names = [f".{k}" for k in dict.fromkeys(kinds.values())]
        raise UsageError(f"Cannot tell what to write from the name {os.fspath(path)!r}: "
                         f"end it in {', '.join(names[:-1])} or {names[-1]}.")
    return kinds[ext]


def check_destination(catalog: Catalog, path: str | os.PathLike[str]) -> str:
    """The absolute output path; refuses a folder that is missing or inside a scanned location."""
    from preservation.catalog.locations import refuse_writing_into_locations

    out = os.path.abspath(os.path.expanduser(os.fspath(path)))
    folder = os.path.dirname(out)
    if not os.path.isdir(folder):
        raise UsageError(f"Cannot write {out}: the folder {folder} does not exist.")
    if os.path.isdir(out):
        raise UsageError(f"Cannot write {out}: it is a folder.")
    with catalog.session() as s:
        refuse_writing_into_locations(s, out, shown=out, advice="Write the report somewhere else.")
    return out


def write_report(catalog: Catalog, options: ReportOptions, out: str | os.PathLike[str] | None, *,
                 templates_dir: str | os.PathLike[str] | None = None,
                 template: str = DEFAULT_TEMPLATE, sections: Sequence[Section] | None = None,
                 record: bool = True) -> Written:
    """Build, render and write a report (``out`` None: build only, for JSON on stdout)."""
    options.check()
    if out is None:
        report = build_report(catalog, options, sections=sections)
        written = Written(report, None, None)
    else:
        path = check_destination(catalog, out)
        kind = output_kind(path)
        folder, name = os.path.split(path)
        stem = os.path.splitext(name)[0]
        sink = CsvSink(folder, stem)
        try:
            report = build_report(catalog, options, sink=sink, sections=sections)
        except BaseException:
            sink.abort()
            raise
        written = Written(report, path, kind, csv=list(sink.written))
        part = path + ".part"
        done = False
        try:
            if kind == "json":
                with open(part, "w", encoding="utf-8") as fh:
                    json.dump(report.to_json(), fh, indent=2, ensure_ascii=False)
                    fh.write("\n")
            elif kind == "pdf":
                from preservation.report.pdf import asset_url, write_pdf

                html = render_html(report, asset_url, templates_dir=templates_dir, template=template)
                base = os.fspath(templates_dir) + os.sep if templates_dir else folder + os.sep
                written.pages = write_pdf(html, report.assets, part, base_url=base)
            else:
                from preservation.report.assets import write_assets

                images = f"{stem}-images"
                if len(report.assets):
                    write_assets(report.assets, os.path.join(folder, images))
                    written.images_dir = os.path.join(folder, images)
                assets = {a.id: a.filename for a in report.assets}
                html = render_html(report, lambda i: f"{quote(images)}/{assets[i]}",
                                   templates_dir=templates_dir, template=template)
                with open(part, "w", encoding="utf-8") as fh:
                    fh.write(html)
            os.replace(part, path)
            done = True
        finally:
            if os.path.exists(part):
                os.unlink(part)
            if not done:  # a report that failed leaves no half of itself behind
                for name in sink.written:
                    with contextlib.suppress(OSError):
                        os.unlink(os.path.join(folder, name))
        written.sha256, written.bytes = file_digest(path)
    if record:
        written.event_seq = record_report(catalog, written)
    if written.path:
        from preservation.provenance.anchor import write_anchor

        written.anchor = write_anchor(catalog, written.path, f"report {os.path.basename(written.path)}")
    return written


def record_report(catalog: Catalog, written: Written) -> int:
    """Append the report's creation to the provenance log; returns the event's number."""
    from sqlalchemy.orm import Session

    from preservation.catalog.events import append_event
    from preservation.vocabulary import EventOutcome

    meta = written.report.meta
    prov = written.report.sections.get("provenance", {})
    newest = prov.get("newest_event")
    outputs: list[dict[str, Any]] = []
    if written.path:
        outputs.append({"file": os.path.basename(written.path), "kind": written.kind,
                        "sha256": written.sha256, "bytes": written.bytes, "pages": written.pages})
    outputs += [{"file": c, "kind": "csv"} for c in written.csv]
    detail = {"action": "report created", "audience": meta["audience"], "paper": meta["paper"],
              "location": meta["location"], "show_gps": meta["show_gps"],
              "collection": meta["collection"], "command_line": meta["command_line"],
              "outputs": outputs or [{"file": "(standard output)", "kind": "json"}],
              "newest_event_seq": newest["seq"] if newest else None,
              "newest_event_hash": newest["hash"] if newest else None}
    if meta.get("compare"):  # the comparison the loss audit was made from
        detail["compare"] = {k: meta["compare"][k] for k in ("file", "sha256", "reference", "other")}
    objects = [f"report:{os.path.basename(written.path)}" if written.path else "report:(stdout)"]
    if meta["location"]:
        objects.append(f"location:{meta['location']}")

    def work(s: Session) -> int:
        ev = append_event(s, REPORT_EVENT_TYPE, EventOutcome.SUCCESS, detail=detail,
                          objects=objects, operator=meta["operator"])
        return int(ev.seq)

    return catalog.transact(work)
