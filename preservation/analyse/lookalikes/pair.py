"""Comparing two files end to end: metadata, decoding, evidence, verdict, sentence."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from preservation.vocabulary import Verdict

from . import explain
from .evidence import Evidence, Meta, compare
from .verdict import decide

#: JPEGs whose pixels cannot be equal (sizes differ) are decoded reduced, at least this large.
REDUCED_SIDE = 2048


@dataclass(slots=True)
class PairResult:
    evidence: Evidence
    verdict: Verdict
    reasons: list[str] = field(default_factory=list)
    explanation: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reasons": list(self.reasons),
                "explanation": self.explanation, "evidence": self.evidence.to_json()}


def judge(ev: Evidence) -> PairResult:
    """Verdict and sentence for (possibly cached) evidence."""
    dec = decide(ev)
    return PairResult(ev, dec.verdict, dec.reasons, explain.sentence(ev, dec))


def meta_of_file(path: str | bytes | os.PathLike[str]) -> tuple[Meta, dict[str, Any]]:
    """Fingerprint a file that is not in the catalog: its metadata and perceptual hashes."""
    from preservation.fingerprint import fingerprint_file

    p = os.path.abspath(os.fsencode(path))
    root, rel = os.path.split(p)
    fp = fingerprint_file(root, rel, algorithms=("sha256",))
    img = fp.image
    meta = Meta(sha256=fp.sha256, size=fp.size, format=fp.format,
                width=img.width if img else None, height=img.height if img else None,
                orientation=img.orientation if img else None, mode=img.mode if img else None,
                capture_time=img.capture_time if img else None,
                camera_make=img.camera_make if img else None,
                camera_model=img.camera_model if img else None,
                exif=dict(img.exif) if img else {})
    hashes = {h.algorithm: h for h in fp.hashes}
    return meta, hashes


def hash_distances(ha: dict[str, Any], hb: dict[str, Any]) -> dict[str, int]:
    """Hamming distances of comparable hashes (same algorithm, params and library)."""
    out: dict[str, int] = {}
    for name in ("phash", "dhash", "ahash", "whash", "colorhash"):
        x, y = ha.get(name), hb.get(name)
        if x is None or y is None or x.params != y.params or x.library != y.library:
            continue
        out[name] = (int(x.value, 16) ^ int(y.value, 16)).bit_count()
    return out


_LOADED: list[tuple[tuple[bytes, str | None, int | None], Any]] = []


def _load(path: str | bytes | os.PathLike[str], sha: str | None, min_side: int | None) -> Any:
    """Decode, re-using the last few pictures (a group compares each picture many times)."""
    from .pixels import load

    key = (os.fsencode(path), sha, min_side)
    for k, v in _LOADED:
        if k == key:
            return v
    loaded = load(path, expected_sha256=sha, min_side=min_side)
    _LOADED.insert(0, (key, loaded))
    del _LOADED[4:]
    return loaded


def compare_files(path_a: str | bytes | os.PathLike[str], path_b: str | bytes | os.PathLike[str],
                  *, meta_a: Meta | None = None, meta_b: Meta | None = None,
                  distances: dict[str, int] | None = None) -> PairResult:
    """Everything about two files: read-only; the files need not be catalogued."""
    from .pixels import LoadError

    if meta_a is None or meta_b is None:
        ma, ha = meta_of_file(path_a)
        mb, hb = meta_of_file(path_b)
        meta_a, meta_b = meta_a or ma, meta_b or mb
        if distances is None:
            distances = hash_distances(ha, hb)
    if meta_a.sha256 and meta_a.sha256 == meta_b.sha256:
        return judge(compare(meta_a, meta_b, None, None, hash_distances=distances))
    sa, sb = meta_a.display_size, meta_b.display_size
    min_side = REDUCED_SIDE if (sa and sb and sa != sb) else None
    try:
        la = _load(path_a, meta_a.sha256, min_side)
        lb = _load(path_b, meta_b.sha256, min_side)
    except LoadError as exc:
        ev = compare(meta_a, meta_b, None, None, hash_distances=distances, problem=str(exc))
        return judge(ev)
    if la.decoded.full_size == lb.decoded.full_size and (la.decoded.reduced or lb.decoded.reduced):
        # the catalog's sizes were stale or missing: equality needs full resolution
        la = _load(path_a, meta_a.sha256, None)
        lb = _load(path_b, meta_b.sha256, None)
    return judge(compare(meta_a, meta_b, la.decoded, lb.decoded, hash_distances=distances))
