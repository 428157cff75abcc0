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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from preservation import paths
from preservation.catalog.engine import Catalog
from preservation.catalog.events import append_event, default_operator, iter_events
from preservation.catalog.models import Event
from preservation.errors import UsageError
from preservation.provenance.chain import format_time
from preservation.vocabulary import Decision, EventOutcome, EventType

#: The words a person chose, as shown in the review page, reports and exports.
LABELS: dict[Decision, str] = {
    Decision.KEEP_BOTH: "different photos: keep both",
    Decision.AUTHORITATIVE: "this copy is the authoritative version",
    Decision.SAME_PICTURE: "same picture",
    Decision.NOT_SURE: "not sure",
    Decision.ACCEPT_CHANGE: "accept this change",
}
NOTE_LENGTH = 4000  # characters kept of a note
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True, slots=True)
class FileRef:
    """One copy: a path in a location, and the content it held when the decision was made."""

    location: str
    path: str  # relative to the location's root, printable
    sha256: str | None = None

    @property
    def object_id(self) -> str:
        """How events name a file (``file:<location>/<path>``)."""
        return f"file:{self.location}/{self.path}"

    def to_json(self) -> dict[str, Any]:
        return {"location": self.location, "path": self.path, "sha256": self.sha256}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> FileRef:
        return cls(str(d.get("location", "")), str(d.get("path", "")), d.get("sha256"))


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """One recorded decision (an appraisal event), as read back from the chain."""

    seq: int
    time: datetime
    operator: str | None
    decision: Decision
    contents: tuple[str, ...]
    files: tuple[FileRef, ...] = ()
    authoritative: FileRef | None = None
    note: str | None = None
    context: dict[str, Any] = field(default_factory=dict)
    hash: str = ""

    @property
    def subject(self) -> frozenset[str]:
        """What the decision is about: the set of contents (their SHA-256s)."""
        return frozenset(self.contents)

    @property
    def label(self) -> str:
        return LABELS[self.decision]

    @property
    def reviewed(self) -> str:
        """``reviewed by NAME on YYYY-MM-DD``."""
        return f"reviewed by {self.operator or 'an unnamed operator'} on {self.time.date().isoformat()}"

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": format_time(self.time), "operator": self.operator,
                "decision": str(self.decision), "label": self.label,
                "contents": list(self.contents), "files": [f.to_json() for f in self.files],
                "authoritative": self.authoritative.to_json() if self.authoritative else None,
                "note": self.note, "context": dict(self.context), "event_hash": self.hash}


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


def from_event(ev: Event) -> DecisionRecord | None:
    """The decision an appraisal event records (None for another event, or one not readable)."""
    d = ev.detail if isinstance(ev.detail, dict) else {}
    if ev.type != EventType.APPRAISAL or "decision" not in d:
        return None
    try:
        code = Decision(d["decision"])
    except ValueError:
        return None
    auth = d.get("authoritative")
    return DecisionRecord(
        seq=ev.seq, time=ev.time, operator=ev.operator, decision=code,
        contents=tuple(d.get("contents") or ()),
        files=tuple(FileRef.from_json(f) for f in d.get("files") or () if isinstance(f, dict)),
        authoritative=FileRef.from_json(auth) if isinstance(auth, dict) else None,
        note=d.get("note"), context=dict(d.get("context") or {}), hash=ev.hash)


def iter_decisions(s: Session) -> Iterator[DecisionRecord]:
    """Every recorded decision, oldest first (chain order)."""
    for ev in iter_events(s, type=EventType.APPRAISAL):
        rec = from_event(ev)
        if rec is not None:
            yield rec


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
