"""PDQ is the reference PDQ: published test vectors, dihedral hashes, the scan's decode, --rehash."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from preservation.fingerprint import fingerprint_file, perceptual, prepare

DATA = Path(__file__).parent / "data" / "pdq"
VECTORS = json.loads((DATA / "vectors.json").read_text())
T = Image.Transpose
# The Pillow transpose each dihedral hash stands for (perceptual.DIHEDRAL order).
TRANSPOSES = [None, T.ROTATE_90, T.ROTATE_180, T.ROTATE_270, T.FLIP_TOP_BOTTOM,
              T.FLIP_LEFT_RIGHT, T.TRANSPOSE, T.TRANSVERSE]


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def reference_pixels(name: str) -> Image.Image:
    """The pixels the reference's Python hasher reads: decoded, at most 512 x 512, RGB."""
    with Image.open(DATA / name) as im:
        im.thumbnail((512, 512))
        return im.convert("RGB")


@pytest.mark.parametrize("name", sorted(VECTORS["images"]))
def test_same_pixels_give_exactly_the_published_hash(name: str) -> None:
    """On the reference's own pixels, every one of the 256 bits is the published one."""
    variants, quality = perceptual.pdq_dihedral(reference_pixels(name))
    assert variants[0] == VECTORS["images"][name]
    assert 0 <= quality <= 100


def test_quality_tells_featureless_pictures_apart() -> None:
    assert perceptual.pdq_dihedral(reference_pixels("small.jpg"))[1] < 50  # a plain gradient
    assert perceptual.pdq_dihedral(reference_pixels("q0004.jpg"))[1] < 50
    assert perceptual.pdq_dihedral(reference_pixels("q1050.jpg"))[1] == 100


def test_scan_decode_stays_within_the_reference_tolerance(tmp_path: Path) -> None:
    """Through the scan's own reduced decode, each hash is within the tolerance the reference's
    tests allow between decoders (16 of 256 bits) of the published one."""
    for name in VECTORS["images"]:
        shutil.copy(DATA / name, tmp_path / name)
    far = {}
    for name, expected in VECTORS["images"].items():
        fp = fingerprint_file(os.fsencode(tmp_path), name.encode())
        pdq = next(h for h in fp.hashes if h.algorithm == "pdq")
        assert pdq.bits == 256 and pdq.params == {"prep": prepare.PDQ_PREP}
        assert pdq.variants is not None and pdq.variants[0] == pdq.value
        far[name] = hamming(pdq.value, expected)
    assert max(far.values()) <= VECTORS["tolerance"], far


def test_dihedral_hashes_match_the_turned_and_mirrored_picture() -> None:
    """Each of the eight dihedral hashes is, of the eight turned and mirrored pictures' own
    hashes, nearest to the one it stands for, and within PDQ's match threshold of it."""
    im = reference_pixels("square-256x256.jpg")
    variants, _ = perceptual.pdq_dihedral(im)
    turned = [perceptual.pdq_dihedral(im if t is None else im.transpose(t))[0][0] for t in TRANSPOSES]
    for k, v in enumerate(variants):
        d = [hamming(v, h) for h in turned]
        assert d[k] == min(d) and d[k] <= 32 and sorted(d)[1] >= 90, (perceptual.DIHEDRAL[k], d)


def test_dihedral_hashes_are_near_the_published_turned_bridges() -> None:
    """The published hashes of the bridge photo rotated and mirrored (pdq_test.py) are each
    nearest to the dihedral hash that stands for that turn."""
    variants, _ = perceptual.pdq_dihedral(reference_pixels("square-256x256.jpg"))
    for k, published in enumerate(VECTORS["bridge_dihedral"]):
        d = [hamming(v, published) for v in variants]
        assert d[k] == min(d) and d[k] <= 31, (perceptual.DIHEDRAL[k], d)


def test_pdq_reads_the_decode_oriented_like_the_other_hashes(tmp_path: Path) -> None:
    """A copy stored sideways with an EXIF orientation tag gets the upright picture's PDQ."""
    im = reference_pixels("q2821.jpg").resize((600, 400))
    im.save(tmp_path / "upright.jpg", quality=95)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 clockwise to show
    im.transpose(T.ROTATE_90).save(tmp_path / "sideways.jpg", quality=95, exif=exif.tobytes())
    pdq = {n: next(h for h in fingerprint_file(os.fsencode(tmp_path), n.encode()).hashes
                   if h.algorithm == "pdq") for n in ("upright.jpg", "sideways.jpg")}
    assert hamming(pdq["upright.jpg"].value, pdq["sideways.jpg"].value) <= 8


def test_pdq_input_keeps_256_to_511_pixels() -> None:
    for size in [(4032, 3024), (1600, 1004), (300, 200), (100, 80), (20000, 300)]:
        out = prepare.pdq_image(Image.new("RGB", size), None)
        assert out.mode == "RGB"
        assert max(out.size) == max(size) if max(size) < 512 else 256 <= max(out.size) < 512


def test_rehash_adds_pdq_to_an_older_catalog(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A catalog made before PDQ (no PDQ rows, hashes of the v1 working-image recipe) gets PDQ
    values and the current recipe's hashes from ``scan --rehash``; an ordinary rescan reads
    nothing again."""
    tree = tmp_path / "photos"
    tree.mkdir()
    for name in ("q1050.jpg", "q2821.jpg"):
        shutil.copy(DATA / name, tree / name)
    run("scan", str(tree), "-j", "1")
    with sqlite3.connect(run.catalog_path) as db:
        current = sorted(db.execute("SELECT content_id, algorithm, value, quality FROM perceptual_hashes"))
        db.execute("DELETE FROM perceptual_hashes WHERE algorithm = 'pdq'")
        db.execute("UPDATE perceptual_hashes SET params = replace(params, 'v2:', 'v1:'), "
                   "params_key = replace(params_key, 'v2:', 'v1:')")
    assert sum(alg == "pdq" for _, alg, _, _ in current) == 2
    assert all((q is not None) == (alg == "pdq") for _, alg, _, q in current)
    run("scan", str(tree), "-j", "1")
    with sqlite3.connect(run.catalog_path) as db:
        assert not db.execute("SELECT 1 FROM perceptual_hashes WHERE algorithm = 'pdq'").fetchall()
    run("scan", str(tree), "-j", "1", "--rehash")
    with sqlite3.connect(run.catalog_path) as db:
        after = sorted(db.execute("SELECT content_id, algorithm, value, quality FROM perceptual_hashes"))
        keys = {k for (k,) in db.execute("SELECT params_key FROM perceptual_hashes")}
        variants = [json.loads(v) for (v,) in db.execute(
            "SELECT variants FROM perceptual_hashes WHERE algorithm = 'pdq'")]
    assert after == current  # stale v1 rows replaced, not kept beside the new ones
    assert not any("v1:" in k for k in keys)
    assert [len(v) for v in variants] == [8, 8]


def test_pdq_bits_hex_is_the_reference_order() -> None:
    bits = np.zeros(256, dtype=np.uint8)
    bits[0] = 1  # the first element is the hash's most significant bit
    bits[255] = 1
    assert perceptual.pdq_bits_hex(bits) == "80" + "00" * 30 + "01"
