"""Section 3 as plain data: look-alike groups with pictures, verdicts and guidance; exact copies.

The groups, pairs, verdicts, sentences and likely originals are those of
:func:`preservation.analyse.lookalikes.find_lookalikes` (evidence cached in the catalog, so a
second report reads it instead of comparing again). Groups are shown most important first
(edits and lost metadata first) and keep the analysis' numbers, so "group 12" here is group 12
of ``preservation lookalikes``.

GPS coordinates are never put into the data unless the report was asked to show them
(``--show-gps``): a value becomes "recorded (not shown)". Everything else a file carries (names,
EXIF text) is passed as text; the templates escape it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from preservation.analyse.lookalikes import Evidence, find_lookalikes
from preservation.analyse.lookalikes.analysis import LookalikeResult
from preservation.analyse.lookalikes.explain import duration
from preservation.analyse.lookalikes.platform import add_platform_view, merged_by, sentence
from preservation.catalog.reportstore import (
    ContentInfo,
    content_ids_by_sha,
    contents_info,
    count_exact_copies,
    iter_exact_copies,
)
from preservation.report.glossary import VERDICT_COUNTED, VERDICT_GUIDANCE, VERDICT_LABELS
from preservation.report.lookalikes import Comparison, Pictures, rank
from preservation.report.model import BuildContext, listing, plural, verb
from preservation.vocabulary import Verdict

GPS_HIDDEN = "recorded (not shown)"

FIELD_LABELS = {
    "DateTimeOriginal": "Date taken", "SubSecTimeOriginal": "Fraction of a second",
    "OffsetTimeOriginal": "Time zone", "Make": "Camera maker", "Model": "Camera model",
    "Software": "Software", "Orientation": "Orientation", "GPSLatitude": "GPS latitude",
    "GPSLongitude": "GPS longitude", "LensModel": "Lens", "ExposureTime": "Exposure time",
    "FNumber": "Aperture (f-number)", "ISO": "ISO", "FocalLength": "Focal length",
    "Artist": "Artist", "Copyright": "Copyright", "ImageUniqueID": "Image ID",
    "BodySerialNumber": "Camera serial number",
}


def is_gps(key: str) -> bool:
    return key.upper().startswith("GPS")


def field_value(key: str, v: Any, show_gps: bool) -> str | None:
    """One EXIF value as printed in reports and evidence packages (GPS only with show_gps)."""
    if v is None or v == "":
        return None
    if is_gps(key) and not show_gps:
        return GPS_HIDDEN
    if isinstance(v, float):
        return f"{v:.6f}".rstrip("0").rstrip(".") if is_gps(key) else f"{v:g}"
    return str(v)


def file_view(c: ContentInfo, shown: tuple[str, str] | None, pictures: Pictures | None,
              show_gps: bool) -> dict[str, Any]:
    """One file as the page shows it; ``shown``: the copy to name first (location, path)."""
    thumb = pictures.thumbnail(c) if pictures else None
    lat, lon = c.exif.get("GPSLatitude"), c.exif.get("GPSLongitude")
    gps = None
    if lat is not None and lon is not None:
        gps = f"{field_value('GPSLatitude', lat, True)}, {field_value('GPSLongitude', lon, True)}" if show_gps \
            else GPS_HIDDEN
    make, model = (c.camera_make or "").strip(), (c.camera_model or "").strip()
    camera = (model if make and model.lower().startswith(make.split()[0].lower())
              else f"{make} {model}".strip()) or None
    places = [{"location": p.location, "path": p.path} for p in c.places]
    if shown is not None:
        first = {"location": shown[0], "path": shown[1]}
        places = [first, *(p for p in places if p != first)]
    return {
        "sha256": c.sha256, "size": c.size, "format": c.format, "width": c.width, "height": c.height,
        "grey": c.is_grey, "capture_time": c.capture_time, "camera": camera, "gps": gps,
        "places": places, "thumbnail": thumb.id if thumb else None,
        "thumbnail_problem": None if thumb or pictures is None else (
            pictures.error(c) or "the picture could not be read"),
    }


def comparison_view(cmp: Comparison, shown: dict[str, tuple[str, str]], originals: set[str],
                    pictures: Pictures | None, show_gps: bool, staff: bool) -> dict[str, Any]:
    ev, md = cmp.evidence, cmp.evidence.metadata
    verdict = str(cmp.verdict)
    view: dict[str, Any] = {
        "a": file_view(cmp.a, shown.get(cmp.a.sha256), pictures, show_gps),
        "b": file_view(cmp.b, shown.get(cmp.b.sha256), pictures, show_gps),
        "a_is_original": cmp.a.sha256 in originals,
        "verdict": verdict, "verdict_label": VERDICT_LABELS.get(verdict, verdict),
        "explanation": cmp.explanation, "guidance": VERDICT_GUIDANCE.get(verdict, VERDICT_GUIDANCE[Verdict.SIMILAR]),
        "distances": dict(ev.hash_distances),
        "differences": [{"field": key, "label": FIELD_LABELS.get(key, key),
                         "a": field_value(key, pair.get("a"), show_gps), "b": field_value(key, pair.get("b"), show_gps)}
                        for key, pair in md.differences.items()],
        "lost_in_b": list(md.lost_in_b), "lost_in_a": list(md.lost_in_a),
        "seconds_apart": md.seconds_apart,
        "time_apart": duration(md.seconds_apart) if md.seconds_apart is not None else None,
        "difference_map": None, "difference_note": None, "evidence": None,
        "decision": None if cmp.decision is None else {
            "label": cmp.decision.label, "reviewed": cmp.decision.reviewed, "note": cmp.decision.note},
    }
    if pictures is not None:
        asset, note = pictures.difference_map(cmp)
        view["difference_map"] = asset.id if asset else None
        view["difference_note"] = note
    if staff:
        d = ev.difference
        view["evidence"] = {
            "reasons": list(cmp.reasons), "bytes_equal": ev.bytes_equal,
            "pixels_equal": ev.pixels_equal, "relation": ev.geometry.relation,
            "transform": ev.geometry.transform, "match": round(ev.geometry.match, 4),
            "psnr": None if d is None else round(d.psnr, 2),
            "ssim": None if d is None else round(d.ssim, 4),
            "changed_share": None if d is None else round(d.changed_share, 4),
            "pattern": None if d is None else d.pattern, "problem": ev.problem,
        }
    return view


@dataclass
class _Group:
    number: int
    key: str
    original: ContentInfo
    reasons: list[str]
    shown: dict[str, tuple[str, str]]  # sha256 -> the copy the analysis names first
    originals: set[str]
    contents: int
    files: int
    comparisons: list[Comparison]
    authoritative: dict[str, str] | None = None  # the copy a person chose, and who, when


#: What a platform's merge would lose, most precious first (the order of "originals at risk").
AT_RISK = (
    ("edit-original", "the original of an edit: a matcher would merge it into the edited version"),
    ("burst-frame", "a different photograph (another shot of the same scene)"),
    ("camera-metadata", "the copy that keeps the camera metadata its look-alike has lost"),
    ("other", "a different file a matcher would take for the same photo"),
)


def originals_at_risk(result: LookalikeResult) -> list[dict[str, Any]]:
    """Files a published matcher would merge into another although they differ, ranked by what
    would be lost: an edit's original, a burst frame, the only copy with camera metadata, then
    the rest; within a rank, those more matchers would merge, at the smaller PDQ distance, first.
    Needs the platform view on the result's pairs (:func:`add_platform_view`)."""
    best: dict[str, dict[str, Any]] = {}
    for g in result.groups:
        originals = {m.sha256 for m in g.originals}
        for p in g.pairs:
            merging = merged_by(p.platform or [])
            if p.verdict == Verdict.IDENTICAL or not merging:
                continue
            if p.verdict == Verdict.EDITED and p.a.sha256 not in originals:
                continue  # two edits of one original: the original's own pairs say what is at risk
            lost_in_b = (p.evidence.get("metadata") or {}).get("lost_in_b") or []
            if p.verdict == Verdict.EDITED:
                kind, file, into = "edit-original", p.a, p.b
            elif p.verdict == Verdict.BURST:
                kind, file, into = "burst-frame", p.b, p.a
            elif any("camera" in str(x) or "capture" in str(x) for x in lost_in_b):
                kind, file, into = "camera-metadata", p.a, p.b
            else:
                kind, file, into = "other", p.b, p.a
            rank = [k for k, _ in AT_RISK].index(kind)
            pdq = next((r.distance for r in merging if r.matcher.name == "pdq"), None)
            key = (rank, -len(merging), pdq if pdq is not None else 999)
            entry = {"group": g.id, "kind": kind, "why": dict(AT_RISK)[kind],
                     "location": file.location, "path": file.relative_path, "sha256": file.sha256,
                     "merged_into": {"location": into.location, "path": into.relative_path,
                                     "sha256": into.sha256},
                     "verdict": str(p.verdict), "matchers": [r.matcher.name for r in merging],
                     "sentence": sentence(p.platform or [], p.explanation), "_key": key}
            if file.sha256 not in best or key < best[file.sha256]["_key"]:
                best[file.sha256] = entry
    out = sorted(best.values(), key=lambda e: (e["_key"], e["group"], e["path"]))
    for e in out:
        del e["_key"]
    return out


