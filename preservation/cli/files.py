"""``preservation files`` and ``preservation show``: what the catalog holds."""

from __future__ import annotations

import json
import sys

import click
from rich.table import Table

from preservation.catalog.inventory import file_detail, iter_files
from preservation.cli.context import (
    AppContext,
    console,
    emit_json,
    human_bytes,
    name_text,
    pass_app,
    terminal_safe,
)


@click.command()
@click.option("--location", "-l", metavar="NAME", help="Only files of this location.")
@click.option("--problems", is_flag=True, help="Only files with a recorded problem.")
@click.option("--missing/--no-missing", default=True, show_default=True,
              help="Include files no longer found at their path.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/files.json).")
@pass_app
def files(app: AppContext, location: str | None, problems: bool, missing: bool, as_json: bool) -> None:
    """List catalogued files with their size, format and SHA-256."""
    with app.catalog.session() as s:
        rows = iter_files(s, location, include_missing=missing)
        if problems:
            rows = (r for r in rows if r["problem"] or r["content_problems"] or r["state"] != "present")
        if as_json:
            # streamed: a million files need not be held in memory
            out = sys.stdout  # as emit_json (click.get_text_stream is deprecated)
            out.write('{"files": [')
            for i, r in enumerate(rows):
                out.write((",\n" if i else "\n") + json.dumps(r, ensure_ascii=False))
            out.write("\n]}\n")
            return
        t = Table("Location", "Path", "Size", "Format", "SHA-256", "State / problem")
        n = 0
        for r in rows:
            n += 1
            note = r["state"] if r["state"] != "present" else ""
            if r["problem"]:
                note = f"{r['problem']}: {r['problem_detail']}"
            elif r["content_problems"]:
                note = "; ".join(p["code"] for p in r["content_problems"])
            if r["extension_mismatch"]:
                note = (note + "; " if note else "") + "extension does not match content"
            t.add_row(name_text(r["location"]), name_text(r["path"]), human_bytes(r["size"]),
                      r["format"] or "?", (r["sha256"] or "-")[:16], name_text(note))
    c = console()
    c.print(t) if n else c.print("No files match.")


@click.command()
@click.argument("path", type=click.Path())
@click.option("--json", "as_json", is_flag=True, help="JSON output (schemas/show.json).")
@pass_app
def show(app: AppContext, path: str, as_json: bool) -> None:
    """Everything the catalog knows about one file: hashes, format, EXIF, copies, history."""
    with app.catalog.session() as s:
        d = file_detail(s, path)
    if as_json:
        emit_json(d)
        return
    c = console()
    w = 18

    def line(label: str, value: object) -> None:
        shown = terminal_safe(str(value), name=True) if value not in (None, "") else "-"
        c.print(f"{label:>{w}}: {shown}", markup=False)

    line("file", d["absolute_path"])
    line("location", d["location"])
    line("state", d["state"])
    line("size", f"{d['size']:,} bytes")
    line("modified", d["mtime"])
    line("first seen", d["first_seen"])
    line("last seen", d["last_seen"])
    if d["problem"]:
        line("problem", f"{d['problem']}: {d['problem_detail']}")
    content = d["content"]
    if content:
        line("sha256", content["sha256"])
        for k in ("sha512", "md5"):
            if content[k]:
                line(k, content[k])
        line("format", content["format"] + (" (extension does not match!)" if d["extension_mismatch"] else "")
             if content["format"] else None)
        if content["width"]:
            line("dimensions", f"{content['width']} x {content['height']} ({content['mode']})")
            line("captured", content["capture_time"])
            line("camera", " ".join(x for x in (content["camera_make"], content["camera_model"]) if x))
        for p in content["problems"]:
            line("problem", f"{p['code']}: {p['message']}")
        for h in content["perceptual_hashes"]:
            line(h["algorithm"], h["value"])
        for k, v in sorted(content["exif"].items()):
            line(f"EXIF {k}"[:w], v)
    for cp in d["copies"]:
        line("same bytes at", f"{cp['location']}: {cp['path']} ({cp['state']})")
    for e in d["events"][-10:]:
        line("event", f"{e['time']} {e['type']} ({e['outcome']})")
