"""The workshop's participant handout: Markdown shipped in the package, printed as a PDF.

The source is ``preservation/templates/workshop/handout.md`` (also reachable as
``workshop/handout.md`` in the source tree), so an installed tool can print it. It is rendered
with the report pipeline: Markdown to HTML, the Jinja2 page template
``workshop/handout.html.j2`` (autoescaped, sandboxed) and WeasyPrint for the PDF.

Every ``sh`` block of the handout is run by ``tests/workshop/test_handout.py``, which checks the
output the handout promises after it (a ``**You should see:**`` note).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources

from preservation.errors import UsageError
from preservation.outfiles import part_file

SOURCE = "templates/workshop/handout.md"
TEMPLATE = "workshop/handout.html.j2"
KINDS = {".pdf": "pdf", ".html": "html", ".htm": "html"}
PAPERS = ("letter", "a4")


@dataclass
class Handout:
    path: str
    kind: str
    pages: int | None
    bytes: int


def source_text() -> str:
    """The handout's Markdown, as shipped in the package."""
    return resources.files("preservation").joinpath(SOURCE).read_text(encoding="utf-8")


def title(text: str) -> str:
    """The first level-one heading."""
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return "Workshop handout"


def to_html(paper: str = "letter", text: str | None = None) -> str:
    """The handout as one HTML page, styled for print."""
    import markdown
    from markupsafe import Markup

    from preservation import agent
    from preservation.report.render import environment

    if paper not in PAPERS:
        raise UsageError(f"--paper must be one of: {', '.join(PAPERS)}.")
    text = source_text() if text is None else text
    body = markdown.markdown(text, extensions=["fenced_code", "tables", "sane_lists"],
                             output_format="html")
    # numbered questions go on across exercises (4., 5., ...): WeasyPrint ignores <ol start>
    body = re.sub(r'<ol start="(\d+)">',
                  lambda m: f'<ol start="{m[1]}" style="counter-reset: list-item {int(m[1]) - 1}">', body)
    # the body is the package's own Markdown, not a person's data: it is markup on purpose
    return environment().get_template(TEMPLATE).render(
        title=title(text), paper=paper, agent=agent(), body=Markup(body))  # noqa: S704


def kind_of(out: str | os.PathLike[str]) -> str:
    from preservation.report import output_kind

    return output_kind(out, KINDS)


def write_handout(out: str | os.PathLike[str], paper: str = "letter") -> Handout:
    """Write the handout to ``out`` (.pdf or .html); nothing is left behind if it fails."""
    path = os.path.abspath(os.path.expanduser(os.fspath(out)))
    kind = kind_of(path)
    if not os.path.isdir(os.path.dirname(path)):
        raise UsageError(f"Cannot write {path}: the folder {os.path.dirname(path)} does not exist.")
    html = to_html(paper)
    pages = None
    with part_file(path) as part:
        if kind == "pdf":
            from preservation.report.assets import AssetStore
            from preservation.report.pdf import write_pdf

            pages = write_pdf(html, AssetStore(), part)
        else:
            with open(part, "w", encoding="utf-8") as fh:
                fh.write(html)
    return Handout(path, kind, pages, os.path.getsize(path))
