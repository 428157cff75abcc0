"""3-2-1 status, the storage picture and NDSA levels, through the real CLI."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import PHOTOS, validate


@pytest.fixture
def family(tmp_path: Path, run):
    """Laptop (ssd), USB (hdd), Cloud (sync, offsite), Vault (hdd, offsite).

    a.jpg: Laptop, USB, Cloud, Vault -> meets 3-2-1 (Cloud does not count, the rest do)
    b.jpg: Laptop only, plus a re-encoded derivative on USB -> at-risk (a derivative is not a copy)
    c.jpg: Laptop and USB -> short (no off-site copy, third copy missing)
    d.jpg: Laptop and Cloud (sync) -> at-risk: the sync copy is not a backup on its own
    """
    photos = sorted(PHOTOS.glob("*.jpg"))
    roots = {n: tmp_path / n for n in ("laptop", "usb", "cloud", "vault")}
    for r in roots.values():
        r.mkdir()
    a, b, c, d = (p.read_bytes() for p in photos[:4])
    for r in roots.values():
        (r / "a.jpg").write_bytes(a)
    (roots["laptop"] / "b.jpg").write_bytes(b)
    buf = io.BytesIO()
    Image.open(photos[1]).save(buf, "JPEG", quality=60)
    (roots["usb"] / "b-export.jpg").write_bytes(buf.getvalue())
    for n in ("laptop", "usb"):
        (roots[n] / "c.jpg").write_bytes(c)
    for n in ("laptop", "cloud"):
        (roots[n] / "d.jpg").write_bytes(d)
    (roots["laptop"] / "dup-of-c.jpg").write_bytes(c)  # stored twice on the laptop
    run("location", "add", "Laptop", str(roots["laptop"]), "--media", "ssd")
    run("location", "add", "USB", str(roots["usb"]), "--media", "hdd")
    run("location", "add", "Cloud", str(roots["cloud"]), "--media", "cloud", "--site", "offsite", "--sync")
    run("location", "add", "Vault", str(roots["vault"]), "--media", "hdd", "--site", "offsite")
    run("scan", "-q")
    return roots, {k: __import__("hashlib").sha256(v).hexdigest() for k, v in zip("abcd", (a, b, c, d), strict=True)}


def _statuses(run, *args: str, expect: int = 1) -> tuple[dict, dict]:
    out = run("copies", "--json", *args, expect=expect)
    data = json.loads(out.stdout)
    validate("copies", data)
    return {c["sha256"]: c for c in data["contents"]}, data


def test_three_two_one_per_content(run, family) -> None:
    _roots, sha = family
    by, data = _statuses(run)
    assert by[sha["a"]]["status"] == "meets-3-2-1"
    assert by[sha["a"]]["copies_counted"] == 3
    cloud = next(c for c in by[sha["a"]]["copies"] if c["location"] == "Cloud")
    assert not cloud["counts"] and "sync" in cloud["why_not"]
    assert by[sha["b"]]["status"] == "at-risk"
    assert [c["location"] for c in by[sha["b"]]["copies"]] == ["Laptop"]  # the export is not a copy
    assert by[sha["c"]]["status"] == "short"
    assert "an off-site copy" in by[sha["c"]]["missing"]
    assert by[sha["c"]]["copies_counted"] == 2  # two files on the laptop are one copy
    assert by[sha["d"]]["status"] == "at-risk"
    s = data["summary"]
    assert (s["meets_3_2_1"], s["short"], s["at_risk"]) == (1, 1, 3)  # b, d, and the USB export
    assert s["at_risk_by_location"] == {"Laptop": 2, "USB": 1}


def test_plain_words_summary_and_exit_code(run, family) -> None:
    out = run("copies", expect=1).stdout
    assert "1 photo meet 3-2-1" in out or "1 photo meets 3-2-1" in out
    assert "2 photos exist only on Laptop" in out
    assert "backups, not waste" in out  # the duplicate inside Laptop is explained, not condemned


def test_stale_untrusted_and_unreachable_copies_do_not_count(run, family, tmp_path) -> None:
    roots, sha = family
    by, _ = _statuses(run, "--max-age", "0")
    assert by[sha["a"]]["status"] == "at-risk"
    assert all("days ago" in c["why_not"] for c in by[sha["a"]]["copies"])
    shutil.move(roots["vault"], tmp_path / "vault-unplugged")
    by, _ = _statuses(run)
    vault = next(c for c in by[sha["a"]]["copies"] if c["location"] == "Vault")
    assert not vault["counts"] and "unverified (not missing)" in vault["why_not"]
    assert by[sha["a"]]["status"] == "short"


def test_all_safe_exits_zero(run, tmp_path) -> None:
    data = (PHOTOS / "coffee.jpg").read_bytes()
    for name, media, site in (("A", "ssd", "onsite"), ("B", "hdd", "onsite"), ("C", "cloud", "offsite")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "coffee.jpg").write_bytes(data)
        run("location", "add", name, str(tmp_path / name), "--media", media, "--site", site)
    run("scan", "-q")
    _by, out = _statuses(run, expect=0)
    assert out["summary"]["meets_3_2_1"] == 1
    assert "1 photo meet" in run("copies", expect=0).stdout


def test_storage_picture_counts_only_duplicates_within_a_location(run, family) -> None:
    _roots, sha = family
    _, data = _statuses(run)
    st = data["storage"]
    size_c = (family[0]["laptop"] / "c.jpg").stat().st_size
    assert st["reclaimable_bytes_within_locations"] == size_c
    assert st["duplicates_within_locations"] == [
        {"location": "Laptop", "sha256": sha["c"], "size": size_c, "copies": 2}]
    assert st["monthly_cost_of_reclaimable"] == pytest.approx(size_c / 1e9 * 0.023, abs=1e-4)


def test_status_dashboard_and_ndsa_never_overclaim(run, family) -> None:
    out = run("status", "--json", expect=1)
    d = json.loads(out.stdout)
    validate("status", d)
    assert [loc["name"] for loc in d["locations"]] == ["Cloud", "Laptop", "USB", "Vault"]
    # b.jpg and its re-encoded export on USB look alike and differ; a.jpg's copies are identical
    assert d["lookalikes"]["differ"] >= 1 and d["lookalikes"]["groups"] >= 2
    levels = {a["area"]: a for a in d["ndsa"]}
    # storage: not every file has two counted copies, so not even level 1
    assert levels["Storage"]["level"] == 0
    assert "two complete copies" in levels["Storage"]["next_step"]["text"].lower()
    # integrity L1 needs a virus check this tool cannot observe: never claimed
    assert levels["Integrity"]["level"] == 0
    assert levels["Content"]["level"] == 2
    text = run("status", expect=1).stdout
    assert "NDSA" in text and "Laptop" in text
