"""The standard report's sections, in order, each in plain words first and detail after.

Each builder reads the catalog through the analyse and catalog APIs and returns plain data
(see :mod:`preservation.report.model`). :data:`SECTIONS` is the standard report; a document
that reuses this pipeline takes these builders and adds its own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from preservation.analyse.copies import AT_RISK, MEETS, SHORT, CopiesSummary, assess
from preservation.catalog.inventory import iso
from preservation.report.model import BuildContext, Section, listing, plural, verb
from preservation.units import human_bytes

# --- 2. 3-2-1 ------------------------------------------------------------------------------


def build_copies(ctx: BuildContext) -> dict[str, Any]:
    from preservation.analyse.copies import summary_view

    opts = ctx.options
    everything = CopiesSummary(opts.max_age_days, keep=0)
    summary = CopiesSummary(opts.max_age_days, keep=ctx.rows)
    short_rows: list[dict[str, Any]] = []
    csv = ctx.sink.open("at-risk", ["status", "sha256", "size", "counted copies", "copies",
                                    "what is missing"]) if ctx.sink else None
    try:
        for cs in assess(ctx.catalog, max_age_days=opts.max_age_days, now=ctx.now):
            everything.add(cs)
            if ctx.location_name is not None and not any(c.location == ctx.location_name
                                                         for c in cs.copies):
                continue
            summary.add(cs)
            if cs.status == SHORT and len(short_rows) < ctx.rows:
                short_rows.append({
                    "path": cs.copies[0].path, "size": cs.size, "sha256": cs.sha256,
                    "counted": cs.counted, "locations": [c.location for c in cs.copies],
                    "missing": [m for m in cs.missing if not m.startswith("the copy on")],
                    "not_counting": [c.why_not for c in cs.copies if not c.counts and c.why_not]})
            if csv is not None and cs.status != MEETS:
                csv.row([cs.status, cs.sha256, cs.size, cs.counted,
                         "; ".join(f"{c.location}: {c.path}" for c in cs.copies),
                         "; ".join(cs.missing)])
        ctx.shared["copies_all"] = everything
        shown = sum(min(len(v), ctx.rows) for v in summary.at_risk_by_location.values()) + len(short_rows)
        csv_name = ctx.sink.finish(csv, shown) if (ctx.sink and csv) else None
    except BaseException:
        if ctx.sink:
            ctx.sink.abort()
        raise
    total = summary.total
    bars = []
    for key, label in ((MEETS, "Meet 3-2-1"), (SHORT, "Have copies, but fall short"),
                       (AT_RISK, "Only one copy that counts")):
        n = summary.contents[key]
        bars.append({"key": key, "label": label, "count": n, "bytes": summary.bytes[key],
                     "share": (n / total) if total else 0.0})
    by_location: list[dict[str, Any]] = []
    for loc, n in summary.at_risk_counts.most_common():
        rows: list[dict[str, Any]] = []
        for cs in summary.at_risk_by_location[loc][:ctx.rows]:
            here = next((c for c in cs.copies if c.location == loc), cs.copies[0])
            others = [c.why_not for c in cs.copies if not c.counts and c.why_not]
            rows.append({"path": here.path, "size": cs.size, "sha256": cs.sha256,
                         "is_image": cs.is_image, "why": "; ".join(others) or "no other copy"})
        by_location.append({"location": loc, "count": n, "rows": rows})
    view = summary_view(summary)
    at_risk = summary.contents[AT_RISK]
    if total == 0:
        ctx.find(1, "warning", "No files have been scanned yet, so nothing can be said about backups.",
                 "copies")
    elif at_risk:
        where = ", ".join(f"{loc} ({n:,})" for loc, n in summary.at_risk_counts.most_common(3))
        ctx.find(1, "problem", f"{plural(at_risk, 'file')} {verb(at_risk, 'exists', 'exist')} in only one place that can be counted "
                 f"on ({where}): copy them to another drive and to an off-site location.", "copies")
    if summary.contents[SHORT]:
        n_short = summary.contents[SHORT]
        ctx.find(4, "warning", f"{plural(n_short, 'more file')} {verb(n_short, 'has', 'have')} copies "
                 f"but {verb(n_short, 'falls', 'fall')} short of 3-2-1 (three copies, two kinds of "
                 "storage, one off-site).", "copies")
    if total and summary.contents[MEETS] == total:
        ctx.find(6, "good", f"Every file ({total:,}) meets 3-2-1: three checked copies, on two kinds "
                 "of storage, one of them off-site.", "copies")
    return {
        "plain": view["sentences"],
        "summary": view,
        "chart": {"total": total, "bars": bars},
        "at_risk": {"total": at_risk, "shown": sum(len(b["rows"]) for b in by_location),
                    "by_location": by_location, "csv": csv_name},
        "short": {"total": summary.contents[SHORT], "shown": len(short_rows), "rows": short_rows},
        "short_reasons": [{"reason": r, "count": c} for r, c in summary.short_reasons.most_common()],
        "max_age_days": opts.max_age_days,
    }


# --- 1. summary ----------------------------------------------------------------------------


def build_summary(ctx: BuildContext) -> dict[str, Any]:
    from preservation.analyse.copies import LocationFacts
    from preservation.catalog.locations import list_locations, location_stats
    from preservation.catalog.reportstore import scan_span, totals

    with ctx.catalog.session() as s:
        t = totals(s, ctx.location_id)
        first, last = scan_span(s, ctx.location_id)
        locs: list[dict[str, Any]] = []
        for loc in list_locations(s):
            if not ctx.in_scope(loc.name):
                continue
            stats = location_stats(s, loc)
            locs.append({"name": loc.name, "root": loc.root, "media": loc.media, "site": loc.site,
                         "sync": loc.sync, "trust": loc.trust, "note": loc.note,
                         "reachable": LocationFacts.of(loc).reachable,
                         "last_scan": iso(loc.last_scan_at), "last_verify": iso(loc.last_verify_at),
                         "files": stats["files"], "bytes": stats["bytes"]})
    findings = sorted(ctx.findings, key=lambda f: (f.priority, f.section))
    problems = [f for f in findings if f.level in ("problem", "warning")]
    chosen = (problems or findings)[:4]
    if len(chosen) < 3:
        chosen += [f for f in findings if f not in chosen][:3 - len(chosen)]
    names = ", ".join(loc["name"] for loc in locs) or "no locations"
    plain = [
        f"This report looks at {plural(t['files'], 'file')} ({human_bytes(t['bytes'])}) stored in "
        f"{plural(len(locs), 'location')}: {names}.",
        "Nothing was changed, moved or deleted to make it: the files were only read.",
    ]
    if t["missing"]:
        plain.append(f"{plural(t['missing'], 'file')} recorded earlier {'was' if t['missing'] == 1 else 'were'} "
                     "not found at the latest scan or check.")
    return {
        "plain": plain,
        "examined": {**t, "locations": len(locs), "first_scan": iso(first), "last_scan": iso(last)},
        "locations": locs,
        "findings": [{"level": f.level, "text": f.text, "section": f.section} for f in chosen],
        "all_findings": len(findings),
    }




# --- 3. look-alikes and exact copies -------------------------------------------------------------


def build_lookalikes(ctx: BuildContext) -> dict[str, Any]:
    from preservation.report.lookalike_view import build

    return build(ctx)


# --- 4. fixity -----------------------------------------------------------------------------------

RUN_KEYS = ("checked", "ok", "changed", "missing", "unreadable", "moved", "new")


def _days(now: datetime, t: datetime | None) -> float | None:
    return None if t is None else max(0.0, (now - t).total_seconds() / 86400)


def _ago(days: float | None) -> str:
    if days is None:
        return "never"
    if days < 1:
        return "today"
    if days < 2:
        return "yesterday"
    return f"{days:,.0f} days ago"


def build_fixity(ctx: BuildContext) -> dict[str, Any]:
    from preservation.catalog.locations import list_locations
    from preservation.catalog.reportstore import (
        count_problems,
        iter_problems,
        last_verify_by_location,
        run_count,
        runs,
        verify_coverage,
    )

    history_rows = ctx.rows if ctx.options.staff else min(ctx.rows, 10)
    plain: list[str] = []
    with ctx.catalog.session() as s:
        last = last_verify_by_location(s)
        locations: list[dict[str, Any]] = []
        for loc in list_locations(s):
            if not ctx.in_scope(loc.name):
                continue
            hashed, verified, oldest = verify_coverage(s, loc.id)
            run = last.get(loc.id)
            counts = {k: int((run.counts if run else {}).get(k, 0) or 0) for k in RUN_KEYS}
            when = (run.finished_at or run.started_at) if run else None
            days = _days(ctx.now, when)
            problems = counts["changed"] + counts["missing"] + counts["unreadable"]
            locations.append({
                "location": loc.name, "files": hashed, "verified_files": verified,
                "oldest_verification": iso(oldest), "last_run": iso(when),
                "days_since": None if days is None else round(days, 1),
                "status": run.status if run else "never", "operator": run.operator if run else None,
                "counts": counts, "problems": problems})
            if run is None:
                plain.append(f"{loc.name}: never checked. Running 'preservation verify' would read "
                             "every file again and confirm that none has changed.")
            elif run.status == "unreachable":
                plain.append(f"{loc.name}: could not be reached at the last check ({_ago(days)}); "
                             "nothing was marked missing.")
            elif problems:
                parts = [f"{counts[k]:,} {k}" for k in ("changed", "missing", "unreadable") if counts[k]]
                plain.append(f"{loc.name}: the last check ({_ago(days)}) found problems: "
                             f"{', '.join(parts)}.")
            else:
                extra = "" if run.status == "complete" else f" (the check was {run.status})"
                plain.append(f"{loc.name}: all {counts['checked']:,} files checked {_ago(days)} were "
                             f"intact{extra}.")
        total_problems = count_problems(s, ctx.location_id)
        csv = ctx.sink.open("fixity-problems", ["location", "path", "status", "size", "sha256",
                                                "found", "detail"]) if ctx.sink else None
        rows: list[dict[str, Any]] = []
        by_status: dict[str, int] = {}
        try:
            for p in iter_problems(s, ctx.location_id):
                by_status[p.status] = by_status.get(p.status, 0) + 1
                if len(rows) < ctx.rows:
                    rows.append({"location": p.location, "path": p.path, "status": p.status,
                                 "size": p.size, "sha256": p.sha256, "found": iso(p.when),
                                 "detail": p.detail})
                if csv is not None:
                    csv.row([p.location, p.path, p.status, p.size, p.sha256, iso(p.when), p.detail])
            csv_name = ctx.sink.finish(csv, len(rows)) if (ctx.sink and csv) else None
        except BaseException:
            if ctx.sink:
                ctx.sink.abort()
            raise
        history = [{"run": r.id, "location": r.location, "status": r.status,
                    "started": iso(r.started_at), "finished": iso(r.finished_at),
                    "operator": r.operator,
                    "counts": {k: int(r.counts.get(k, 0) or 0) for k in RUN_KEYS}}
                   for r in runs(s, "verify", ctx.location_id, limit=history_rows)]
        history_total = run_count(s, "verify", ctx.location_id)
    if total_problems:
        kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(by_status.items(), key=lambda kv: -kv[1]))
        ctx.find(0, "problem", f"{plural(total_problems, 'file')} changed, went missing or could not "
                 f"be read ({kinds}). Each is listed in the fixity section.", "fixity")
    never = [loc["location"] for loc in locations if loc["status"] == "never"]
    if never:
        ctx.find(3, "warning", f"{', '.join(never)} {'has' if len(never) == 1 else 'have'} never been "
                 "checked for changes (fixity): run 'preservation verify'.", "fixity")
    elif locations and not total_problems:
        ctx.find(5, "good", "Every file checked so far is exactly as it was recorded.", "fixity")
    if not locations:
        plain.append("No locations are registered yet.")
    return {"plain": plain, "locations": locations, "problems": listing(rows, total_problems, csv_name),
            "by_status": by_status, "history": history, "history_total": history_total}


# --- 5. NDSA -----------------------------------------------------------------------------------


def build_ndsa(ctx: BuildContext) -> dict[str, Any]:
    from preservation.analyse.ndsa import assess_ndsa, ndsa_view

    everything: CopiesSummary | None = ctx.shared.get("copies_all")
    if everything is None:  # a report without the 3-2-1 section
        everything = CopiesSummary(ctx.options.max_age_days, keep=0)
        for cs in assess(ctx.catalog, max_age_days=ctx.options.max_age_days, now=ctx.now):
            everything.add(cs)
    areas = ndsa_view(assess_ndsa(ctx.catalog, everything, now=ctx.now))
    plain = []
    for a in areas:
        nxt = a["next_step"]
        level = f"level {a['level']}" if a["level"] else "not yet level 1"
        plain.append(f"{a['area']}: {level}." + (f" Next step: {nxt['text'].lower()}." if nxt else
                                                  " Every step the catalog can show is shown."))
    return {"plain": plain, "areas": areas, "whole_catalog": ctx.location_name is not None}


# --- 6. formats and storage ----------------------------------------------------------------------


FORMAT_NAMES = {"jpeg": "JPEG photo", "png": "PNG picture", "heic": "HEIC photo (iPhone)",
                "heif": "HEIF picture", "webp": "WebP picture", "gif": "GIF picture",
                "tiff": "TIFF picture", "bmp": "BMP picture", "avif": "AVIF picture",
                "mpo": "MPO (3D) photo", "pdf": "PDF document", "mp4": "MP4 video",
                "mov": "QuickTime video", "text": "Text", "zip": "ZIP archive",
                "dng": "DNG raw photo", "cr2": "Canon raw photo", "nef": "Nikon raw photo",
                "arw": "Sony raw photo"}


def build_formats(ctx: BuildContext) -> dict[str, Any]:
    from preservation.analyse.storage import storage_picture
    from preservation.catalog.reportstore import count_extension_mismatches, format_counts
    from preservation.catalog.reportstore import iter_extension_mismatches as mismatches

    with ctx.catalog.session() as s:
        counts = format_counts(s, ctx.location_id)
        n_mismatch = count_extension_mismatches(s, ctx.location_id)
        csv = ctx.sink.open("extension-mismatches", ["location", "path", "format found"]) \
            if ctx.sink and n_mismatch > ctx.rows else None
        rows: list[dict[str, Any]] = []
        try:
            for loc, path, fmt in mismatches(s, ctx.location_id):
                if len(rows) < ctx.rows:
                    rows.append({"location": loc, "path": path, "format": fmt})
                elif csv is None:
                    break
                if csv is not None:
                    csv.row([loc, path, fmt])
            csv_name = ctx.sink.finish(csv, len(rows)) if (ctx.sink and csv) else None
        except BaseException:
            if ctx.sink:
                ctx.sink.abort()
            raise
    total = sum(n for _, n, _ in counts) or 0
    formats = [{"format": f, "label": FORMAT_NAMES.get(f or "", (f or "unidentified").upper()),
                "contents": n, "bytes": b, "share": n / total if total else 0.0} for f, n, b in counts]
    pic = storage_picture(ctx.catalog)
    in_scope: list[dict[str, Any]] = [vars(x) for x in pic.locations if ctx.in_scope(x.name)]
    by_media: dict[str, int] = {}
    for ls in in_scope:
        by_media[ls["media"]] = by_media.get(ls["media"], 0) + ls["bytes"]
    reclaim = sum(ls["reclaimable_bytes"] for ls in in_scope)
    storage = {"total_bytes": sum(ls["bytes"] for ls in in_scope), "reclaimable_bytes": reclaim,
               "monthly_cost_of_reclaimable": round(reclaim / 1e9 * pic.price_per_gb_month, 4),
               "price_per_gb_month": pic.price_per_gb_month,
               "by_media": dict(sorted(by_media.items(), key=lambda kv: -kv[1])), "locations": in_scope}
    plain = []
    if formats:
        top = formats[0]
        plain.append(f"Most files are {top['label']}s ({top['share']:.0%} of "
                     f"{plural(total, 'distinct file')}); {plural(len(formats), 'kind')} of file in all.")
    if n_mismatch:
        plain.append(f"{plural(n_mismatch, 'file')} {'has a name' if n_mismatch == 1 else 'have names'} "
                     "whose ending does not match what is inside (for example a PNG picture named "
                     ".jpg); some programs may refuse to open them. Renaming them is safe, but this "
                     "tool never does it.")
        ctx.find(7, "info", f"{plural(n_mismatch, 'file')} {'has' if n_mismatch == 1 else 'have'} a "
                 "name ending that does not match the kind of file inside.", "formats")
    plain.append(f"The files take {human_bytes(storage['total_bytes'])} in all."
                 + (f" {human_bytes(reclaim)} of that is the same file stored twice inside one "
                    "location. Copies in other locations are backups, not waste; this tool never "
                    "removes anything." if reclaim else ""))
    return {"plain": plain, "formats": formats, "mismatches": listing(rows, n_mismatch, csv_name),
            "storage": storage}


# --- 7. provenance -------------------------------------------------------------------------------


def build_provenance(ctx: BuildContext) -> dict[str, Any]:
    from preservation.catalog.events import newest_event
    from preservation.provenance.export import check_chain

    meta = ctx.shared["meta"]
    with ctx.catalog.session() as s:
        ev = newest_event(s)
        newest = None if ev is None else {"seq": ev.seq, "time": iso(ev.time), "hash": ev.hash,
                                          "type": ev.type}
    chain = check_chain(ctx.catalog)
    plain = [f"Made by {meta['agent']} on {meta['generated'][:10]} for {meta['operator']}, from the "
             f"catalog {meta['catalog']}."]
    if newest:
        plain.append(f"At that moment the newest of the catalog's {chain.events:,} provenance events "
                     f"(#{newest['seq']}) had the fingerprint {newest['hash']}. Anyone holding the "
                     "catalog can check later that nothing recorded before it was altered "
                     "('preservation log verify').")
    source = meta.get("compare")
    if source:
        plain.append(f"The loss audit was made from {source['file']} (SHA-256 {source['sha256']}), "
                     f"a comparison of {source['reference']} with {source['other']}"
                     + (f" written on {source['created'][:10]}." if source["created"] else "."))
    if chain.broken is not None:
        plain.append(f"Warning: the provenance log is broken at event #{chain.broken.seq}: "
                     f"{chain.broken.reason}.")
        ctx.find(0, "problem", f"The catalog's provenance log has been altered (event "
                 f"#{chain.broken.seq}).", "provenance")
    plain.append("Making this report was itself recorded in the provenance log.")
    return {
        "plain": plain, "tool": meta["tool"], "version": meta["version"], "agent": meta["agent"],
        "command_line": meta["command_line"], "catalog": meta["catalog"],
        "generated": meta["generated"], "operator": meta["operator"], "newest_event": newest,
        "compare": source,
        "chain": {"intact": chain.broken is None, "events": chain.events,
                  "first_break": None if chain.broken is None else {
                      "seq": chain.broken.seq, "reason": chain.broken.reason}},
        "options": {"audience": meta["audience"], "paper": meta["paper"],
                    "location": meta["location"], "show_gps": meta["show_gps"],
                    "max_age_days": ctx.options.max_age_days, "rows": meta["rows"],
                    "max_pairs": meta["max_pairs"], "threshold": ctx.options.threshold},
    }


# --- 8. glossary ---------------------------------------------------------------------------------


def build_glossary(ctx: BuildContext) -> dict[str, Any]:
    from preservation.report.glossary import GLOSSARY

    return {"terms": [{"term": t, "definition": d} for t, d in GLOSSARY]}


SECTIONS: tuple[Section, ...] = (
    Section("summary", "Summary", build_summary, late=True),
    Section("copies", "Are the files backed up? (3-2-1)", build_copies),
    Section("lookalikes", "Files that look like duplicates but differ", build_lookalikes),
    Section("fixity", "Are the files unchanged? (fixity)", build_fixity),
    Section("ndsa", "Good practice: NDSA levels", build_ndsa),
    Section("formats", "File formats and storage", build_formats),
    Section("provenance", "About this report", build_provenance),
    Section("glossary", "Glossary", build_glossary),
)