def _groups(ctx: BuildContext) -> tuple[list[_Group], dict[str, int], list[dict[str, Any]]]:
    """The analysis' look-alike groups, with the catalog's record of every member, and the
    originals a matcher would merge away."""
    result = find_lookalikes(ctx.catalog, ctx.location_name, ctx.options.threshold,
                             include_copies=False)
    add_platform_view(ctx.catalog, result)
    at_risk = originals_at_risk(result)
    shas = sorted({m.sha256 for g in result.groups for m in g.members})
    with ctx.catalog.session() as s:
        ids = content_ids_by_sha(s, shas)
        info = {c.sha256: c for c in contents_info(s, list(ids.values())).values()}
    out: list[_Group] = []
    for g in result.groups:
        pairs = [p for p in g.pairs if p.verdict != Verdict.IDENTICAL]
        if not pairs or g.original.sha256 not in info:
            continue
        shown: dict[str, tuple[str, str]] = {}
        for m in g.members:
            shown.setdefault(m.sha256, (m.location, m.relative_path))
        comparisons = [Comparison(info[p.a.sha256], info[p.b.sha256], Verdict(p.verdict), p.explanation,
                                  list(p.reasons), Evidence.from_json(p.evidence), p.decision)
                       for p in pairs if p.a.sha256 in info and p.b.sha256 in info]
        chosen = None
        if g.authoritative is not None and g.authoritative_decision is not None:
            chosen = {"location": g.authoritative.location, "path": g.authoritative.relative_path,
                      "reviewed": g.authoritative_decision.reviewed}
        out.append(_Group(g.id, g.key, info[g.original.sha256], list(g.original_reasons), shown,
                          {m.sha256 for m in g.originals}, len(shown), len(g.members), comparisons,
                          chosen))
    out.sort(key=lambda g: (rank(g.comparisons), g.number))
    return out, dict(result.stats), at_risk


