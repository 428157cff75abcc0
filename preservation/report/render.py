"""Rendering a report's data to HTML with Jinja2.

Templates ship with the package (``preservation/templates``); a user template directory
(``--templates DIR``) comes first, so any template, the stylesheet included, can be replaced
by a file of the same name. Autoescaping is on for every template: a file name, an EXIF
value or a note is always text, never markup. Templates run in Jinja's sandbox.

The top-level template (``report/report.html.j2`` by default) extends ``report/base.html.j2``
and includes one template per section (``report/sections/<id>.html.j2``); another document
passes its own top-level template and section list.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import datetime
from typing import Any

import jinja2
import markupsafe
from jinja2.sandbox import SandboxedEnvironment

from preservation import paths
from preservation.errors import UsageError
from preservation.report.model import Report
from preservation.units import human_bytes

DEFAULT_TEMPLATE = "report/report.html.j2"


def _parse(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def when(value: str | None, empty: str = "never") -> str:
    """An ISO time as people read it: 22 November 2026, 14:30 UTC."""
    t = _parse(value)
    if t is None:
        return empty if not value else str(value)
    return f"{t.day} {t:%B %Y}, {t:%H:%M} UTC"


def day(value: str | None, empty: str = "never") -> str:
    t = _parse(value)
    if t is None:
        return empty if not value else str(value)
    return f"{t.day} {t:%B %Y}"


def num(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def pct(value: float | None) -> str:
    if value is None:
        return ""
    if 0 < value < 0.01:
        return "<1%"
    return f"{value:.0%}"


def nbytes(value: int | float | None) -> str:
    return "" if value is None else human_bytes(value)


def short_hash(value: str | None, n: int = 12) -> str:
    return "" if not value else value[:n]


def _shown(value: Any) -> Any:
    """Every value a template prints: control and bidirectional-override characters (a file
    name's) shown as escapes, never acted on (``photo\\u202egpj.exe`` must not read as
    ``photoexe.jpg``). Newlines and tabs are kept (a letter's paragraphs hold them); markup
    the templates made themselves is left alone."""
    if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
        return paths.visible(value)
    return value


def environment(templates_dir: str | os.PathLike[str] | None = None) -> jinja2.Environment:
    """The Jinja environment: the user's templates first, then the package's; autoescaping on."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        if not os.path.isdir(templates_dir):
            raise UsageError(f"The template folder {os.fspath(templates_dir)} does not exist.")
        loaders.append(jinja2.FileSystemLoader(os.fspath(templates_dir)))
    loaders.append(jinja2.PackageLoader("preservation", "templates"))
    env = SandboxedEnvironment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                               undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                               finalize=_shown)
    env.filters.update(when=when, day=day, num=num, pct=pct, bytes=nbytes, short=short_hash)
    return env


def render_html(report: Report, asset_url: Callable[[str], str], *,
                templates_dir: str | os.PathLike[str] | None = None,
                template: str = DEFAULT_TEMPLATE, extra: dict[str, Any] | None = None) -> str:
    """The report as one HTML document. ``asset_url`` maps an asset id to the URL to use."""
    env = environment(templates_dir)
    assets = {a.id: a for a in report.assets}

    def asset(asset_id: str | None) -> dict[str, Any] | None:
        a = assets.get(asset_id or "")
        return None if a is None else {"url": asset_url(a.id), "width": a.width, "height": a.height}

    # globals, so that imported macros see them too
    env.globals.update(report=report, meta=report.meta, staff=report.meta["audience"] == "staff",
                       asset=asset)
    context = {"sections": report.order, "data": report.sections, **(extra or {})}
    try:
        return env.get_template(template).render(context)
    except jinja2.TemplateNotFound as exc:
        raise UsageError(f"Template not found: {exc.name}") from exc
    except jinja2.TemplateSyntaxError as exc:
        raise UsageError(f"Template {exc.name or exc.filename} line {exc.lineno}: {exc.message}") from exc
    except jinja2.UndefinedError as exc:
        raise UsageError(f"A report template uses something the report does not have: {exc.message}") from exc


def file_digest(path: str | os.PathLike[str]) -> tuple[str, int]:
    """The SHA-256 of a file and its size in bytes."""
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size
