"""Files that are not what their name or their header says (issue 17).

A saved HTML "404" page or a text file named ``IMG_0001.jpg`` is the classic failed download an
archive must flag; a JPEG whose header claims 16000 x 15000 over a 480 x 360 picture decoded to
a grey field with all-zero fingerprints, which made every such file a look-alike of every other.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from pathlib import Path

from PIL import Image

from tests.conftest import PHOTOS, validate

PICTURE_NAMED = {  # content that is not a picture, under a picture's name
    "IMG_0001.jpg": b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
                    b"<body><h1>Not Found</h1></body></html>\n",
    "IMG_0002.jpg": b"Sorry, the link you followed has expired.\n",
    "IMG_0003.png": b'{"error": "expired link"}\n',
    "IMG_0004.heic": b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>',
    "IMG_0005.jpg": b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    "IMG_0006.jpg": gzip.compress(b"x" * 500, mtime=0),
    "IMG_0007.tif": b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 300,
    "IMG_0008.jpg": bytes(range(256)) * 8,  # of no format at all
}
HONEST = {  # the same kinds of content under their own names: no problem
    "page.html": PICTURE_NAMED["IMG_0001.jpg"], "notes.txt": PICTURE_NAMED["IMG_0002.jpg"],
    "data.json": PICTURE_NAMED["IMG_0003.png"], "error.xml": PICTURE_NAMED["IMG_0004.heic"],
    "paper.pdf": PICTURE_NAMED["IMG_0005.jpg"], "x.gz": PICTURE_NAMED["IMG_0006.jpg"],
    "song.mp3": PICTURE_NAMED["IMG_0007.tif"], "blob.bin": PICTURE_NAMED["IMG_0008.jpg"],
}


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("a.txt", "a")
    return buf.getvalue()


def lying_header(photo: Path, size: tuple[int, int] = (480, 360)) -> bytes:
    """A real JPEG of ``size`` whose SOF0 says 16000 x 15000 (the issue's patch)."""
    buf = io.BytesIO()
    Image.open(photo).convert("RGB").resize(size).save(buf, "JPEG", quality=85)
    data = bytearray(buf.getvalue())
    sof = data.find(b"\xff\xc0")
    assert sof > 0
    data[sof + 5:sof + 7] = (15000).to_bytes(2, "big")
    data[sof + 7:sof + 9] = (16000).to_bytes(2, "big")
    return bytes(data)


def test_every_format_under_a_name_it_is_not_is_a_problem(run, tmp_path: Path) -> None:
    tree = tmp_path / "download"
    tree.mkdir()
    for name, data in {**PICTURE_NAMED, "IMG_0009.jpg": _zip(), **HONEST}.items():
        (tree / name).write_bytes(data)
    (tree / "real.jpg").write_bytes(sorted(PHOTOS.glob("*.jpg"))[0].read_bytes())
    scan = run.json("scan", str(tree), "-j", "1", expect=1)
    validate("scan", scan)
    listed = run.json("files", "--problems", expect=None)
    validate("files", listed)
    problems = {f["path"]: f for f in listed["files"]}
    assert sorted(problems) == sorted([*PICTURE_NAMED, "IMG_0009.jpg"])
    for name, f in problems.items():
        assert f["problem"] == "extension-mismatch" and f["extension_mismatch"], name
    assert "an HTML web page" in problems["IMG_0001.jpg"]["problem_detail"]
    assert "failed download" in problems["IMG_0002.jpg"]["problem_detail"]
    assert "a ZIP archive" in problems["IMG_0009.jpg"]["problem_detail"]
    formats = {f["path"]: f["format"] for f in run.json("files")["files"]}
    assert [formats[n] for n in ("IMG_0001.jpg", "IMG_0002.jpg", "IMG_0003.png", "IMG_0004.heic",
                                 "IMG_0005.jpg", "IMG_0006.jpg", "IMG_0009.jpg")] == [
        "html", "text", "json", "xml", "pdf", "gz", "zip"]
    # a rescan keeps the problem without reading the files again
    again = run.json("scan", "-j", "1", expect=None)
    assert again["locations"][0]["hashed"] == 0 and again["locations"][0]["unchanged"] == 18
    assert len(run.json("files", "--problems", expect=None)["files"]) == len(problems)


def test_a_header_that_lies_about_the_size_is_a_corrupt_image(run, tmp_path: Path) -> None:
    tree = tmp_path / "liars"
    tree.mkdir()
    photos = sorted(PHOTOS.glob("*.jpg"))[:4]
    for i, p in enumerate(photos):
        (tree / f"IMG_{i}.jpg").write_bytes(lying_header(p))
    run("scan", str(tree), "-j", "1", "-q", expect=1)
    for i in range(len(photos)):
        shown = run.json("show", str(tree / f"IMG_{i}.jpg"))
        validate("show", shown)
        content = shown["content"]
        assert content["width"] is None and content["height"] is None  # never 16000 x 15000
        assert content["perceptual_hashes"] == []
        [problem] = content["problems"]
        assert problem["code"] == "corrupt-image"
        assert "promises a 16000 x 15000 picture" in problem["message"]
    looks = run.json("lookalikes", "-j", "1")
    assert looks["groups"] == []


def test_flat_pictures_never_make_look_alike_pairs(run, tmp_path: Path) -> None:
    """Blank pictures of different colours hash to constant or all-zero values; a photo-sized
    one (a megapixel JPEG, or one with a camera's EXIF) is corrupt-image, a small one is hashed
    but its flat fingerprints nominate no pair."""
    tree = tmp_path / "flat"
    tree.mkdir()
    for i, grey in enumerate((0, 40, 90, 128, 200, 255)):
        Image.new("RGB", (160, 120), (grey, grey, grey)).save(tree / f"small_{i}.png")
        Image.new("RGB", (160, 120), (grey, grey // 2, 0)).save(tree / f"small_{i}.jpg", quality=90)
        Image.new("RGB", (1600, 1200), (grey, grey, grey)).save(tree / f"big_{i}.jpg", quality=90)
    run("scan", str(tree), "-j", "1", "-q", expect=1)
    files = {f["path"]: f for f in run.json("files")["files"]}
    hashed = run.json("show", str(tree / "small_1.png"))["content"]["perceptual_hashes"]
    assert hashed  # a small flat picture is no lie: it is fingerprinted
    flat = [h for h in hashed if h["algorithm"] in ("ahash", "dhash") and len(h["value"]) == 16]
    assert flat and all(int(h["value"], 16) == 0 for h in flat)  # the all-zero values of the issue
    for i in range(6):
        big = run.json("show", str(tree / f"big_{i}.jpg"))["content"]
        assert [p["code"] for p in big["problems"]] == ["corrupt-image"] and not big["perceptual_hashes"]
    assert files
    looks = run.json("lookalikes", "-j", "1")
    assert looks["groups"] == [], json.dumps(looks["groups"])[:500]
