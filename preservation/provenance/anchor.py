"""Anchors: the head of the event chain written down outside the catalog.

A valid chain proves that no event was changed *inside* it; it cannot prove that the log was
not cut short at the end, or rewritten from some point on with every later hash recomputed
(docs/internals/event-chain.md). An anchor closes that gap: the ``seq`` and ``hash`` of the
newest event at some moment, kept somewhere else. Every report, export (``-o``) and evidence
package gets one beside it (``NAME.anchor.json``); ``log verify --anchor FILE`` (or
``--expect HASH``) then checks that the event the anchor names is still in the log with that
very hash. As the chain from it is re-computed too, the log up to the anchor is exactly the
one the anchor saw.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from preservation import agent
from preservation.catalog.engine import Catalog
from preservation.catalog.events import event_at, event_with_hash, newest_event
from preservation.errors import UsageError
from preservation.outfiles import written_whole
from preservation.provenance.chain import format_time

ANCHOR_FORMAT = "preservation-chain-anchor"
ANCHOR_VERSION = 1
SUFFIX = ".anchor.json"
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Anchor:
    """An event the log must still hold: its number (None: any number) and its hash."""

    seq: int | None
    hash: str
    source: str  # the anchor file, or "--expect"


@dataclass(frozen=True)
class AnchorCheck:
    anchor: Anchor
    ok: bool
    reason: str

    def view(self) -> dict[str, Any]:
        return {"source": self.anchor.source, "seq": self.anchor.seq, "hash": self.anchor.hash,
                "ok": self.ok, "reason": self.reason}


def anchor_path(output: str | os.PathLike[str]) -> str:
    """Where the anchor of ``output`` (a report, an export, a package folder) is written."""
    return os.fspath(output).rstrip(os.sep) + SUFFIX


def write_anchor(catalog: Catalog, output: str | os.PathLike[str], made: str) -> str | None:
    """Write the chain's head beside ``output``; returns the anchor's path (None: no events)."""
    with catalog.session() as s:
        ev = newest_event(s)
        if ev is None:
            return None
        body = {"format": ANCHOR_FORMAT, "version": ANCHOR_VERSION, "seq": int(ev.seq), "hash": ev.hash,
                "event_time": format_time(ev.time), "written": format_time(datetime.now(UTC)),
                "made": made, "output": os.path.basename(os.fspath(output).rstrip(os.sep)),
                "catalog": catalog.display, "agent": agent()}
    path = anchor_path(output)
    with written_whole(path) as fh:
        fh.write((json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode())
    return path


def read_anchor(path: str | os.PathLike[str]) -> Anchor:
    """An anchor file written by :func:`write_anchor`, or a clear refusal."""
    shown = os.fspath(path)
    try:
        with open(path, encoding="utf-8") as fh:
            body = json.load(fh)
    except OSError as exc:
        raise UsageError(f"Cannot read the anchor {shown}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{shown} is not an anchor file (not JSON: {exc}).") from exc
    if (not isinstance(body, dict) or body.get("format") != ANCHOR_FORMAT
            or not isinstance(body.get("seq"), int) or not _HEX64.match(str(body.get("hash")))):
        raise UsageError(f"{shown} is not an anchor file written by preservation.")
    return Anchor(body["seq"], body["hash"], shown)


def parse_expect(value: str) -> Anchor:
    """``--expect``: a hash the log must hold, as ``HASH`` or ``SEQ:HASH``."""
    seq_text, _, digest = value.strip().rpartition(":")
    digest = digest.lower()
    if not _HEX64.match(digest) or (seq_text and not seq_text.lstrip("#").isdigit()):
        raise UsageError(f"--expect takes an event hash (64 hex digits), optionally as SEQ:HASH, not {value!r}.")
    return Anchor(int(seq_text.lstrip("#")) if seq_text else None, digest, "--expect")


def check_anchors(catalog: Catalog, anchors: list[Anchor], events: int) -> list[AnchorCheck]:
    """Does the log still hold each anchored event, with the anchored hash?"""
    out = []
    with catalog.session() as s:
        for a in anchors:
            if a.seq is None:
                ev = event_with_hash(s, a.hash)
                out.append(AnchorCheck(a, True, f"event #{ev.seq} has this hash") if ev is not None else
                           AnchorCheck(a, False, "no event in the log has this hash: the log was cut "
                                                 "short or rewritten since"))
                continue
            ev = event_at(s, a.seq)
            if ev is None:
                out.append(AnchorCheck(a, False, f"the log holds {events:,} events and no event "
                                                 f"#{a.seq}: events were removed from its end"))
            elif ev.hash != a.hash:
                out.append(AnchorCheck(a, False, f"event #{a.seq} now has another hash ({ev.hash}): "
                                                 f"the log was rewritten at or before #{a.seq}"))
            else:
                out.append(AnchorCheck(a, True, f"event #{a.seq} has this hash"))
    return out
