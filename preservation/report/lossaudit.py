"""The loss-audit section (``report --compare FILE``): what a platform removed, and what it kept.

The section is built from the JSON that ``preservation compare ... --json`` writes
(schemas/compare.json), read back with :func:`preservation.analyse.compare.load_json`, which
checks it against the schema and refuses a damaged or foreign file (exit 2). The numbers and
sentences are the comparison's own (:class:`~preservation.analyse.compare.CompareResult`,
counted from its entries), so the report says what ``preservation compare`` said.

In order: the plain-language summary, the count of each status, the originals that are gone
(those for which the platform kept only a look-alike, with the two pictures side by side, then
those with nothing like them left), the files kept as the same picture, and what the platform
holds that the person's copy lacks. Each list is cut to the report's row limit and written in
full to a CSV beside the report. Pictures are read from both folders (read-only, the bytes
checked against the SHA-256 the comparison recorded); a file that cannot be read, or has
changed since, gets a placeholder saying why.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from preservation.analyse.compare import CompareResult, Entry, OtherOnly, Status, load_json
from preservation.report.assets import Asset
from preservation.report.glossary import VERDICT_LABELS
from preservation.report.model import BuildContext, Section, listing, plural, verb
from preservation.report.render import day, file_digest

SECTION_ID = "loss-audit"

#: Each status in the order shown, with a label and its meaning in plain words.
STATUSES: tuple[tuple[Status, str, str], ...] = (
    (Status.PRESENT, "Still there, identical", "The platform holds the very same file."),
    (Status.SAME_PICTURE, "Still there, re-saved",
     "The platform holds the same picture, re-compressed, made smaller or stripped of details "
     "such as the date or camera."),
    (Status.LOOKALIKE_ONLY, "Gone: a look-alike kept instead",
     "The platform kept only another burst frame, an edit or a similar photo. This original is "
     "gone there."),
    (Status.MISSING, "Gone: nothing like it left",
     "Nothing on the platform has the same bytes or looks like it."),
    (Status.UNREADABLE, "Not compared", "The file could not be read when it was scanned."),
)
STATUS_LABELS = {str(s): label for s, label, _ in STATUSES}


@dataclass(frozen=True)
class LoadedComparison:
    """A comparison read from its file, with what the report's provenance says about that file."""

    result: CompareResult
    file: str  # absolute path
    sha256: str
    bytes: int

    def to_json(self) -> dict[str, Any]:
        r = self.result
        return {"file": os.path.basename(self.file), "sha256": self.sha256, "bytes": self.bytes,
                "created": r.created or None, "reference": r.reference.name, "other": r.other.name}


def load_comparison(path: str | os.PathLike[str]) -> LoadedComparison:
    """Read and check a ``compare --json`` file (a :class:`~preservation.errors.UsageError` if it
    is missing, not JSON, or does not follow schemas/compare.json)."""
    result = load_json(path)
    sha256, size = file_digest(path)
    return LoadedComparison(result, os.path.abspath(os.fspath(path)), sha256, size)


# --- pictures --------------------------------------------------------------------------------


class _Pictures:
    """Thumbnails of the files a comparison names, up to a budget of entries pictured."""

    def __init__(self, ctx: BuildContext) -> None:
        self.ctx = ctx
        self.left = ctx.options.max_pairs

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True

    def view(self, path: str | None, sha256: str | None) -> tuple[str | None, str | None]:
        """(asset id, None) or (None, why there is no picture)."""
        if not path or not sha256:
            return None, "No picture: the file's contents were not recorded."
        asset: Asset | None = self.ctx.assets.thumbnail(sha256, [os.fsencode(path)])
        if asset is not None:
            return asset.id, None
        why = self.ctx.assets.failures.get(f"thumb-{sha256}") or "the picture could not be read"
        return None, f"No picture: {why}"


# --- rows --------------------------------------------------------------------------------------


def _file(path: str, relative: str, sha256: str | None) -> dict[str, Any]:
    return {"path": relative or os.path.basename(path), "absolute": path, "sha256": sha256}


def entry_view(e: Entry, pictures: _Pictures | None) -> dict[str, Any]:
    """One REFERENCE file as the page shows it, with its counterpart on the platform if any."""
    o = e.other
    view: dict[str, Any] = {
        **_file(e.path, e.relative_path, e.sha256), "size": e.size, "capture_time": e.capture_time,
        "status": str(e.status), "status_label": STATUS_LABELS[str(e.status)],
        "verdict": str(o.verdict) if o else None,
        "verdict_label": VERDICT_LABELS.get(str(o.verdict)) if o else None,
        "explanation": e.explanation, "other": None,
        "thumbnail": None, "thumbnail_problem": None, "other_thumbnail": None,
        "other_thumbnail_problem": None,
    }
    if o is not None:
        view["other"] = {**_file(o.path, o.relative_path, o.sha256), "title": o.title,
                         "capture_time": o.capture_time,
                         "capture_time_from_sidecar": o.capture_time_from_sidecar,
                         "matched_by": o.matched_by, "platform_sentence": o.matchers_sentence}
    if pictures is not None and pictures.take():
        view["thumbnail"], view["thumbnail_problem"] = pictures.view(e.path, e.sha256)
        if o is not None:
            view["other_thumbnail"], view["other_thumbnail_problem"] = pictures.view(o.path, o.sha256)
    return view


def _entry_csv(e: Entry) -> list[Any]:
    o = e.other
    return [e.status, e.relative_path, e.path, e.sha256, e.size, e.capture_time,
            o.relative_path if o else None, o.path if o else None, o.sha256 if o else None,
            o.title if o else None, o.verdict if o else None, e.explanation]


