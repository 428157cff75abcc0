"""Candidates for every framing, from real photos: mirror images, turns, bars, captions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from preservation.analyse.lookalikes import framing
from preservation.analyse.lookalikes.analysis import candidate_pairs
from preservation.catalog import lookalikestore as store
from preservation.catalog.engine import open_catalog
from preservation.catalog.models import File
from preservation.evalset import encode, source_photos
from preservation.evalset.framings import FRAMINGS
from preservation.fingerprint import perceptual, prepare

NAMES = ("astronaut", "camera", "chelsea", "coffee", "rocket")
T = Image.Transpose
PIL_VARIANT = [None, T.FLIP_LEFT_RIGHT, T.FLIP_TOP_BOTTOM, T.ROTATE_180, T.TRANSPOSE, T.TRANSVERSE,
               T.ROTATE_90, T.ROTATE_270]


def hashes(im: Image.Image) -> dict[str, int]:
    return {h.algorithm: int(h.value, 16) for h in perceptual.compute(prepare.working_image(im, None))}


@pytest.mark.parametrize("variant", range(1, 8), ids=framing.VARIANTS[1:])
def test_dihedral_variants_read_from_the_bits_match_the_turned_picture(variant: int) -> None:
    """Each variant computed from the stored bits is (nearly) the hash of the turned picture."""
    for photo in source_photos():
        base = hashes(photo)
        turned = hashes(photo.transpose(PIL_VARIANT[variant]))
        assert (turned["dihash"] ^ base["dihash"]).bit_count() <= 6  # invariant
        for alg, tolerance in (("ahash", 3), ("whash", 3), ("phash", 10), ("dhash", 4)):
            got = framing.transform(alg, variant, np.array([base[alg]], dtype=np.uint64))
            if got is None:
                assert alg == "dhash" and variant >= 4  # dHash compares horizontal neighbours only
                continue
            assert (int(got[0]) ^ turned[alg]).bit_count() <= tolerance, (alg, variant)


def test_bit_grids_round_trip() -> None:
    vals = np.random.default_rng(1).integers(0, 2**64 - 1, size=50, dtype=np.uint64, endpoint=True)
    assert np.array_equal(framing.from_grids(framing.to_grids(vals)), vals)
    top = framing.to_grids(np.array([1 << 63], dtype=np.uint64))
    assert top[0, 0, 0] and top.sum() == 1  # ImageHash's order: the first cell is the top bit


@pytest.mark.parametrize("kind", ["letterbox", "padding-white", "phone-screenshot", "caption-band"])
def test_uniform_bars_are_trimmed_to_the_photo(kind: str) -> None:
    rng = np.random.default_rng(5)
    for photo in source_photos():
        framed = FRAMINGS[kind](photo, rng)
        box = prepare.trim_box(prepare.working_image(framed, None))
        assert box is not None, kind
        fw, fh = framed.size
        kept = (box[2] - box[0]) * fw * (box[3] - box[1]) * fh
        # the trimmed view holds the photo and not much more (a photo's own plain edge may go)
        assert 0.5 * photo.width * photo.height <= kept <= 1.08 * photo.width * photo.height


def test_photos_without_plain_edges_are_not_trimmed() -> None:
    for name, photo in zip(NAMES, source_photos(), strict=True):
        if name in ("astronaut", "chelsea", "coffee"):
            assert prepare.trim_box(prepare.working_image(photo, None)) is None, name


def test_trimmed_view_hashes_only_where_there_are_bars() -> None:
    photo = source_photos()[2]
    plain = {h.algorithm for h in perceptual.compute(prepare.working_image(photo, None))}
    assert "dihash" in plain and not any(a.endswith("-trim") for a in plain)
    boxed = FRAMINGS["letterbox"](photo, np.random.default_rng(0))
    working = prepare.working_image(boxed, None)
    trimmed = prepare.trimmed_working_image(boxed, None, working)
    assert trimmed is not None
    algs = {h.algorithm for h in perceptual.compute(working, trimmed)}
    assert {f"{a}-trim" for a in perceptual.TRIMMED} <= algs


# --- end to end: scan real photos and their framings, then the candidate search ---------------

STEP1 = ("mirror", "rotate-90", "rotate-180", "rotate-270", "letterbox", "padding-white",
         "phone-screenshot", "caption-band", "meme-text")


@pytest.fixture(scope="module")
def framed_catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from preservation.cli.main import cli

    root = tmp_path_factory.mktemp("framings")
    lib = root / "photos"
    lib.mkdir()
    rng = np.random.default_rng(11)
    for name, photo in zip(NAMES, source_photos(), strict=True):
        (lib / f"{name}.jpg").write_bytes(encode(photo, quality=92))
        for kind in STEP1:
            framed = FRAMINGS[kind](photo, rng).convert("RGB")
            (lib / f"{name}--{kind}.jpg").write_bytes(encode(framed, quality=85))
    cat = root / "catalog.sqlite"
    runner = CliRunner()
    for args in (["location", "add", "Photos", str(lib), "--media", "ssd"], ["scan", "-j", "1", "-q"]):
        res = runner.invoke(cli, ["--catalog", str(cat), *args], catch_exceptions=False)
        assert res.exit_code == 0, res.output
    return cat


def _kept(cat: Path) -> tuple[set[frozenset[str]], dict[str, int]]:
    c = open_catalog(cat)
    try:
        with c.session() as s:
            fams = store.hash_families(s, None, framing.NOMINATING)
            names = {cid: Path(p).stem for cid, p in s.query(File.content_id, File.path)}
        stats: dict[str, int] = {}
        kept = candidate_pairs(fams, 12, stats=stats)
    finally:
        c.dispose()
    return {frozenset((names[a], names[b])) for a, b in kept}, stats


@pytest.mark.parametrize("kind", STEP1)
def test_every_framing_of_a_real_photo_is_nominated(framed_catalog: Path, kind: str) -> None:
    kept, stats = _kept(framed_catalog)
    missed = [n for n in NAMES if frozenset((n, f"{n}--{kind}")) not in kept]
    assert not missed, f"{kind}: not nominated for {missed}"
    assert stats["pairs_kept_by_framing"] > 0


def test_unrelated_real_photos_and_their_framings_are_not_nominated(framed_catalog: Path) -> None:
    kept, _ = _kept(framed_catalog)
    across = sorted(tuple(sorted(p)) for p in kept if len({x.split("--")[0] for x in p}) > 1)
    assert across == []


def test_rehash_brings_an_older_catalog_up_to_date(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A catalog scanned before dihash and trimmed views existed gets them from scan --rehash."""
    from sqlalchemy import delete, func, select

    from preservation.catalog.models import PerceptualHash

    lib = tmp_path / "photos"
    lib.mkdir()
    photo = source_photos()[2]
    (lib / "cat.jpg").write_bytes(encode(photo))
    (lib / "cat-letterbox.jpg").write_bytes(encode(FRAMINGS["letterbox"](photo, np.random.default_rng(1))))
    run("location", "add", "Photos", str(lib), "--media", "ssd")
    run("scan", "-j", "1", "-q")
    c = open_catalog(run.catalog_path)

    def framing_rows() -> int:
        with c.session() as s:
            return int(s.scalar(select(func.count()).select_from(PerceptualHash).where(
                PerceptualHash.algorithm.in_(framing.NOMINATING[4:]))) or 0)

    try:
        assert framing_rows() == 2 + len(perceptual.TRIMMED)  # dihash of both, trimmed view of one
        c.transact(lambda s: s.execute(delete(PerceptualHash).where(
            PerceptualHash.algorithm.in_(framing.NOMINATING[4:]))))
        assert framing_rows() == 0
        run("scan", "-j", "1", "-q")
        assert framing_rows() == 0  # an unchanged file is not read again ...
        run("scan", "-j", "1", "-q", "--rehash")
        assert framing_rows() == 2 + len(perceptual.TRIMMED)  # ... unless asked
    finally:
        c.dispose()


