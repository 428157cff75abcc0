"""Appending to and reading the provenance event log (append-only, hash-chained)."""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from preservation import agent, paths
from preservation.catalog.models import Event, EventObject
from preservation.provenance.chain import GENESIS, event_hash, normalise_json

OPERATOR_LENGTH = 200  # events.operator is VARCHAR(200)
CHAIN_LOCK = 0x70726573_63686E  # PostgreSQL advisory lock key of the event chain


def default_operator() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def append_event(
    s: Session,
    type: str,
    outcome: str,
    *,
    detail: dict[str, Any] | None = None,
    objects: Iterable[str] = (),
    operator: str | None = None,
    time: datetime | None = None,
) -> Event:
    """Append one event in the caller's transaction.

    Two writers racing for the same ``seq`` collide on its unique constraint; the loser's
    transaction is retried by :meth:`Catalog.transact`. On PostgreSQL, where many writers
    (scans of a dozen servers) may share one catalog, a transaction first takes the chain's
    lock, held until it commits: the next writer waits for it, then reads the new tail, instead
    of colliding and redoing its whole batch.
    """
    if s.get_bind().dialect.name == "postgresql":
        s.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
    tail = s.execute(select(Event.seq, Event.hash).order_by(Event.seq.desc()).limit(1)).first()
    seq, prev = (tail[0] + 1, tail[1]) if tail else (1, GENESIS)
    now = (time or datetime.now(UTC)).astimezone(UTC)
    record: dict[str, Any] = {
        "seq": seq,
        "time": now,
        "type": str(type),
        "agent": agent(),
        "operator": paths.text(operator)[:OPERATOR_LENGTH] if operator else operator,  # as stored
        "outcome": str(outcome),
        "detail": normalise_json(detail or {}),
        "objects": normalise_json(list(objects)),
        "prev_hash": prev,
    }
    ev = Event(**record, hash=event_hash(record))
    s.add(ev)
    s.flush()
    s.add_all(EventObject(event_id=ev.id, object=o[:300]) for o in record["objects"])
    return ev


def event_record(ev: Event) -> dict[str, Any]:
    return {
        "seq": ev.seq,
        "time": ev.time,
        "type": ev.type,
        "agent": ev.agent,
        "operator": ev.operator,
        "outcome": ev.outcome,
        "detail": ev.detail,
        "objects": ev.objects,
        "prev_hash": ev.prev_hash,
        "hash": ev.hash,
    }


def iter_events(s: Session, *, batch: int = 2000, type: str | None = None) -> Iterator[Event]:
    """All events (or those of one ``type``) in chain order, streamed."""
    last = 0
    while True:
        q = select(Event).where(Event.seq > last)
        if type is not None:
            q = q.where(Event.type == type)
        rows = s.scalars(q.order_by(Event.seq).limit(batch)).all()
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        s.expunge_all()


def events_for(s: Session, objects: Iterable[str]) -> list[Event]:
    """Events naming any of ``objects``. The index keeps 300 characters of each name, so a
    long name is looked up by its prefix and the events' own full names are compared."""
    wanted = set(objects)
    ids = select(EventObject.event_id).where(EventObject.object.in_({o[:300] for o in wanted}))
    return [e for e in s.scalars(select(Event).where(Event.id.in_(ids)).order_by(Event.seq))
            if wanted.intersection(e.objects)]


def newest_event(s: Session) -> Event | None:
    return s.scalars(select(Event).order_by(Event.seq.desc()).limit(1)).first()


def event_at(s: Session, seq: int) -> Event | None:
    """The event numbered ``seq``, if the log holds one."""
    return s.scalars(select(Event).where(Event.seq == seq).limit(1)).first()


def event_with_hash(s: Session, digest: str) -> Event | None:
    """The event whose chain hash is ``digest``, if the log holds one."""
    return s.scalars(select(Event).where(Event.hash == digest).limit(1)).first()
