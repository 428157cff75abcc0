"""People's decisions over the look-alike analysis: who reviewed each pair, and which copy a
person chose as the authoritative version (shown instead of the tool's guessed likely original).

A decision concerns contents (SHA-256s, :mod:`preservation.provenance.decisions`): it stands for
a pair whose two contents it names. One that chose an authoritative copy stands only while that
copy (location, path) still holds those bytes; otherwise the pair is asked again. A pair whose
contents changed is a new pair, with no decision.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from preservation.provenance.decisions import DecisionRecord, FileRef

if TYPE_CHECKING:
    from .analysis import Group, LookalikeResult, Member, Pair

Decisions = dict[frozenset[str], DecisionRecord]


def file_ref(m: Member) -> FileRef:
    return FileRef(m.location, m.relative_path, m.sha256)


def subject(pair: Pair) -> frozenset[str]:
    return frozenset({pair.a.sha256, pair.b.sha256})


def standing(pair: Pair, group: Group, decisions: Decisions) -> DecisionRecord | None:
    """The decision that stands for ``pair`` in ``group`` (None: undecided, or asked again)."""
    rec = decisions.get(subject(pair))
    if rec is None:
        return None
    if rec.authoritative is not None and rec.authoritative not in {file_ref(m) for m in group.members}:
        return None  # the chosen copy no longer holds those bytes (or is gone): ask again
    return rec


def apply_decisions(result: LookalikeResult, decisions: Decisions) -> None:
    """Mark each pair with the decision that stands, and each group with the authoritative copy
    a person chose (the latest such decision among its pairs)."""
    for g in result.groups:
        chosen: DecisionRecord | None = None
        for p in g.pairs:
            p.decision = standing(p, g, decisions)
            if p.decision is not None and p.decision.authoritative is not None and (
                    chosen is None or p.decision.seq > chosen.seq):
                chosen = p.decision
        g.authoritative = None
        g.authoritative_decision = chosen
        if chosen is not None:
            g.authoritative = next(m for m in g.members if file_ref(m) == chosen.authoritative)


def decision_json(rec: DecisionRecord | None) -> dict[str, object] | None:
    """What ``lookalikes --json`` says of a decision (schemas/lookalikes.json ``decision``)."""
    if rec is None:
        return None
    return {"decision": str(rec.decision), "label": rec.label, "operator": rec.operator,
            "time": rec.to_json()["time"], "reviewed": rec.reviewed, "note": rec.note,
            "authoritative": rec.authoritative.to_json() if rec.authoritative else None,
            "event": rec.seq}
