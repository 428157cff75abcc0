"""Decoding and perceptual hashes: one working image, any format, any orientation, safely."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageFile

from preservation.fingerprint import Fingerprint, limits, perceptual
from preservation.fingerprint.perceptual import WHOLE
from preservation.fingerprint.prepare import PDQ_PREP, PREP
from preservation.vocabulary import ProblemCode

from .conftest import FP, PHOTOS
from .helpers import (
    codes,
    distance,
    encode,
    exif_bytes,
    hashes,
    make_dng,
    max_distance,
    noise_image,
    png_claiming,
    whole_picture,
)

pillow_heif.register_heif_opener()
Photo = Callable[[str], Image.Image]
NAMES = ["astronaut", "camera", "chelsea", "coffee", "rocket"]
ALGORITHMS = ["phash", "dhash", "ahash", "whash", "colorhash", "pdq"]

# Inverse of each EXIF orientation: how a camera stores an upright picture tagged ``o``.
STORED = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def stored_as(im: Image.Image, orientation: int) -> Image.Image:
    method = STORED[orientation]
    return im.transpose(method) if method is not None else im.copy()


def test_every_hash_recorded_with_how_it_was_made(fp: FP) -> None:
    result = fp((PHOTOS / "coffee.jpg").read_bytes(), "coffee.jpg")
    assert [h.algorithm for h in result.hashes] == [*ALGORITHMS[:4], "dihash", *ALGORITHMS[4:]]
    library = f"ImageHash {version('ImageHash')}"
    *imagehashes, pdq = result.hashes
    assert pdq.bits == 256 and len(pdq.value) == 64 and pdq.params == {"prep": PDQ_PREP}
    assert pdq.library == f"pdqhash {version('pdqhash')}" and pdq.quality == 100
    assert pdq.variants is not None and len(pdq.variants) == 8 and pdq.variants[0] == pdq.value
    for h in imagehashes:
        assert h.library == library == perceptual.LIBRARY
        assert h.params["prep"] == PREP
        int(h.value, 16)
        if h.algorithm == "colorhash":
            assert h.bits == 42 and h.params["binbits"] == 3
        elif h.algorithm == "dihash":  # this project's: dihedral-invariant, see perceptual.py
            assert h.bits == 64 and h.params["bits"] == 64 and len(h.value) == 16
        else:
            assert h.bits == 64 and h.params["hash_size"] == 8 and len(h.value) == 16
    assert result.hashes[0].params["highfreq_factor"] == 4
    assert result.hashes[3].params["image_scale"] == 64


def test_different_pictures_have_different_hashes(fp: FP) -> None:
    a = fp((PHOTOS / "coffee.jpg").read_bytes(), "a.jpg")
    b = fp((PHOTOS / "rocket.jpg").read_bytes(), "b.jpg")
    assert distance(a, b, "phash") >= 20 and distance(a, b, "dhash") >= 20


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_same_picture_in_any_format_hashes_alike(fp: FP, photo: Photo, name: str) -> None:
    im = photo(name)
    original = fp((PHOTOS / f"{name}.jpg").read_bytes(), f"{name}.jpg")
    lossless = {
        "png": fp(encode(im, "PNG"), "x.png"),
        "tiff": fp(encode(im, "TIFF"), "x.tif"),
        "bmp": fp(encode(im, "BMP"), "x.bmp"),
        "webp-lossless": fp(encode(im, "WEBP", lossless=True), "x.webp"),
    }
    lossy = {
        "webp": fp(encode(im, "WEBP", quality=90), "y.webp"),
        "avif": fp(encode(im, "AVIF", quality=90), "y.avif"),
        "heic": fp(encode(im, "HEIF", quality=90), "y.heic"),
        "gif": fp(encode(im, "GIF"), "y.gif"),
        "jpeg-75": fp(encode(im, "JPEG", quality=75), "y.jpg"),
    }
    reference = hashes(lossless["png"])
    for fmt, result in lossless.items():
        assert hashes(result) == reference, fmt  # identical pixels, identical hashes
    for fmt, result in {**lossless, **lossy}.items():
        assert result.problems == [], fmt
        assert max_distance(original, result) <= 3, fmt


@pytest.mark.parametrize("name", NAMES)
def test_hashes_do_not_depend_on_resolution(fp: FP, photo: Photo, name: str) -> None:
    """A 12-megapixel camera-size version hashes like the small original."""
    im = photo(name)
    small = fp((PHOTOS / f"{name}.jpg").read_bytes(), "small.jpg")
    scale = 4032 / max(im.size)
    big = im.resize((round(im.width * scale), round(im.height * scale)), Image.Resampling.BICUBIC)
    large = fp(encode(big, "JPEG", quality=90), "large.jpg")
    assert large.image is not None and max(large.image.width, large.image.height) == 4032
    assert max_distance(small, large) <= 4  # unrelated pictures: ~32 bits apart
    tiny = fp(encode(im.resize((im.width // 3, im.height // 3)), "PNG"), "tiny.png")
    assert max_distance(small, tiny) <= 6


def camera_size(im: Image.Image) -> Image.Image:
    """The picture upscaled to a phone's 12 MP (4032 x 3024), as cameras store it."""
    return im.resize((4032, 3024), Image.Resampling.BICUBIC)