# --- near-flat pictures: a stricter path, and nothing dropped silently ---------------------------


def _page(g0: float, g1: float, seed: int, size: tuple[int, int] = (500, 350)) -> Image.Image:
    """A scanned blank page: a faint gradient and scanner noise (near-flat, not blank)."""
    w, h = size
    x = np.linspace(g0, g1, w)[None, :, None] * np.ones((h, 1, 3))
    x = x + np.random.default_rng(seed).normal(0, 1.0, (h, w, 1))
    return Image.fromarray(np.clip(x, 0, 255).astype(np.uint8))


def test_near_flat_pictures_take_the_strict_path_and_blank_pictures_are_named(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.conftest import validate

    lib = tmp_path / "photos"
    lib.mkdir()
    _page(235, 245, 1).save(lib / "scan1.png")
    _page(246, 238, 2).save(lib / "scan2.png")
    (lib / "cat.jpg").write_bytes(encode(source_photos()[2], quality=90))
    Image.new("RGB", (640, 480)).save(lib / "black.png")
    run("location", "add", "Photos", str(lib), "--media", "ssd")
    run("scan", "-j", "1", "-q")
    data = run.json("lookalikes", "-j", "1", expect=None)
    validate("lookalikes", data)
    assert data["stats"]["near_flat_compared_strictly"] == 2  # the pages went somewhere, not out
    pairs = {frozenset((Path(p["a"]).name, Path(p["b"]).name)) for g in data["groups"] for p in g["pairs"]}
    assert frozenset(("scan1.png", "scan2.png")) not in pairs  # two different pages stay apart
    named = {(Path(n["path"]).name, n["reason"].split(" ")[0]) for n in data["not_compared"]}
    assert named == {("black.png", "blank")}
    assert data["stats"]["not_compared"] == 1
    text = run("lookalikes", "-j", "1", expect=None).stdout
    assert "black.png" in text and "could not be compared" in text
