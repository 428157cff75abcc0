"""What the review page shows: look-alike and exact-copy groups, most at risk first, with each
pair's verdict, evidence and the decision people recorded about it.

The groups are those of :func:`preservation.analyse.lookalikes.find_lookalikes`, computed once
when the page starts (their evidence is cached in the catalog). Decisions are read from the
provenance chain on every request, so a decision recorded elsewhere shows at the next page.

A pair is *decided* when the latest decision about its two contents (by SHA-256) stands
(:func:`preservation.analyse.lookalikes.decided.standing`): a decision naming an authoritative
copy that no longer holds those bytes stands no more, and the pair is asked again; a pair whose
contents changed is a new pair, with no decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from preservation.analyse.lookalikes import Evidence, Group, LookalikeResult, Member, Pair
from preservation.analyse.lookalikes.decided import file_ref, standing, subject
from preservation.provenance.decisions import LABELS, DecisionRecord
from preservation.report.glossary import VERDICT_GUIDANCE, VERDICT_LABELS
from preservation.report.lookalike_view import FIELD_LABELS, field_value
from preservation.report.lookalikes import VERDICT_ORDER
from preservation.vocabulary import Decision, Verdict

PAGE_SIZE = 50
#: The decisions the page offers, in the order shown (the authoritative copy: one per side).
CHOICES: tuple[Decision, ...] = (Decision.KEEP_BOTH, Decision.AUTHORITATIVE, Decision.SAME_PICTURE,
                                 Decision.NOT_SURE)


def risk_key(g: Group) -> tuple[int, int, int, int]:
    """Most at risk first: the verdicts a photo service would collapse wrongly first (edits,
    re-saves, other shots, look-alike photos; as in the report), then groups where one file
    lost metadata the other keeps, then bigger groups; exact copies last."""
    verdicts = [VERDICT_ORDER.get(p.verdict, 9) for p in g.pairs]
    lost = any((p.evidence.get("metadata") or {}).get("lost_in_b") for p in g.pairs
               if p.verdict != Verdict.IDENTICAL)
    return (min(verdicts, default=9), 0 if lost else 1, -len(g.members), g.id)


def pair_order(g: Group) -> list[int]:
    """The group's pairs in the order they are reviewed: most at risk first (as the groups),
    exact copies last; indexes into ``g.pairs``."""
    return sorted(range(len(g.pairs)), key=lambda i: (VERDICT_ORDER.get(g.pairs[i].verdict, 9), i))


@dataclass(slots=True)
class Filters:
    location: str | None = None
    verdict: str | None = None
    undecided: bool = False
    page: int = 1

    def query(self, **change: Any) -> dict[str, str]:
        """The filters as URL parameters (for links to other pages)."""
        values = {"location": self.location, "verdict": self.verdict,
                  "undecided": "1" if self.undecided else None, "page": str(self.page)}
        values.update({k: (None if v is None else str(v)) for k, v in change.items()})
        return {k: v for k, v in values.items() if v}


@dataclass
class ReviewData:
    """The groups of one analysis, ordered most at risk first, and lookups into them."""

    result: LookalikeResult
    groups: list[Group] = field(default_factory=list)
    by_id: dict[int, Group] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)

    @classmethod
    def from_result(cls, result: LookalikeResult) -> ReviewData:
        groups = sorted((g for g in result.groups if g.pairs), key=risk_key)
        return cls(result, groups, {g.id: g for g in groups},
                   sorted({m.location for g in groups for m in g.members}))

    def undecided(self, g: Group, decisions: dict[frozenset[str], DecisionRecord]) -> int:
        return sum(1 for p in g.pairs if standing(p, g, decisions) is None)

    def select(self, f: Filters, decisions: dict[frozenset[str], DecisionRecord]) -> list[Group]:
        out = []
        for g in self.groups:
            if f.location and not any(m.location == f.location for m in g.members):
                continue
            if f.verdict and not any(str(p.verdict) == f.verdict for p in g.pairs):
                continue
            if f.undecided and not self.undecided(g, decisions):
                continue
            out.append(g)
        return out

    def page(self, f: Filters, decisions: dict[frozenset[str], DecisionRecord]) -> dict[str, Any]:
        chosen = self.select(f, decisions)
        pages = max(1, -(-len(chosen) // PAGE_SIZE))
        f.page = min(max(1, f.page), pages)
        start = (f.page - 1) * PAGE_SIZE
        rows = [group_row(g, self.undecided(g, decisions), decisions)
                for g in chosen[start:start + PAGE_SIZE]]
        return {"rows": rows, "total": len(chosen), "pages": pages, "page": f.page,
                "first": start + 1 if rows else 0, "last": start + len(rows),
                "undecided_groups": sum(1 for g in self.groups if self.undecided(g, decisions)),
                "all_groups": len(self.groups)}

    def pair(self, group_id: int, index: int) -> tuple[Group, Pair] | None:
        g = self.by_id.get(group_id)
        if g is None or not 0 <= index < len(g.pairs):
            return None
        return g, g.pairs[index]

    def neighbours(self, group_id: int, index: int, f: Filters,
                   decisions: dict[frozenset[str], DecisionRecord]) -> tuple[tuple[int, int] | None,
                                                                            tuple[int, int] | None]:
        """The previous and next pair in the list's order (within the filters)."""
        flat = [(g.id, i) for g in self.select(f, decisions) for i in pair_order(g)]
        try:
            at = flat.index((group_id, index))
        except ValueError:
            return None, (flat[0] if flat else None)
        return (flat[at - 1] if at > 0 else None), (flat[at + 1] if at + 1 < len(flat) else None)

    def next_undecided(self, after: tuple[int, int], f: Filters,
                       decisions: dict[frozenset[str], DecisionRecord]) -> tuple[int, int] | None:
        flat = [(g, i) for g in self.select(f, decisions) for i in pair_order(g)]
        keys = [(g.id, i) for g, i in flat]
        start = keys.index(after) + 1 if after in keys else 0
        for g, i in flat[start:] + flat[:start]:
            if standing(g.pairs[i], g, decisions) is None:
                return g.id, i
        return None


