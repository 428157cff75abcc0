"""Format identification by content, and extension mismatches."""

from __future__ import annotations

import io
import struct
import zipfile

import pillow_heif
import pytest
from PIL import Image

from preservation.fingerprint import formats
from preservation.fingerprint.sniff import sniff
from preservation.vocabulary import ProblemCode

from .conftest import FP
from .helpers import encode, make_dng, noise_image, whole_picture


def ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\0\0\0\0" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\0" * 64


def tiff_with_make(make: bytes, *, subifds: bool = True, little: bool = True) -> bytes:
    """A TIFF header with IFD0 holding Make (and SubIFDs, like a camera RAW)."""
    e = "<" if little else ">"
    entries = [(271, 2, len(make) + 1, 0)]
    if subifds:
        entries.append((330, 4, 1, 1234))
    ifd_off = 8
    data_off = ifd_off + 2 + 12 * len(entries) + 4
    out = (b"II*\0" if little else b"MM\0*") + struct.pack(e + "I", ifd_off)
    out += struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        out += struct.pack(e + "HHI", tag, typ, count)
        out += struct.pack(e + "I", data_off if tag == 271 else value)
    return out + struct.pack(e + "I", 0) + make + b"\0" + b"\0" * 64


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "jpeg"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "png"),
        (b"GIF89a\x01\0\x01\0", "gif"),
        (b"RIFF\0\0\0\0WEBPVP8 ", "webp"),
        (b"BM" + b"\0" * 12 + struct.pack("<I", 40) + b"\0" * 32, "bmp"),
        (b"II*\0\x08\0\0\0\0\0", "tiff"),
        (b"II*\0\x10\0\0\0CR\x02\0\0\0\0\0", "cr2"),
        (b"IIRO\x08\0\0\0", "orf"),
        (b"IIU\0\x08\0\0\0", "rw2"),
        (b"FUJIFILMCCD-RAW 0201FF383501", "raf"),
        (ftyp(b"heic", b"mif1", b"heic"), "heic"),
        (ftyp(b"mif1", b"heic"), "heic"),
        (ftyp(b"mif1", b"miaf"), "heif"),
        (ftyp(b"avif", b"mif1"), "avif"),
        (ftyp(b"mif1", b"avif"), "avif"),
        (ftyp(b"crx ", b"isom"), "cr3"),
        (ftyp(b"qt  ", b"qt  "), "mov"),
        (ftyp(b"isom", b"iso2", b"mp41"), "mp4"),
        (ftyp(b"M4A ", b"isom"), "m4a"),
        (ftyp(b"3gp4", b"isom"), "3gp"),
        (b"\0\0\0\x0cjP  \r\n\x87\n\0\0\0\x14ftypjp2 ", "jp2"),
        (b"\xff\x0a\xfa\x7f", "jxl"),
        (b"%PDF-1.7\n", "pdf"),
        (b"8BPS\0\x01", "psd"),
        (b"hello, world\n", None),
        (b"BM not a bitmap at all", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


@pytest.mark.parametrize(
    ("make", "expected"),
    [(b"NIKON CORPORATION", "nef"), (b"SONY", "arw"), (b"PENTAX", "pef"), (b"SAMSUNG", "srw"),
     (b"Hasselblad", "3fr")],
)
def test_tiff_based_raw_told_apart_by_ifd0(make: bytes, expected: str) -> None:
    assert sniff(tiff_with_make(make)) == expected
    assert sniff(tiff_with_make(make, little=False)) == expected
    # The same maker's plain TIFF (a scanner's, no SubIFDs) stays a TIFF.
    assert sniff(tiff_with_make(make, subifds=False)) == "tiff"


def test_dng_by_dng_version_tag(photo: object) -> None:
    assert sniff(make_dng(noise_image((32, 32)))) == "dng"


def test_zip_family() -> None:
    def zipped(*members: tuple[str, bytes]) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in members:
                z.writestr(name, data)
        return buf.getvalue()

    assert sniff(zipped(("notes.txt", b"x"))) == "zip"
    assert sniff(zipped(("mimetype", b"application/epub+zip"), ("a", b""))) == "epub"
    assert sniff(zipped(("[Content_Types].xml", b"<x/>"), ("word/document.xml", b""))) == "docx"
    assert sniff(zipped(("mimetype", b"application/vnd.oasis.opendocument.text"))) == "odt"


def test_non_image_formats_by_puremagic(fp: FP) -> None:
    mp3 = fp(b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 200, "song.mp3")
    assert (mp3.format, mp3.mime) == ("mp3", "audio/mpeg")
    assert not mp3.extension_mismatch
    text = fp("just some words, café\r\n\tand a tab\n".encode(), "notes.txt")
    assert (text.format, text.mime) == ("text", "text/plain")
    assert fp(b"binary\x00\x01\x02 stuff", "blob.bin").format is None
    assert fp(b"bell \x07 control", "odd.txt").format is None
    assert fp(b"latin-1 caf\xe9 here and more text", "old.txt").format is None
    pdf = fp(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "report.pdf")
    assert (pdf.format, pdf.mime) == ("pdf", "application/pdf")


def test_formats_identified_from_real_files(fp: FP) -> None:
    im = noise_image((40, 30))
    pillow_heif.register_heif_opener()
    cases = {
        "jpeg": encode(im, "JPEG"),
        "png": encode(im, "PNG"),
        "gif": encode(im, "GIF"),
        "bmp": encode(im, "BMP"),
        "tiff": encode(im, "TIFF"),
        "webp": encode(im, "WEBP"),
        "avif": encode(im, "AVIF"),
        "heic": encode(im, "HEIF"),
    }
    for name, data in cases.items():
        result = fp(data, f"picture.{'jpg' if name == 'jpeg' else name}")
        assert result.format == name, (name, result.problems)
        assert result.mime == formats.FORMATS[name].mime
        assert not result.extension_mismatch
        assert whole_picture(result.hashes), (name, result.problems)


def test_mpo_is_refined_by_the_decoder(fp: FP) -> None:
    left, right = noise_image((64, 48), 1), noise_image((64, 48), 2)
    data = encode(left, "MPO", save_all=True, append_images=[right])
    result = fp(data, "3d.MPO")
    assert (result.format, result.mime) == ("mpo", "image/mpo")
    assert result.image is not None and result.image.frames == 2
    assert not fp(data, "3d.jpg").extension_mismatch  # MPO is JPEG-compatible


def test_heic_named_jpg_is_flagged(fp: FP) -> None:
    pillow_heif.register_heif_opener()
    result = fp(encode(noise_image((64, 48)), "HEIF"), "IMG_1234.JPG")
    assert result.format == "heic"
    assert result.extension_mismatch
    assert whole_picture(result.hashes)


@pytest.mark.parametrize("name", ["a.jpg", "a.jpeg", "a.JPG", "a.jpe", "A.JPEG", "a.jfif"])
def test_jpeg_extensions_are_fine(fp: FP, name: str) -> None:
    assert not fp(encode(noise_image(), "JPEG"), name).extension_mismatch


@pytest.mark.parametrize(
    ("name", "flagged"),
    [("a.png", True), ("a.txt", True), ("a.heic", True), ("a.jpg.bak", False), ("a", False),
     (".jpg", False), ("a.1", False), ("a.\xe9", False)],
)
def test_jpeg_with_other_names(fp: FP, name: str, flagged: bool) -> None:
    assert fp(encode(noise_image(), "JPEG"), name).extension_mismatch is flagged


def test_every_identified_format_under_another_name_is_flagged(fp: FP) -> None:
    """Text, HTML, MP3 and unidentified bytes under a picture's name (issue 17: before, formats
    the tool does not list never flagged)."""
    for data in (b"plain words", b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 200,
                 b"<!DOCTYPE html><html><body>404</body></html>", bytes(range(256)) * 4):
        result = fp(data, "photo.jpg")
        assert result.extension_mismatch, result.format
        assert [p.code for p in result.problems] == [ProblemCode.EXTENSION_MISMATCH]
    assert not fp(b"ID3\x03\0\0\0\0\0\x0f" + b"\0" * 200, "song.mp3").problems
    assert not fp(bytes(range(256)) * 4, "blob.bin").problems  # .bin claims nothing


def test_extension_of() -> None:
    assert formats.extension_of(b"dir.d/IMG_1.JPG") == "jpg"
    assert formats.extension_of(b"dir.jpg/noext") is None
    assert formats.extension_of(b"x.\xff\xfe") is None
    assert formats.extension_of(b"trailing.") is None


def test_png_image_through_pillow_identification(fp: FP) -> None:
    """Content wins over the name: a PNG called .jpg is decoded as PNG."""
    result = fp(encode(Image.new("RGB", (20, 10), "red"), "PNG"), "red.jpg")
    assert result.format == "png" and result.extension_mismatch and result.hashes
