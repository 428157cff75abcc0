"""JSON Schemas (draft 2020-12) for every JSON document the tool writes.

Shipped as package data; tests validate real output against them. Schema files are named for
the command that writes them (``files.json`` for ``preservation files --json``...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def schema_names() -> list[str]:
    return sorted(p.name[:-5] for p in resources.files(__name__).iterdir() if p.name.endswith(".json"))


# --- checking a document against its schema -------------------------------------------------
#
# The tool reads back some of the JSON it writes (``report --compare FILE``). A file edited by
# hand, cut short or written by something else must be refused with a clear message, not fail
# deep inside: it is checked with the jsonschema library against the schema it claims.


class SchemaError(ValueError):
    """A document that does not follow its schema; ``problems`` lists what is wrong, and where."""

    def __init__(self, name: str, problems: list[str]) -> None:
        super().__init__(f"not a valid {name} document: " + "; ".join(problems))
        self.name = name
        self.problems = problems


def _where(path: Iterable[str | int]) -> str:
    """``entries[0].status``: where in the document, as a person would write it."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "the document"


@cache
def _validator(name: str) -> Any:
    import jsonschema  # deferred: only commands that read JSON back need it

    return jsonschema.Draft202012Validator(load_schema(name))


def problems(name: str, data: Any, *, limit: int = 5) -> list[str]:
    """What makes ``data`` break schemas/<name>.json (at most ``limit`` problems; [] if none)."""
    errors = sorted(_validator(name).iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [f"{_where(e.absolute_path)}: {e.message[:300]}" for e in errors[:limit]]


def validate(name: str, data: Any) -> None:
    """Raise :class:`SchemaError` unless ``data`` follows schemas/<name>.json."""
    found = problems(name, data)
    if found:
        raise SchemaError(name, found)
