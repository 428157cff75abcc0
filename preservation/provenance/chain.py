"""The hash chain over provenance events.

Each event's hash covers its own fields and the previous event's hash, so editing, removing or
re-ordering any event breaks every later link. Anyone can re-verify the chain from an export:
the hash is SHA-256 over canonical JSON (sorted keys, no spaces, UTF-8) of the fields below.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from preservation import paths

GENESIS = "0" * 64
HASHED_FIELDS = ("seq", "time", "type", "agent", "operator", "outcome", "detail", "objects", "prev_hash")


def format_time(t: datetime) -> str:
    """UTC, microsecond precision, 'Z' suffix: the one textual form that is hashed."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(record: dict[str, Any]) -> bytes:
    body = {k: record[k] for k in HASHED_FIELDS}
    if isinstance(body["time"], datetime):
        body["time"] = format_time(body["time"])
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(record: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(record)).hexdigest()


def normalise_json(value: Any) -> Any:
    """What a JSON column gives back: hash that, not the Python objects we started from.

    Text no UTF-8 file can hold (bytes that are not UTF-8, passed on a command line, arrive as
    lone surrogates) is stored in the printable ``\\xNN`` form of file names.
    """
    return json.loads(json.dumps(_storable(value), ensure_ascii=False, default=str))


def _storable(value: Any) -> Any:
    if isinstance(value, str):
        return paths.text(value)
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str


def verify_records(records: Any) -> tuple[int, ChainBreak | None]:
    """Walk records in seq order; return (count checked, first break or None)."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for rec in records:
        count += 1
        if rec["seq"] != expected_seq:
            return count, ChainBreak(
                rec["seq"], f"expected event #{expected_seq}, found #{rec['seq']} (an event is missing)")
        if rec["prev_hash"] != prev:
            return count, ChainBreak(rec["seq"], "its link to the previous event does not match "
                                     "(an earlier event was altered or removed)")
        if event_hash(rec) != rec["hash"]:
            return count, ChainBreak(rec["seq"],
                                     "its contents do not match its hash (this event was altered)")
        prev = rec["hash"]
        expected_seq += 1
    return count, None
