"""People's decisions, recorded as PREMIS ``appraisal`` events in the hash chain.

The tool never acts on a file: a person decides, and the tool records who decided what, when,
about which contents and which copies, with an optional note. A decision is one event::

    type      appraisal
    operator  who decided (asked once; default: the OS user)
    objects   sha256:<hex> of every content concerned, file:<location>/<path> of every copy
    detail    {"decision": <code>, "label": <the words the person chose>,
               "contents": [<sha256>...], "files": [{"location", "path", "sha256"}...],
               "authoritative": {"location", "path", "sha256"} | null, "note": <text> | null,
               "context": {...what the tool showed: verdict, group key...}, "message": ...}

Decision codes are :class:`preservation.vocabulary.Decision`. Events are never edited: a later
decision about the same contents replaces an earlier one for display, and both stay in the
chain. A decision concerns *contents* (by SHA-256), so when a file's bytes change its pairs are
new pairs with no decision, and a person is asked again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.decisionstore import LABELS, DecisionRecord, FileRef, from_event, iter_decisions
from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event, default_operator
from preservation.errors import UsageError
from preservation.vocabulary import Decision, EventOutcome, EventType

NOTE_LENGTH = 4000  # characters kept of a note
_SHA256 = re.compile(r"[0-9a-f]{64}")


def append_decision(s: Session, decision: Decision | str, contents: Iterable[str], *,
                    files: Iterable[FileRef] = (), authoritative: FileRef | None = None,
                    note: str | None = None, operator: str | None = None,
                    context: dict[str, Any] | None = None) -> DecisionRecord:
    """Record one decision in the caller's transaction and return it as read back.

    ``contents``: the SHA-256s the decision is about (a look-alike pair: two; exact copies or
    an accepted change: one or more). ``files``: the copies concerned. ``authoritative``: the
    chosen copy, required for :attr:`Decision.AUTHORITATIVE` (one of ``contents``).
    Raises :class:`~preservation.errors.UsageError` for a decision that cannot be recorded.
    """
    try:
        code = Decision(decision)
    except ValueError:
        raise UsageError(f"Unknown decision {decision!r}; one of: "
                         + ", ".join(str(d) for d in Decision)) from None
    shas = sorted({str(c).lower() for c in contents})
    if not shas or not all(_SHA256.fullmatch(c) for c in shas):
        raise UsageError("A decision names the contents it is about, by SHA-256.")
    refs = list(dict.fromkeys(files))
    if code == Decision.AUTHORITATIVE:
        if authoritative is None or authoritative.sha256 not in shas:
            raise UsageError("'This copy is the authoritative version' needs the chosen copy, "
                             "one of the contents concerned.")
        if authoritative not in refs:
            refs.append(authoritative)
    elif authoritative is not None:
        raise UsageError(f"Only 'authoritative-copy' names an authoritative copy, not {code}.")
    text = paths.text(note).strip()[:NOTE_LENGTH] if note else None
    who = operator or default_operator()
    detail = {"decision": str(code), "label": LABELS[code], "contents": shas,
              "files": [f.to_json() for f in refs],
              "authoritative": authoritative.to_json() if authoritative else None,
              "note": text or None, "context": context or {},
              "message": f"Decided: {LABELS[code]}" + (f" ({text})" if text else "")}
    objects = [f"sha256:{c}" for c in shas] + [f.object_id for f in refs]
    ev = append_event(s, EventType.APPRAISAL, EventOutcome.SUCCESS, detail=detail,
                      objects=objects, operator=who)
    rec = from_event(ev)
    assert rec is not None
    return rec


def record_decision(catalog: Catalog, decision: Decision | str, contents: Iterable[str],
                    **kwargs: Any) -> DecisionRecord:
    """:func:`append_decision` in a transaction of its own."""
    shas = list(contents)
    return catalog.transact(lambda s: append_decision(s, decision, shas, **kwargs))


def current(records: Iterable[DecisionRecord]) -> dict[frozenset[str], DecisionRecord]:
    """The latest decision about each set of contents (later ones replace earlier ones)."""
    out: dict[frozenset[str], DecisionRecord] = {}
    for rec in records:
        out[rec.subject] = rec
    return out


def export_view(records: list[DecisionRecord], *, include_replaced: bool = True,
                contents: set[str] | None = None) -> dict[str, Any]:
    """The decisions as a document (``schemas/decisions.json``): each one and whether it still
    stands. ``contents``: only decisions about any of these SHA-256s (an evidence package's)."""
    latest = {r.seq for r in current(records).values()}
    chosen = [r for r in records if contents is None or contents.intersection(r.contents)]
    rows = [{**r.to_json(), "current": r.seq in latest} for r in chosen
            if include_replaced or r.seq in latest]
    return {"decisions": rows, "count": len(rows),
            "replaced": sum(1 for r in chosen if r.seq not in latest)}


def current_decisions(catalog: Catalog) -> dict[frozenset[str], DecisionRecord]:
    """:func:`current` over the catalog's whole chain."""
    with catalog.session() as s:
        return current(iter_decisions(s))


__all__ = ["LABELS", "DecisionRecord", "FileRef", "append_decision", "current",
           "current_decisions", "export_view", "from_event", "iter_decisions", "record_decision"]