def build(ctx: BuildContext) -> dict[str, Any]:
    opts = ctx.options
    groups, stats, at_risk = _groups(ctx)
    pictures = Pictures(ctx.assets)
    comparisons = [c for g in groups for c in g.comparisons]
    by_verdict: dict[str, int] = {}
    for c in comparisons:
        by_verdict[str(c.verdict)] = by_verdict.get(str(c.verdict), 0) + 1
    shown_groups: list[dict[str, Any]] = []
    drawn = 0
    for g in groups:
        if drawn >= opts.max_pairs:
            break
        # patrons see each look-alike beside the likely original; staff see every pair
        chosen = g.comparisons if opts.staff else (
            [c for c in g.comparisons if c.a.sha256 in g.originals] or g.comparisons[:1])
        take = chosen[:opts.max_pairs - drawn]
        drawn += len(take)
        shown_groups.append({
            "number": g.number, "key": g.key, "contents": g.contents, "files": g.files,
            "original": file_view(g.original, g.shown.get(g.original.sha256), pictures, opts.show_gps),
            "original_reasons": g.reasons, "comparisons_total": len(g.comparisons),
            "authoritative": g.authoritative,
            "comparisons": [comparison_view(c, g.shown, g.originals, pictures, opts.show_gps, opts.staff)
                            for c in take]})
    csv_name = None
    if ctx.sink is not None and comparisons:
        csv = ctx.sink.open("lookalikes", ["group", "verdict", "explanation", "a: location", "a: path",
                                           "b: location", "b: path", "a likely original", "a sha256",
                                           "b sha256"])
        for g in groups:
            for c in g.comparisons:
                la, pa = g.shown.get(c.a.sha256, ("", ""))
                lb, pb = g.shown.get(c.b.sha256, ("", ""))
                csv.row([g.number, c.verdict, c.explanation, la, pa, lb, pb,
                         "yes" if c.a.sha256 in g.originals else "", c.a.sha256, c.b.sha256])
        csv_name = ctx.sink.finish(csv, drawn)

    exact_rows: list[dict[str, Any]] = []
    with ctx.catalog.session() as s:
        n_exact = count_exact_copies(s, ctx.location_id)
        exact_csv = ctx.sink.open("exact-copies", ["sha256", "size", "copies", "location", "path"]) \
            if ctx.sink and n_exact > ctx.rows else None
        for ec in iter_exact_copies(s, ctx.location_id):
            if len(exact_rows) < ctx.rows:
                exact_rows.append({"sha256": ec.sha256, "size": ec.size, "copies": len(ec.places),
                                   "locations": len({p.location for p in ec.places}),
                                   "places": [{"location": p.location, "path": p.path} for p in ec.places]})
            elif exact_csv is None:
                break
            if exact_csv is not None:
                for p in ec.places:
                    exact_csv.row([ec.sha256, ec.size, len(ec.places), p.location, p.path])
        exact_name = ctx.sink.finish(exact_csv, len(exact_rows)) if (ctx.sink and exact_csv) else None

    total = len(comparisons)
    plain: list[str] = []
    if at_risk:
        plain.append(f"{plural(len(at_risk), 'file')} a published photo matcher (PDQ, pHash or dHash) "
                     f"would merge into another although {verb(len(at_risk), 'it differs', 'they differ')}: "
                     "the originals at risk are listed first, most precious first.")
    if comparisons:
        files = sum(g.contents for g in groups)
        plain.append(f"{plural(files, 'file')} in {plural(len(groups), 'group')} look so alike that a "
                     "photo service could treat them as duplicates.")
        kinds = "; ".join(f"{n:,} {VERDICT_COUNTED[k][0 if n == 1 else 1]}" for k, n in sorted(
            by_verdict.items(), key=lambda kv: (-kv[1], kv[0])) if k in VERDICT_COUNTED)
        plain.append(f"Compared picture by picture ({plural(total, 'comparison')}): {kinds}. "
                     "None of them is a copy to delete: keep both in every case.")
        if drawn < total:
            plain.append(f"The {drawn:,} most important comparisons are drawn here; all {total:,} are "
                         f"listed in {csv_name or 'the CSV list next to this report'}.")
        others = files - len(groups)  # all but one picture of each group
        ctx.find(2, "warning", f"{plural(others, 'file')} {verb(others, 'looks', 'look')} like "
                 f"{verb(others, 'a duplicate', 'duplicates')} of another but {verb(others, 'is', 'are')} "
                 "different (edited, resized, or another shot): keep both. A service that removes "
                 "duplicates could lose them.", "lookalikes")
    else:
        plain.append("No files look like near-duplicates of each other.")
    if n_exact:
        plain.append(f"{plural(n_exact, 'file')} {verb(n_exact, 'is', 'are')} stored more than once "
                     "with exactly the same contents; where each copy lives is listed below. Copies "
                     "in different places are backups: nothing here suggests deleting any.")
    return {
        "plain": plain, "at_risk": listing(at_risk[:ctx.rows], len(at_risk), None),
        "groups_total": len(groups), "comparisons_total": total, "shown": drawn,
        "by_verdict": by_verdict, "groups": shown_groups, "csv": csv_name,
        "exact": listing(exact_rows, n_exact, exact_name), "threshold": opts.threshold,
        "analysis": {k: int(v) for k, v in stats.items()},
    }
