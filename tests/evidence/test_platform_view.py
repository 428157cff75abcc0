"""The platform view in evidence packages: the record, the evidence report and the letter."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import validate
from tests.evidence.test_create import pdf_text


def test_each_pair_says_what_a_photo_matcher_would_do(appeal: dict[str, Any]) -> None:
    bag = Path(appeal["path"])
    record = json.loads((bag / "evidence" / "provenance.json").read_text())
    validate("evidence-provenance", record)
    (c,) = record["comparisons"]
    assert c["verdict"] == "burst"
    view = {r["matcher"]: r for r in c["platform_view"]}
    assert list(view) == ["pdq", "phash", "dhash"]
    for r in view.values():  # the stored hashes' real distances, judged by each threshold
        assert r["distance"] is not None and r["merges"] == (r["distance"] <= r["threshold"])
        assert r["source"]
    merging = [r for r in c["platform_view"] if r["merges"]]
    assert merging, "two burst shots a second apart: a 64-bit matcher at least would merge them"
    first = merging[0]
    said = c["platform_sentence"]
    name = first["label"].split(" (")[0]
    assert said.startswith(f"{name} distance {first['distance']} of {first['bits']} (match threshold "
                           f"{first['threshold']}, ")
    assert "a matcher would treat these as one photo, yet they differ: " in said
    assert c["explanation"].rstrip(".")[1:] in said  # how they differ: the verdict's own words
    letter = (bag / "letter" / "letter.txt").read_text()
    assert f"What a photo matcher would do: {said}" in letter
    report = re.sub(r"\s+", " ", pdf_text(bag / "evidence" / "report.pdf"))
    assert "What a photo matcher would do:" in report and "PDQ (Meta)" in report
