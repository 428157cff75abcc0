"""The report as one plain result: every number, sentence and picture the HTML, the PDF and the
JSON show comes from here.

A report is a list of *sections*, each built by a function from the analyse APIs into plain
data (dicts of str, int, float, bool, None and lists: JSON as it stands, and what the
templates render). :data:`SECTIONS` is the standard report; another document (an evidence
package, a loss audit) passes its own list, adding or re-ordering sections, and renders it with
its own top-level template. A section's builder may add *findings*; the summary, built last
but shown first, keeps the most important of them.

Long lists are cut to the audience's row limit; when a :class:`~.csvout.CsvSink` is given, the
whole list is written to a CSV beside the report and the section names it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from preservation.analyse.copies import DEFAULT_MAX_AGE_DAYS
from preservation.analyse.lookalikes import DEFAULT_THRESHOLD
from preservation.catalog.engine import Catalog
from preservation.errors import UsageError
from preservation.report.assets import AssetStore
from preservation.report.csvout import CsvSink
from preservation.units import plural as plural  # the one plural(), for the sections

AUDIENCES = ("patron", "staff")
PAPERS = ("letter", "a4")
ROWS = {"patron": 25, "staff": 200}
REPORT_FORMAT = "preservation-report"
REPORT_VERSION = 1


@dataclass
class ReportOptions:
    audience: str = "patron"  # patron: plain words, fewer tables; staff: every detail
    paper: str = "letter"  # letter | a4
    location: str | None = None  # only this location's files
    show_gps: bool = False  # print GPS coordinates found in photos
    operator: str | None = None  # who made the report (default: the OS user)
    collection: str | None = None  # the collection's name, for the title and running header
    command_line: str | None = None
    max_rows: int | None = None  # rows of each long list shown (default by audience)
    max_pairs: int = 200  # look-alike comparisons shown with pictures (the rest: CSV)
    max_age_days: float = DEFAULT_MAX_AGE_DAYS
    threshold: int = DEFAULT_THRESHOLD
    now: datetime | None = None
    compare: str | None = None  # a 'preservation compare --json' file: adds the loss audit

    def check(self) -> None:
        if self.audience not in AUDIENCES:
            raise UsageError(f"--audience must be one of: {', '.join(AUDIENCES)}.")
        if self.paper not in PAPERS:
            raise UsageError(f"--paper must be one of: {', '.join(PAPERS)}.")
        if self.max_rows is not None and self.max_rows < 0:
            raise UsageError("The number of rows shown cannot be negative.")
        if self.max_pairs < 0:
            raise UsageError("The number of look-alike pairs shown cannot be negative.")

    @property
    def rows(self) -> int:
        return self.max_rows if self.max_rows is not None else ROWS[self.audience]

    @property
    def staff(self) -> bool:
        return self.audience == "staff"


@dataclass
class Finding:
    priority: int  # lower is more important
    level: str  # problem | warning | good | info
    text: str
    section: str


@dataclass
class BuildContext:
    """What every section builder gets, and what they share."""

    catalog: Catalog
    options: ReportOptions
    now: datetime
    location_id: int | None
    location_name: str | None
    sink: CsvSink | None
    assets: AssetStore
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.options.rows

    def find(self, priority: int, level: str, text: str, section: str) -> None:
        self.findings.append(Finding(priority, level, text, section))

    def in_scope(self, location: str) -> bool:
        return self.location_name is None or location == self.location_name


Builder = Callable[[BuildContext], dict[str, Any]]


@dataclass(frozen=True)
class Section:
    id: str  # also the template name: report/sections/<id>.html.j2
    title: str
    build: Builder
    late: bool = False  # built after the others (it reads their results)

    @property
    def template(self) -> str:
        return f"report/sections/{self.id}.html.j2"


@dataclass
class Report:
    meta: dict[str, Any]
    sections: dict[str, dict[str, Any]]
    order: list[Section]
    assets: AssetStore
    findings: list[Finding]
    csv_files: list[str] = field(default_factory=list)

    @property
    def problems(self) -> bool:
        """Did the report find something that needs doing (exit code 1)?"""
        return any(f.level == "problem" for f in self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": REPORT_FORMAT, "version": REPORT_VERSION, "meta": self.meta,
            "order": [s.id for s in self.order],
            "titles": {s.id: s.title for s in self.order},
            "sections": self.sections,
            "problems": self.problems,
            "assets": [{"id": a.id, "mime": a.mime, "width": a.width, "height": a.height,
                        "bytes": len(a.data)} for a in self.assets],
            "csv": list(self.csv_files),
        }


def listing(rows: list[dict[str, Any]], total: int, csv: str | None) -> dict[str, Any]:
    """A list cut for the page: its first rows, how many there are, where the rest is."""
    return {"total": total, "shown": len(rows), "rows": rows, "csv": csv}


def verb(n: int, one: str, many: str) -> str:
    return one if n == 1 else many