@pytest.mark.parametrize("name", NAMES)
def test_portrait_phone_photo_tagged_orientation_6_hashes_identically(
    fp: FP, photo: Photo, name: str
) -> None:
    """The classic case: a phone stores 4032 x 3024 sensor pixels and tags orientation 6.

    Decoded at 1/8 scale, each output pixel is one 8 x 8 block's mean (its DC coefficient),
    which rotating the block does not change: the hashes come out identical (for these photos;
    libjpeg's rounding elsewhere can move a near-tie bit, see the test below).
    """
    upright = camera_size(photo(name)).transpose(Image.Transpose.ROTATE_270)  # portrait
    reference = fp(encode(upright, "JPEG", quality=90), "upright.jpg")
    stored = stored_as(upright, 6)
    assert stored.size == (4032, 3024)
    result = fp(encode(stored, "JPEG", quality=90, exif=exif_bytes({0x0112: 6})), "IMG.jpg")
    assert result.image is not None and result.image.orientation == 6
    assert (result.image.width, result.image.height) == (4032, 3024)  # as stored
    assert hashes(result) == hashes(reference)
    unrotated = fp(encode(stored, "JPEG", quality=90), "plain.jpg")
    assert max_distance(unrotated, reference) > 8  # so orientation really was applied


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "coffee", "rocket"])
def test_all_eight_orientations_of_a_camera_jpeg(fp: FP, photo: Photo, name: str) -> None:
    """Mirrored copies re-encoded by libjpeg round a little differently: at most 2 bits."""
    upright = photo(name).resize((2048, 1536), Image.Resampling.BICUBIC)
    reference = fp(encode(upright, "JPEG", quality=90), "upright.jpg")
    for orientation in range(1, 9):
        stored = stored_as(upright, orientation)
        result = fp(encode(stored, "JPEG", quality=90, exif=exif_bytes({0x0112: orientation})),
                    f"o{orientation}.jpg")
        assert result.image is not None and result.image.orientation == orientation
        assert (result.image.width, result.image.height) == stored.size  # as stored
        assert max_distance(result, reference) <= 2, orientation


@pytest.mark.parametrize("fmt", ["PNG", "TIFF", "WEBP"])
def test_all_eight_orientations_lossless(fp: FP, photo: Photo, fmt: str) -> None:
    upright = photo("chelsea")
    reference = fp(encode(upright, fmt, lossless=True) if fmt == "WEBP" else encode(upright, fmt),
                   "upright.img")
    for orientation in range(1, 9):
        stored = stored_as(upright, orientation)
        kw = {"lossless": True} if fmt == "WEBP" else {}
        data = encode(stored, fmt, exif=exif_bytes({0x0112: orientation}), **kw)
        result = fp(data, "stored.img")
        assert hashes(result) == hashes(reference), (fmt, orientation)
        if orientation in (5, 6, 7, 8):  # without orientation this would be another picture
            plain = fp(encode(stored, fmt, **kw), "plain.img")
            assert max_distance(plain, reference) > 8