def group_row(g: Group, undecided: int, decisions: dict[frozenset[str], DecisionRecord]
              ) -> dict[str, Any]:
    verdicts: dict[str, int] = {}
    for p in g.pairs:
        verdicts[str(p.verdict)] = verdicts.get(str(p.verdict), 0) + 1
    latest = max((d for p in g.pairs if (d := standing(p, g, decisions)) is not None),
                 key=lambda d: d.seq, default=None)
    return {"id": g.id, "key": g.key, "kind": g.kind, "files": len(g.members), "start": pair_order(g)[0],
            "pictures": len({m.sha256 for m in g.members}),
            "locations": sorted({m.location for m in g.members}),
            "first": g.members[0].relative_path if g.members else "",
            "verdicts": [{"verdict": v, "label": VERDICT_LABELS.get(v, v), "count": n}
                         for v, n in sorted(verdicts.items(), key=lambda kv: VERDICT_ORDER.get(Verdict(kv[0]), 9))],
            "pairs": len(g.pairs), "undecided": undecided,
            "reviewed": latest.reviewed if latest else None}


def copies(g: Group, sha256: str) -> list[dict[str, str]]:
    return [{"location": m.location, "path": m.relative_path, "absolute": m.path}
            for m in g.members if m.sha256 == sha256]


def side_view(m: Member, role: str, g: Group) -> dict[str, Any]:
    return {"sha256": m.sha256, "location": m.location, "path": m.relative_path,
            "name": m.relative_path.rsplit("/", 1)[-1], "width": m.width, "height": m.height,
            "format": m.format, "capture_time": m.capture_time, "bytes": m.bytes, "role": role,
            "copies": copies(g, m.sha256)}


def pair_view(g: Group, index: int, decisions: dict[frozenset[str], DecisionRecord],
              platform: Sequence[dict[str, Any]] | None = None) -> dict[str, Any]:
    p = g.pairs[index]
    ev = Evidence.from_json(p.evidence)
    md = ev.metadata
    originals = {m.sha256 for m in g.originals}
    same = p.a.sha256 == p.b.sha256
    role_a = ("a copy" if same else "the likely original" if p.a.sha256 in originals
              else "the first picture")
    role_b = "another copy" if same else "the picture compared with it"
    rec = standing(p, g, decisions)
    earlier = decisions.get(subject(p)) if rec is None else None
    d = ev.difference
    verdict = str(p.verdict)
    return {
        "group": g.id, "index": index, "key": g.key, "kind": g.kind, "pairs": len(g.pairs),
        "position": pair_order(g).index(index) + 1,
        "a": side_view(p.a, role_a, g), "b": side_view(p.b, role_b, g), "same_content": same,
        "verdict": verdict, "verdict_label": VERDICT_LABELS.get(verdict, verdict),
        "explanation": p.explanation, "guidance": VERDICT_GUIDANCE.get(verdict, ""),
        "reasons": list(p.reasons),
        "measures": None if d is None else {"psnr": round(d.psnr, 1), "ssim": round(d.ssim, 3),
                                            "changed": round(100 * d.changed_share, 1), "pattern": d.pattern},
        "problem": ev.problem,
        "has_map": bool(ev.decoded and d is not None and not ev.pixels_equal
                        and ev.geometry.relation != "unaligned"),
        "differences": [{"label": FIELD_LABELS.get(k, k), "a": field_value(k, v.get("a"), False),
                         "b": field_value(k, v.get("b"), False)} for k, v in md.differences.items()],
        "lost_in_b": list(md.lost_in_b), "lost_in_a": list(md.lost_in_a),
        "distances": dict(ev.hash_distances),
        "platform": list(platform) if platform else None,
        "original_reasons": list(g.original_reasons),
        "decision": None if rec is None else decision_view(rec, p),
        "asked_again": None if earlier is None else decision_view(earlier, p),
        "choices": [{"value": str(c), "label": LABELS[c]} for c in CHOICES],
    }


def decision_view(rec: DecisionRecord, p: Pair) -> dict[str, Any]:
    side = None
    if rec.authoritative is not None:
        side = "a" if rec.authoritative == file_ref(p.a) else "b" if rec.authoritative == file_ref(p.b) else None
    return {"label": rec.label, "decision": str(rec.decision), "reviewed": rec.reviewed,
            "note": rec.note, "seq": rec.seq, "side": side,
            "authoritative": rec.authoritative.to_json() if rec.authoritative else None}