ENTRY_HEADER = ["status", "reference: path", "reference: absolute path", "reference: sha256", "size",
                "capture time", "platform: path", "platform: absolute path", "platform: sha256",
                "platform: original name (sidecar)", "verdict", "explanation"]


def other_only_view(o: OtherOnly, reference_root: str) -> dict[str, Any]:
    closest = o.closest_reference
    root = reference_root.rstrip(os.sep) + os.sep
    if closest and closest.startswith(root):
        closest = closest[len(root):]
    return {**_file(o.path, o.relative_path, o.sha256), "size": o.size, "title": o.title,
            "taken": o.taken, "closest_reference": closest,
            "verdict": str(o.verdict) if o.verdict else None,
            "verdict_label": VERDICT_LABELS.get(str(o.verdict)) if o.verdict else None,
            "explanation": o.explanation}


OTHER_ONLY_HEADER = ["platform: path", "platform: absolute path", "sha256", "size",
                     "original name (sidecar)", "taken", "closest reference file", "verdict",
                     "explanation"]

T = TypeVar("T")


def _cut(ctx: BuildContext, name: str, header: list[str], items: Iterable[T],
         view: Callable[[T], dict[str, Any]], row: Callable[[T], list[Any]]) -> dict[str, Any]:
    """The first rows of a list for the page, the whole list in ``<stem>-<name>.csv``."""
    csv = ctx.sink.open(name, header) if ctx.sink else None
    rows: list[dict[str, Any]] = []
    total = 0
    for item in items:
        total += 1
        if len(rows) < ctx.rows:
            rows.append(view(item))
        if csv is not None:
            csv.row(row(item))
    csv_name = ctx.sink.finish(csv, len(rows)) if (ctx.sink and csv) else None
    return listing(rows, total, csv_name)


# --- the section --------------------------------------------------------------------------------


def _by_status(result: CompareResult, status: Status) -> list[Entry]:
    return sorted((e for e in result.entries if e.status == status), key=lambda e: e.relative_path)


def build_loss_audit(ctx: BuildContext) -> dict[str, Any]:
    from preservation.errors import UsageError

    loaded: LoadedComparison | None = ctx.shared.get("compare")
    if loaded is None:
        raise UsageError("The loss-audit section needs a comparison: give --compare FILE "
                         "(written by 'preservation compare REFERENCE OTHER --json').")
    r = loaded.result
    ref, oth = r.reference, r.other
    counts = r.counts
    total = len(r.entries)
    pictures = _Pictures(ctx)
    lookalike = _cut(ctx, "compare-lookalike-only", ENTRY_HEADER, _by_status(r, Status.LOOKALIKE_ONLY),
                     lambda e: entry_view(e, pictures), _entry_csv)
    missing = _cut(ctx, "compare-missing", ENTRY_HEADER, _by_status(r, Status.MISSING),
                   lambda e: entry_view(e, pictures), _entry_csv)
    same = _cut(ctx, "compare-same-picture", ENTRY_HEADER, _by_status(r, Status.SAME_PICTURE),
                lambda e: entry_view(e, None), _entry_csv)
    unreadable = _cut(ctx, "compare-unreadable", ENTRY_HEADER, _by_status(r, Status.UNREADABLE),
                      lambda e: entry_view(e, None), _entry_csv)
    only = _cut(ctx, "compare-only-in-other", OTHER_ONLY_HEADER,
                sorted(r.other_only, key=lambda o: o.relative_path),
                lambda o: other_only_view(o, ref.root),
                lambda o: [o.relative_path, o.path, o.sha256, o.size, o.title, o.taken,
                           o.closest_reference, o.verdict, o.explanation])
    plain = list(r.sentences)
    plain.insert(1, f"{ref.name} (your copy, {plural(ref.files, 'file')}) was compared with {oth.name} "
                    f"(what the platform holds, {plural(oth.files, 'file')})"
                    + (f" on {day(r.created)}." if r.created else "."))
    if r.gone:
        ctx.find(0, "problem", r.headline, SECTION_ID)
    elif counts[str(Status.UNREADABLE)]:
        ctx.find(1, "warning", r.headline, SECTION_ID)
    elif total:
        ctx.find(2, "good", r.headline, SECTION_ID)
    if r.other_only:
        n = len(r.other_only)
        ctx.find(8, "info", f"{oth.name} also holds {plural(n, 'file')} that {ref.name} lacks "
                 f"({verb(n, 'it is', 'they are')} listed in the loss audit).", SECTION_ID)
    return {
        "plain": plain,
        "headline": r.headline,
        "source": loaded.to_json(),
        "reference": ref.to_json(),
        "other": oth.to_json(),
        "threshold": r.threshold,
        "total": total,
        "gone": r.gone,
        "counts": [{"status": str(s), "label": label, "meaning": meaning, "count": counts[str(s)],
                    "share": counts[str(s)] / total if total else 0.0}
                   for s, label, meaning in STATUSES],
        "kept_instead": r.kept_instead,
        "lookalike_only": lookalike,
        "missing": missing,
        "same_picture": same,
        "unreadable": unreadable,
        "other_only": only,
        "pictured": ctx.options.max_pairs - max(0, pictures.left),
        "takeout": r.takeout.to_json(),
        "notes": list(r.notes),
    }


LOSS_AUDIT = Section(SECTION_ID, "What the platform removed (loss audit)", build_loss_audit)


def with_loss_audit(sections: Iterable[Section]) -> list[Section]:
    """The sections with the loss audit: where they have it already, else right after the
    summary (first when there is no summary)."""
    out = list(sections)
    if any(s.id == SECTION_ID for s in out):
        return out
    at = next((i + 1 for i, s in enumerate(out) if s.id == "summary"), 0)
    return [*out[:at], LOSS_AUDIT, *out[at:]]
