"""What a platform would do: which published photo matchers would merge two pictures.

Photo services deduplicate with perceptual hashes: two pictures whose hashes are within a
threshold are treated as one photo. ``MATCHERS`` is a small table of such matchers, each with
the threshold its source publishes or recommends. :func:`matcher_results` says, for a pair of
pictures, which of them would merge the pair and at what distance; the look-alike verdict then
says how the two files nevertheless differ. A match is not a copy.

Plain API, no terminal: ``platform_view(catalog, sha256_a, sha256_b)`` for one pair from the
catalog; :func:`add_platform_view` for every pair of a look-alike result (``lookalikes
--platform-view``, reports, evidence packages and letters use the same results).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from preservation.catalog.lookalikestore import StoredHash, matcher_hashes
from preservation.fingerprint.perceptual import DIHEDRAL

if TYPE_CHECKING:
    from preservation.catalog.engine import Catalog

    from .analysis import LookalikeResult, Pair


@dataclass(frozen=True, slots=True)
class Matcher:
    name: str  # "pdq", "phash-10", "dhash-10"
    algorithm: str  # the stored perceptual hash it compares
    label: str  # in plain words: "PDQ (Meta)"
    bits: int
    threshold: int  # merged when the Hamming distance is at most this
    min_quality: int | None  # PDQ: hashes of lower quality are not used for matching
    used_by: str
    source: str  # where the threshold comes from
    cite: str  # the source in a few words, for sentences

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "algorithm": self.algorithm, "label": self.label,
                "bits": self.bits, "threshold": self.threshold, "min_quality": self.min_quality,
                "used_by": self.used_by, "source": self.source, "cite": self.cite}


PDQ_SOURCE = ("Meta's PDQ documentation (facebook/ThreatExchange, pdq/README.md): 'Distance "
              "Threshold to consider two hashes to be similar/matching: <=31'; 'Quality "
              "Threshold where we recommend discarding hashes: <=49'")
KRAWETZ_PHASH = ("N. Krawetz, 'Looks Like It', The Hacker Factor Blog, 2011 (the 64-bit average "
                 "and DCT hashes: 'a distance of 0 is very similar ... 1-10 are potentially "
                 "variations ... >10 is likely a different image')")
KRAWETZ_DHASH = ("N. Krawetz, 'Kind of Like That', The Hacker Factor Blog, 2013 (the 64-bit "
                 "difference hash, compared like the others: distance <= 10 a likely match)")

#: The matchers of the platform view, most widely deployed first.
MATCHERS: tuple[Matcher, ...] = (
    Matcher("pdq", "pdq", "PDQ (Meta)", 256, 31, 50,
            "Meta's open-source photo matcher (ThreatExchange, Hasher-Matcher-Actioner)", PDQ_SOURCE,
            "Meta's published recommendation"),
    Matcher("phash", "phash", "pHash (64-bit DCT hash)", 64, 10, None,
            "duplicate finders and photo libraries built on the DCT hash (pHash, ImageHash)",
            KRAWETZ_PHASH, "a common rule of thumb (Krawetz, 2011)"),
    Matcher("dhash", "dhash", "dHash (64-bit difference hash)", 64, 10, None,
            "duplicate finders built on the difference hash (dHash, ImageHash)", KRAWETZ_DHASH,
            "a common rule of thumb (Krawetz, 2013)"),
)


@dataclass(frozen=True, slots=True)
class MatcherResult:
    matcher: Matcher
    distance: int | None  # None: a hash of either picture is missing
    merges: bool  # this matcher would treat the two pictures as one photo
    reason: str  # plain words
    turned_distance: int | None = None  # PDQ: least distance to a rotation or mirror of a
    turned_as: str | None = None  # which one ("rotate-90", "flip-left-right"...)

    def to_json(self) -> dict[str, Any]:
        return {"matcher": self.matcher.name, "label": self.matcher.label,
                "algorithm": self.matcher.algorithm, "bits": self.matcher.bits,
                "threshold": self.matcher.threshold, "min_quality": self.matcher.min_quality,
                "distance": self.distance, "merges": self.merges, "reason": self.reason,
                "turned_distance": self.turned_distance, "turned_as": self.turned_as,
                "source": self.matcher.source}


_ALGORITHMS = sorted({m.algorithm for m in MATCHERS})


def _hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _one(m: Matcher, a: StoredHash | None, b: StoredHash | None) -> MatcherResult:
    if a is None or b is None or a.bits != m.bits or b.bits != m.bits:
        why = ("no PDQ fingerprint for one of the pictures (run: preservation scan --rehash)"
               if m.algorithm == "pdq" else f"no {m.algorithm} fingerprint for one of the pictures")
        return MatcherResult(m, None, False, why)
    d = _hamming(a.value, b.value)
    turned: tuple[int, str] | None = None
    if a.variants and len(a.variants) == len(DIHEDRAL):
        turned = min((_hamming(v, b.value), DIHEDRAL[i]) for i, v in enumerate(a.variants) if i)
    low = [q for q in (a.quality, b.quality) if m.min_quality is not None and q is not None
           and q < m.min_quality]
    of = f"distance {d} of {m.bits} (match threshold {m.threshold})"
    if low:
        return MatcherResult(m, d, False, f"{of}, but quality {min(low)} is below {m.min_quality}: "
                             "too featureless for this matcher to use", *(turned or (None, None)))
    if d <= m.threshold:
        return MatcherResult(m, d, True, f"{of}: would treat these as one photo",
                             *(turned or (None, None)))
    if turned is not None and turned[0] <= m.threshold:
        return MatcherResult(m, d, True, f"{of}; turned or mirrored ({turned[1]}) distance "
                             f"{turned[0]}: a matcher that checks rotations would treat these as "
                             "one photo", *turned)
    return MatcherResult(m, d, False, f"{of}: would keep both", *(turned or (None, None)))


def matcher_results(a: Mapping[str, StoredHash], b: Mapping[str, StoredHash],
                    matchers: Sequence[Matcher] = MATCHERS) -> list[MatcherResult]:
    """For two pictures' stored hashes (by algorithm): each matcher's distance and decision."""
    return [_one(m, a.get(m.algorithm), b.get(m.algorithm)) for m in matchers]


def platform_view(catalog: Catalog, sha256_a: str, sha256_b: str) -> list[MatcherResult]:
    """The platform view of one pair of contents in the catalog."""
    return platform_views(catalog, [(sha256_a, sha256_b)])[0]


def platform_views(catalog: Catalog, pairs: Sequence[tuple[str, str]]) -> list[list[MatcherResult]]:
    """The platform view of each pair of contents (by SHA-256), in one catalog query."""
    with catalog.session() as s:
        stored = matcher_hashes(s, sorted({sha for pair in pairs for sha in pair}), _ALGORITHMS)
    return [matcher_results(stored.get(a, {}), stored.get(b, {})) for a, b in pairs]


def add_platform_view(catalog: Catalog, result: LookalikeResult) -> None:
    """Attach the platform view to every pair of a look-alike result (``Pair.platform``)."""
    pairs = [p for g in result.groups for p in g.pairs]
    for p, view in zip(pairs, platform_views(catalog, [(p.a.sha256, p.b.sha256) for p in pairs]),
                       strict=True):
        p.platform = view


def merged_by(results: Sequence[MatcherResult]) -> list[MatcherResult]:
    return [r for r in results if r.merges]


def differs(pair: Pair) -> bool:
    """The files differ as pictures or as files (everything but identical bytes)."""
    return str(pair.verdict) != "identical"


def sentence(results: Sequence[MatcherResult], how_they_differ: str | None) -> str:
    """The platform view of a pair in plain words, for reports and letters.

    "PDQ distance 14 of 256 (match threshold 31, Meta's published recommendation): a matcher
    would treat these as one photo, yet they differ: taken 1.0 s apart, a different exposure."
    """
    merging = merged_by(results)
    if not merging:
        shown = [r for r in results if r.distance is not None]
        if not shown:
            return "No platform-matcher fingerprints are recorded for these pictures."
        r = shown[0]
        return (f"{r.matcher.label.split(' (')[0]} distance {r.distance} of {r.matcher.bits} "
                f"(match threshold {r.matcher.threshold}, {r.matcher.cite}): the common matchers "
                "would keep both.")
    first = merging[0]
    name = first.matcher.label.split(" (")[0]
    text = (f"{name} distance {first.distance} of {first.matcher.bits} (match threshold "
            f"{first.matcher.threshold}, {first.matcher.cite}): a matcher would treat these as "
            "one photo")
    others = [f"{r.matcher.label.split(' (')[0]} ({r.distance} of {r.matcher.bits})" for r in merging[1:]]
    also = f" {' and '.join(others)} would merge them too." if others else ""
    if how_they_differ:
        how = how_they_differ.strip().rstrip(".")
        return f"{text}, yet they differ: {how[:1].lower()}{how[1:]}.{also}"
    return f"{text}; they are the same bytes.{also}"


def summary_json() -> list[dict[str, Any]]:
    """The matcher table, as in JSON outputs."""
    return [m.to_json() for m in MATCHERS]
