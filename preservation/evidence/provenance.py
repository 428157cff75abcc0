"""The package's record: what each file is, where it came from, how it was checked, the
comparisons, and the chain of events, as one plain dictionary.

That dictionary is ``evidence/provenance.json`` (``schemas/evidence-provenance.json``); the PDF
report, the letter and the README are rendered from it, so they cannot disagree with it.
``evidence/premis.xml`` carries the same files and events as PREMIS 3.0 (written with
:mod:`preservation.provenance.premis`).

Each event keeps its chain fields (``seq``, ``prev_hash``, ``hash``); ``hash_ok`` says whether
the event's hash was recomputed from its fields when the package was made. Events of the
catalog that concern none of these files are not copied; ``decisions`` lists what people decided
about these files' contents (appraisal events, as ``preservation decisions --json`` has them); ``chain.newest`` names the catalog's
newest event at that moment, so the full log can be checked against the package later.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import IO, Any

from preservation import agent
from preservation.analyse.lookalikes import PairResult
from preservation.analyse.lookalikes.platform import MatcherResult, platform_views, sentence
from preservation.catalog.engine import Catalog
from preservation.catalog.evidencestore import events_about
from preservation.catalog.inventory import iso
from preservation.evidence.parts import Packed, Pair, Selection
from preservation.provenance.chain import HASHED_FIELDS, event_hash, format_time
from preservation.provenance.decisions import export_view, iter_decisions
from preservation.provenance.export import chain_view, check_chain
from preservation.provenance.premis import file_object, write_document, xml_text
from preservation.vocabulary import Verdict

FORMAT = "preservation-evidence-provenance"
VERSION = 1
HOW_TO_VERIFY = ("Each event's hash is the SHA-256 of the canonical JSON (sorted keys, no spaces, "
                 "UTF-8) of its fields " + ", ".join(HASHED_FIELDS) + "; prev_hash is the hash of "
                 "the event before it in the catalog's log. 'preservation log verify' re-checks the "
                 "whole log in the catalog the package was made from.")


def _time(value: Any) -> Any:
    return format_time(value) if hasattr(value, "astimezone") else value


def object_view(p: Packed, events: list[tuple[int, str]]) -> dict[str, Any]:
    f, c = p.file, p.copy
    assert c is not None, "a file is described once it has been copied"
    return {
        "bag_path": p.bag_path, "role": p.role, "name": f.name, "location": f.location,
        "path": f.path, "absolute_path": f.absolute, "size": f.size, "sha256": f.sha256,
        "sha512": c.sha512, "format": f.format, "mime": f.mime, "width": f.width, "height": f.height,
        "capture_time": f.capture_time, "camera": f.camera, "exif": f.exif,
        "first_seen": iso(f.first_seen), "content_first_seen": iso(f.content_first_seen),
        "last_verified": iso(f.last_verified_at), "last_verify_status": f.last_verify_status,
        "also_at": list(p.also_at),
        "copying": {"copied_at": iso(c.copied_at), "source_sha256": c.source_sha256,
                 "copy_sha256": c.sha256, "copy_sha512": c.sha512, "bytes": c.size,
                 "source_modified": iso(_from_ns(c.source_mtime_ns)),
                 "matches_catalog": c.source_sha256 == f.sha256 == c.sha256},
        "events": [{"seq": seq, "via": via} for seq, via in events],
    }


def _from_ns(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


def comparison_view(pair: Pair, platform: Sequence[MatcherResult] = ()) -> dict[str, Any]:
    res: PairResult | None = pair.result
    assert res is not None
    ev, md = res.evidence, res.evidence.metadata
    d = ev.difference
    return {
        "a": pair.a.bag_path, "b": pair.b.bag_path, "origin": pair.origin,
        "verdict": str(res.verdict), "explanation": res.explanation, "reasons": list(res.reasons),
        "hash_distances": dict(ev.hash_distances), "bytes_equal": ev.bytes_equal,
        "pixels_equal": ev.pixels_equal, "relation": ev.geometry.relation,
        "transform": ev.geometry.transform, "match": round(ev.geometry.match, 4),
        "psnr": None if d is None else d.psnr, "ssim": None if d is None else d.ssim,
        "changed_share": None if d is None else d.changed_share,
        "pattern": None if d is None else d.pattern,
        "seconds_apart": md.seconds_apart,
        "metadata_differences": dict(md.differences), "lost_in_b": list(md.lost_in_b),
        "lost_in_a": list(md.lost_in_a), "problem": ev.problem, "difference_picture": pair.difference,
        "evidence": ev.to_json(),
        "platform_view": [r.to_json() for r in platform],
        "platform_sentence": sentence(platform, None if res.verdict == Verdict.IDENTICAL else res.explanation)
                             if platform else None,
    }


def build_record(catalog: Catalog, selection: Selection, package: dict[str, Any]) -> dict[str, Any]:
    """The whole record (``evidence/provenance.json``) of a package whose files are copied."""
    with catalog.session() as s:
        records, concern = events_about(s, [p.file for p in selection.files])
        decided = export_view(list(iter_decisions(s)),
                              contents={p.file.sha256 for p in selection.files if p.file.sha256})
    chain = chain_view(check_chain(catalog))
    events = []
    for rec in records:
        out = {k: _time(v) for k, v in rec.items()}
        out["hash_ok"] = event_hash(rec) == rec["hash"]
        events.append(out)
    return {
        "kind": FORMAT, "version": VERSION, "package": package, "selection": {
            "mode": selection.mode, "what": selection.what, "source": selection.source,
            "notes": list(selection.notes)},
        "objects": [object_view(p, concern.get(p.file.id, [])) for p in selection.files],
        "comparisons": [comparison_view(p, v) for p, v in zip(selection.pairs, platform_views(
            catalog, [(p.a.file.sha256 or "", p.b.file.sha256 or "") for p in selection.pairs]),
            strict=True)],
        "losses": [{"original": x.original.bag_path, "status": x.status,
                    "counterpart": x.counterpart.bag_path if x.counterpart else None,
                    "verdict": x.verdict, "explanation": x.explanation, "platform_title": x.title}
                   for x in selection.losses],
        "events": events,
        "decisions": decided["decisions"],
        "chain": {"events_in_catalog": chain["events"], "intact": chain["intact"],
                  "first_break": chain["first_break"], "newest": chain["newest"],
                  "how_to_verify": HOW_TO_VERIFY},
    }


def _identifier(tag: str, kind: str, value: str) -> ET.Element:
    el = ET.Element(tag)
    ET.SubElement(el, f"{tag}Type").text = kind
    ET.SubElement(el, f"{tag}Value").text = xml_text(value)
    return el


def premis_object(p: Packed, media: str | None) -> ET.Element:
    """The catalog's PREMIS object for the file, with its place in the package and its SHA-512."""
    obj = file_object(p.file.summary, media)
    obj.insert(0, _identifier("objectIdentifier", "bag-path", p.bag_path))
    chars = obj.find("objectCharacteristics")
    if chars is not None and p.copy is not None:
        fixity = ET.Element("fixity")
        ET.SubElement(fixity, "messageDigestAlgorithm").text = "SHA-512"
        ET.SubElement(fixity, "messageDigest").text = p.copy.sha512
        ET.SubElement(fixity, "messageDigestOriginator").text = agent()
        last = max((i for i, el in enumerate(chars) if el.tag in ("compositionLevel", "fixity")), default=-1)
        chars.insert(last + 1, fixity)
    return obj


def write_premis(out: IO[bytes], selection: Selection, record: dict[str, Any]) -> dict[str, int]:
    """``evidence/premis.xml``: the packaged files and the events that concern them."""
    events = []
    for e in record["events"]:
        rec = {k: e[k] for k in (*HASHED_FIELDS, "hash")}
        rec["time"] = datetime.fromisoformat(str(e["time"]).replace("Z", "+00:00"))
        events.append(rec)
    return write_document(out, (premis_object(p, p.file.media) for p in selection.files), events)


def write_json(path: str | os.PathLike[str], record: dict[str, Any]) -> None:
    import json

    with open(path, "w", encoding="utf-8") as fh:
        json.dump(record, fh, indent=2, ensure_ascii=False)
        fh.write("\n")


__all__ = ["FORMAT", "VERSION", "build_record", "comparison_view", "object_view", "premis_object",
           "write_json", "write_premis"]