def test_orientation_6_small_jpeg(fp: FP, photo: Photo) -> None:
    """Re-encoding rotated pixels quantises differently: nearly, not always exactly, equal."""
    upright = photo("coffee").crop((0, 0, 592, 400))
    a = fp(encode(upright, "JPEG", quality=95), "a.jpg")
    b = fp(encode(stored_as(upright, 6), "JPEG", quality=95, exif=exif_bytes({0x0112: 6})),
           "b.jpg")
    assert max_distance(a, b) <= 2
    assert b.image is not None and b.image.orientation == 6


@pytest.mark.parametrize(("fmt", "ext"), [("HEIF", "heic"), ("AVIF", "avif")])
def test_heif_family_orientation_is_applied_once(fp: FP, photo: Photo, fmt: str, ext: str
                                                 ) -> None:
    upright = photo("chelsea")
    a = fp(encode(upright, fmt, quality=90), f"a.{ext}")
    rotated = encode(stored_as(upright, 6), fmt, quality=90, exif=exif_bytes({0x0112: 6}))
    b = fp(rotated, f"b.{ext}")
    assert b.problems == []
    assert b.image is not None and b.image.orientation == 6
    assert max_distance(a, b) <= 3


def test_alpha_is_composited_on_white(fp: FP, photo: Photo) -> None:
    rgb = np.array(photo("coffee"))
    rng = np.random.default_rng(7)
    alpha = np.full(rgb.shape[:2], 255, np.uint8)
    alpha[:, : rgb.shape[1] // 3] = 0  # left third fully transparent
    under = rgb.copy()
    under[alpha == 0] = rng.integers(0, 256, (int((alpha == 0).sum()), 3), dtype=np.uint8)
    rgba = Image.fromarray(np.dstack([under, alpha]), "RGBA")
    on_white = rgb.copy()
    on_white[alpha == 0] = 255
    transparent = fp(encode(rgba, "PNG"), "t.png")
    flat = fp(encode(Image.fromarray(on_white), "PNG"), "w.png")
    assert transparent.image is not None and transparent.image.mode == "RGBA"
    assert hashes(transparent) == hashes(flat)


def test_palette_gif_with_transparency(fp: FP, photo: Photo) -> None:
    p = photo("rocket").convert("P", palette=Image.Palette.ADAPTIVE)
    result = fp(encode(p, "GIF", transparency=0), "t.gif")
    assert result.problems == [] and whole_picture(result.hashes)
    assert result.image is not None and result.image.mode == "P"


def test_sixteen_bit_grey_scaled_not_clipped(fp: FP, photo: Photo) -> None:
    grey = photo("camera")
    eight = np.asarray(grey, dtype=np.uint16)
    sixteen = Image.fromarray(eight * 257)  # full 16-bit range, same picture
    a = fp(encode(grey, "PNG"), "8.png")
    for fmt in ("PNG", "TIFF"):
        b = fp(encode(sixteen, fmt), f"16.{fmt.lower()}")
        assert b.image is not None and b.image.mode.startswith("I;16"), fmt
        assert b.image.is_grey
        assert hashes(b) == hashes(a), fmt  # clipping to 255 would make a white picture


def test_float_and_bilevel_modes(fp: FP, photo: Photo) -> None:
    grey = photo("camera")
    f = Image.fromarray(np.asarray(grey, dtype=np.float32) / 255.0, "F")
    result = fp(encode(f, "TIFF"), "f.tif")
    assert result.image is not None and result.image.mode == "F" and whole_picture(result.hashes)
    assert max_distance(result, fp(encode(grey, "PNG"), "g.png")) <= 3
    bilevel = fp(encode(grey.convert("1"), "PNG"), "b.png")
    assert bilevel.image is not None and bilevel.image.mode == "1" and whole_picture(bilevel.hashes)


def test_cmyk_jpeg(fp: FP, photo: Photo) -> None:
    im = photo("coffee")
    result = fp(encode(im.convert("CMYK"), "JPEG", quality=95), "cmyk.jpg")
    assert result.image is not None and result.image.mode == "CMYK"
    assert max_distance(result, fp(encode(im, "JPEG", quality=95), "rgb.jpg")) <= 3


def test_is_grey(fp: FP, photo: Photo) -> None:
    assert fp((PHOTOS / "camera.jpg").read_bytes(), "l.jpg").image.is_grey  # type: ignore[union-attr]
    as_rgb = fp(encode(photo("camera").convert("RGB"), "JPEG"), "rgb.jpg")
    assert as_rgb.image is not None and as_rgb.image.mode == "RGB" and as_rgb.image.is_grey
    colour = fp((PHOTOS / "coffee.jpg").read_bytes(), "c.jpg")
    assert colour.image is not None and colour.image.is_grey is False


def test_frames(fp: FP) -> None:
    frames = [noise_image((40, 30), seed) for seed in range(3)]
    gif = fp(encode(frames[0], "GIF", save_all=True, append_images=frames[1:]), "a.gif")
    tif = fp(encode(frames[0], "TIFF", save_all=True, append_images=frames[1:2]), "a.tif")
    png = fp(encode(frames[0], "PNG", save_all=True, append_images=frames[1:]), "a.png")
    assert [r.image.frames for r in (gif, tif, png)] == [3, 2, 3]  # type: ignore[union-attr]
    first = fp(encode(frames[0], "GIF"), "first.gif")
    assert hashes(gif) == hashes(first)  # fingerprinted from the first frame


def test_mpo_hashes_its_first_picture(fp: FP, photo: Photo) -> None:
    left, right = photo("coffee"), photo("coffee").transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    mpo = fp(encode(left, "MPO", save_all=True, append_images=[right], quality=90), "3d.mpo")
    alone = fp(encode(left, "JPEG", quality=90), "left.jpg")
    assert mpo.format == "mpo" and hashes(mpo) == hashes(alone)


@pytest.mark.parametrize("size", [(1, 1), (1, 3000), (3000, 2), (7, 5)])
def test_tiny_and_extreme_shapes(fp: FP, size: tuple[int, int]) -> None:
    result = fp(encode(noise_image(size), "PNG"), "odd.png")
    assert result.problems == [] and whole_picture(result.hashes)


def _truncated_jpeg(photo: Photo) -> bytes:
    data = encode(photo("coffee"), "JPEG", quality=90)
    return data[: len(data) * 2 // 3]


def test_truncated_jpeg_is_corrupt_but_hashed(fp: FP, photo: Photo) -> None:
    data = _truncated_jpeg(photo)
    result = fp(data, "cut.jpg")
    assert codes(result) == [ProblemCode.CORRUPT_IMAGE]
    assert "truncated or damaged" in result.problems[0].message
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.hashes == [] and result.format == "jpeg"
    assert result.image is not None and (result.image.width, result.image.height) == (600, 400)


def test_load_truncated_images_cannot_hide_corruption(fp: FP, photo: Photo) -> None:
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # as some other library might have done
    try:
        result = fp(_truncated_jpeg(photo), "cut.jpg")
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    assert codes(result) == [ProblemCode.CORRUPT_IMAGE]


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "GIF", "TIFF", "HEIF", "AVIF"])
def test_truncated_other_formats(fp: FP, photo: Photo, fmt: str) -> None:
    data = encode(photo("rocket"), fmt)
    result = fp(data[: len(data) // 2], "cut.img")
    assert codes(result) == [ProblemCode.CORRUPT_IMAGE], fmt
    assert result.sha256 and result.hashes == []


def test_garbage_after_magic(fp: FP) -> None:
    rng = np.random.default_rng(3)
    for magic in (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"II*\x00"):
        data = magic + rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
        result = fp(data, "junk.bin")
        assert result.sha256 == hashlib.sha256(data).hexdigest()
        assert codes(result) == [ProblemCode.CORRUPT_IMAGE], magic


def test_decompression_bomb_png_is_refused_quickly(fp: FP) -> None:
    data = png_claiming(100_000, 100_000)
    assert len(data) < 2000
    start = time.perf_counter()
    result = fp(data, "bomb.png")
    assert time.perf_counter() - start < 2
    assert codes(result) == [ProblemCode.DECOMPRESSION_BOMB]
    assert "10,000 megapixels" in result.problems[0].message
    assert "decompression bomb" in result.problems[0].message
    assert result.sha256 == hashlib.sha256(data).hexdigest() and result.hashes == []


def test_decompression_bomb_gif_and_tiff(fp: FP) -> None:
    gif = b"GIF89a" + (65535).to_bytes(2, "little") * 2 + b"\x00\x00\x00" + (
        b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
    assert codes(fp(gif, "bomb.gif")) == [ProblemCode.DECOMPRESSION_BOMB]
    tiny = encode(Image.new("L", (8, 8)), "TIFF")
    # Patch width/height tags (SHORT/LONG values in IFD0) to 60000 x 60000.
    data = bytearray(tiny)
    ifd = int.from_bytes(data[4:8], "little")
    for i in range(int.from_bytes(data[ifd : ifd + 2], "little")):
        entry = ifd + 2 + 12 * i
        if int.from_bytes(data[entry : entry + 2], "little") in (256, 257):
            data[entry + 2 : entry + 4] = (4).to_bytes(2, "little")
            data[entry + 8 : entry + 12] = (60000).to_bytes(4, "little")
    assert codes(fp(bytes(data), "bomb.tif")) == [ProblemCode.DECOMPRESSION_BOMB]


def test_soft_cap_needs_plausible_bytes_per_pixel(fp: FP) -> None:
    result = fp(png_claiming(20_000, 15_000), "300mp.png")  # 300 MP in a few hundred bytes
    assert codes(result) == [ProblemCode.DECOMPRESSION_BOMB]
    assert "far too little" in result.problems[0].message
    assert limits.pixel_limit_reason(20_000, 15_000, 100_000_000) is None  # a real 300 MP file
    assert limits.pixel_limit_reason(16_320, 12_240, 100_000) is None  # 200 MP: below soft cap
    assert limits.pixel_limit_reason(40_000, 30_000, 10**10) is not None  # over the hard cap


def test_no_pillow_warning_reaches_the_caller(fp: FP, photo: Photo) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fp(png_claiming(40_000, 40_000), "warn.png")  # > MAX_IMAGE_PIXELS: Pillow would warn
        fp(encode(photo("rocket").convert("P"), "PNG", transparency=b"\x00" * 10), "p.png")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_200_megapixel_photo_is_fingerprinted_in_modest_memory(tmp_path: Path) -> None:
    """16320 x 12240 (a 200 MP phone photo): decoded at 1/8 scale, no bomb refusal."""
    path = tmp_path / "IMG_200MP.jpg"
    make = (
        "from PIL import Image\n"
        f"src = Image.open({str(PHOTOS / 'coffee.jpg')!r}).convert('L')\n"
        "big = src.resize((16320, 12240), Image.Resampling.BILINEAR)\n"
        f"big.save({str(path)!r}, 'JPEG', quality=30)\n"
    )
    subprocess.run([sys.executable, "-c", make], check=True, timeout=300)
    probe = (
        "import os, warnings, json\n"
        "warnings.simplefilter('error')\n"
        "from preservation.fingerprint import fingerprint_file\n"
        f"fp = fingerprint_file({os.fsencode(tmp_path)!r}, b'IMG_200MP.jpg')\n"
        "from pathlib import Path\n"
        "status = Path('/proc/self/status').read_text()\n"
        "peak = int(status.split('VmHWM:')[1].split()[0]) * 1024\n"
        "print(json.dumps({'problems': [p.code for p in fp.problems], 'w': fp.image.width,\n"
        "  'h': fp.image.height, 'hashes': {h.algorithm: h.value for h in fp.hashes},\n"
        "  'peak': peak}))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], check=True, timeout=300,
                         capture_output=True, text=True, cwd=Path(__file__).parents[2])
    assert out.stderr == ""
    import json

    got = json.loads(out.stdout)
    assert got["problems"] == []
    assert (got["w"], got["h"]) == (16320, 12240)
    assert sorted(a for a in got["hashes"] if not a.endswith("-trim")) == sorted([*WHOLE, "pdq"])
    # The process's high-water mark (VmHWM, fresh after exec; ~70 MiB of it is Python, numpy,
    # scipy and Pillow). A full decode would add 200 MB for the grey pixels alone; 1/8 needs 3.
    assert got["peak"] < 150 * 1024 * 1024, f"peak RSS {got['peak'] / 2**20:.0f} MiB"


def test_jpeg_xl_is_recognised_but_not_decodable(fp: FP) -> None:
    result = fp(b"\xff\x0a\xfa\x7f" + b"\0" * 100, "x.jxl")
    assert result.format == "jxl" and result.sha256
    assert codes(result) == [ProblemCode.UNSUPPORTED_IMAGE]
    assert "JPEG XL" in result.problems[0].message


def test_raw_without_rawpy_is_inventoried(fp: FP, photo: Photo,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "rawpy", None)  # import rawpy -> ImportError
    data = make_dng(photo("coffee"))
    result = fp(data, "IMG_0001.DNG")
    assert (result.format, result.mime) == ("dng", "image/x-adobe-dng")
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert codes(result) == [ProblemCode.UNSUPPORTED_IMAGE]
    assert "pip install 'preservation[raw]'" in result.problems[0].message
    assert result.hashes == [] and not result.extension_mismatch


def test_raw_with_rawpy(fp: FP, photo: Photo) -> None:
    pytest.importorskip("rawpy")
    im = photo("coffee")
    upright = fp(make_dng(im), "a.dng")
    assert upright.problems == [] and whole_picture(upright.hashes)
    assert upright.image is not None and (upright.image.width, upright.image.height) == (600, 400)
    assert upright.image.camera_make == "Preservation"
    png = fp(encode(im, "PNG"), "a.png")
    other = fp(encode(photo("rocket"), "PNG"), "b.png")
    # LibRaw renders the tones its own way: the same picture, but not the same pixels.
    assert distance(upright, png, "phash") <= 12
    assert distance(upright, other, "phash") >= 20
    rotated = fp(make_dng(stored_as(im, 6), orientation=6), "b.dng")
    assert rotated.image is not None and rotated.image.orientation == 6
    assert max_distance(upright, rotated) <= 4


def test_damaged_raw(fp: FP, photo: Photo) -> None:
    pytest.importorskip("rawpy")
    data = make_dng(photo("coffee"))
    result = fp(data[:400], "cut.dng")
    assert result.format == "dng" and result.sha256
    assert codes(result) == [ProblemCode.CORRUPT_IMAGE]


def test_fingerprint_is_picklable_and_plain(fp: FP) -> None:
    import pickle

    result = fp((PHOTOS / "coffee.jpg").read_bytes(), "coffee.jpg")
    again = pickle.loads(pickle.dumps(result))
    assert isinstance(again, Fingerprint) and again == result


def test_in_memory_copy_not_reread(fp: FP, photo: Photo, monkeypatch: pytest.MonkeyPatch) -> None:
    """One read per file: decoding works from memory, the file is opened once."""
    from preservation.fingerprint import reader

    opened: list[object] = []
    real_open = reader.os.open

    def counting(path: object, flags: int, *a: object, **kw: object) -> int:
        opened.append(path)
        return real_open(path, flags, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(reader.os, "open", counting)
    result = fp(encode(photo("coffee"), "JPEG"), "once.jpg")
    assert whole_picture(result.hashes) and len(opened) == 1


def test_tiff_pages_are_counted_up_to_a_limit(fp: FP, monkeypatch: pytest.MonkeyPatch) -> None:
    pages = [noise_image((16, 16), seed) for seed in range(5)]
    data = encode(pages[0], "TIFF", save_all=True, append_images=pages[1:])
    assert fp(data, "five.tif").image.frames == 5  # type: ignore[union-attr]
    monkeypatch.setattr(limits, "MAX_FRAMES_COUNTED", 3)
    result = fp(data, "five.tif")
    assert result.image is not None and result.image.frames == 3 and whole_picture(result.hashes)


def test_only_puremagic_thinks_it_an_image(fp: FP) -> None:
    """Not sniffed as decodable, so not decoded, and no misleading "too large" message."""
    data = b"BM" + b"\0" * 12 + (99).to_bytes(4, "little") + b"\0" * 200
    result = fp(data, "odd.bmp")
    assert result.problems == [] and result.hashes == [] and result.image is None
    assert result.sha256 == hashlib.sha256(data).hexdigest()


def test_out_of_memory_while_decoding(fp: FP, monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(self: Image.Image) -> None:
        raise MemoryError

    monkeypatch.setattr(ImageFile.ImageFile, "load", exhausted)
    result = fp(encode(noise_image((300, 200)), "PNG"), "big.png")
    assert codes(result) == [ProblemCode.UNSUPPORTED_IMAGE]
    assert "not enough memory" in result.problems[0].message and result.sha256
