"""Format identification by content, and the extensions each format is expected to carry.

Names are short and canonical (``jpeg``, ``heic``, ``nef``...). Our own magic-number sniffing
(:mod:`.sniff`) covers images, camera RAW, ISO-BMFF containers and common documents; anything
else goes to puremagic, by bytes. Pillow later confirms images it decodes (and tells MPO from
plain JPEG).

Extension mismatch: flagged only when the identified format is one listed here, the name has an
extension, that extension is one we recognise (it claims *some* format), and it is not one the
identified format is expected to carry. So an iPhone HEIC named ``.jpg`` or a PNG named ``.jpg``
is flagged; ``photo.jpg.bak``, a name without extension, or a format we do not list never is.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from . import limits
from .sniff import refine_tiff, sniff

Kind = Literal["image", "raw", "undecodable-image", "other"]


@dataclass(frozen=True, slots=True)
class FormatInfo:
    name: str
    mime: str
    kind: Kind  # image: decoded by Pillow; raw: by the optional rawpy
    label: str  # for messages: "a JPEG image"
    extensions: frozenset[str]
    pil_formats: tuple[str, ...] = ()


def _f(
    name: str, mime: str, kind: Kind, label: str, exts: str, pil: tuple[str, ...] = ()
) -> FormatInfo:
    return FormatInfo(name, mime, kind, label, frozenset(exts.split()), pil)


_RAW: Kind = "raw"
FORMATS: dict[str, FormatInfo] = {
    f.name: f
    for f in (
        _f("jpeg", "image/jpeg", "image", "a JPEG image", "jpg jpeg jpe jfif jif", ("JPEG",)),
        _f("mpo", "image/mpo", "image", "an MPO (multi-picture JPEG) image",
           "mpo jpg jpeg jpe jfif", ("JPEG", "MPO")),
        _f("png", "image/png", "image", "a PNG image", "png apng", ("PNG",)),
        _f("gif", "image/gif", "image", "a GIF image", "gif", ("GIF",)),
        _f("bmp", "image/bmp", "image", "a BMP image", "bmp dib", ("BMP",)),
        _f("tiff", "image/tiff", "image", "a TIFF image", "tif tiff", ("TIFF",)),
        _f("webp", "image/webp", "image", "a WebP image", "webp", ("WEBP",)),
        _f("heic", "image/heic", "image", "a HEIC image", "heic heif hif", ("HEIF",)),
        _f("heif", "image/heif", "image", "a HEIF image", "heif heic hif", ("HEIF",)),
        _f("avif", "image/avif", "image", "an AVIF image", "avif", ("AVIF",)),
        _f("jp2", "image/jp2", "image", "a JPEG 2000 image", "jp2 jpx jpf jpg2 jpm",
           ("JPEG2000",)),
        _f("j2k", "image/x-jp2-codestream", "image", "a JPEG 2000 codestream",
           "j2k j2c jpc", ("JPEG2000",)),
        _f("psd", "image/vnd.adobe.photoshop", "image", "a Photoshop image", "psd psb",
           ("PSD",)),
        _f("jxl", "image/jxl", "undecodable-image", "a JPEG XL image", "jxl"),
        _f("dng", "image/x-adobe-dng", _RAW, "a DNG camera RAW", "dng"),
        _f("cr2", "image/x-canon-cr2", _RAW, "a Canon RAW (CR2)", "cr2"),
        _f("cr3", "image/x-canon-cr3", _RAW, "a Canon RAW (CR3)", "cr3"),
        _f("crw", "image/x-canon-crw", _RAW, "a Canon RAW (CRW)", "crw"),
        _f("nef", "image/x-nikon-nef", _RAW, "a Nikon RAW (NEF)", "nef nrw"),
        _f("arw", "image/x-sony-arw", _RAW, "a Sony RAW (ARW)", "arw srf sr2"),
        _f("orf", "image/x-olympus-orf", _RAW, "an Olympus RAW (ORF)", "orf ori"),
        _f("rw2", "image/x-panasonic-rw2", _RAW, "a Panasonic RAW (RW2)", "rw2 rwl raw"),
        _f("raf", "image/x-fuji-raf", _RAW, "a Fujifilm RAW (RAF)", "raf"),
        _f("pef", "image/x-pentax-pef", _RAW, "a Pentax RAW (PEF)", "pef"),
        _f("srw", "image/x-samsung-srw", _RAW, "a Samsung RAW (SRW)", "srw"),
        _f("3fr", "image/x-hasselblad-3fr", _RAW, "a Hasselblad RAW (3FR)", "3fr fff"),
        _f("iiq", "image/x-phaseone-iiq", _RAW, "a Phase One RAW (IIQ)", "iiq"),
        _f("dcr", "image/x-kodak-dcr", _RAW, "a Kodak RAW (DCR)", "dcr kdc"),
        _f("mos", "image/x-leaf-mos", _RAW, "a Leaf RAW (MOS)", "mos"),
        _f("mrw", "image/x-minolta-mrw", _RAW, "a Minolta RAW (MRW)", "mrw"),
        _f("x3f", "image/x-sigma-x3f", _RAW, "a Sigma RAW (X3F)", "x3f"),
        _f("pdf", "application/pdf", "other", "a PDF document", "pdf ai"),
        _f("zip", "application/zip", "other", "a ZIP archive",
           "zip jar apk aab cbz kmz xpi whl ipa epub docx xlsx pptx odt ods odp odg "
           "3mf usdz nupkg vsix sketch pages numbers key idml ora kra war ear"),
        _f("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
           "other", "a Word document", "docx docm dotx"),
        _f("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "other", "an Excel workbook", "xlsx xlsm xltx"),
        _f("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation",
           "other", "a PowerPoint presentation", "pptx pptm potx ppsx"),
        _f("odt", "application/vnd.oasis.opendocument.text", "other", "an OpenDocument text",
           "odt ott"),
        _f("ods", "application/vnd.oasis.opendocument.spreadsheet", "other",
           "an OpenDocument spreadsheet", "ods ots"),
        _f("odp", "application/vnd.oasis.opendocument.presentation", "other",
           "an OpenDocument presentation", "odp otp"),
        _f("epub", "application/epub+zip", "other", "an EPUB book", "epub"),
        _f("mp4", "video/mp4", "other", "an MP4 video", "mp4 m4v m4p f4v mov qt lrv"),
        _f("mov", "video/quicktime", "other", "a QuickTime video", "mov qt mp4 m4v"),
        _f("m4a", "audio/mp4", "other", "an MPEG-4 audio file", "m4a m4b m4p mp4"),
        _f("3gp", "video/3gpp", "other", "a 3GP video", "3gp 3g2 3gpp mp4"),
    )
}

DECODED_KINDS = frozenset({"image", "raw"})

# Extensions that claim some format: the union of the above plus common others. An extension
# outside this set (".bak", ".orig", ".1") claims nothing and never causes a mismatch.
KNOWN_EXTENSIONS: frozenset[str] = frozenset(
    {e for f in FORMATS.values() for e in f.extensions}
    | {
        "txt", "text", "csv", "tsv", "json", "xml", "html", "htm", "md", "rtf", "doc", "xls",
        "ppt", "mp3", "wav", "flac", "ogg", "oga", "opus", "aac", "wma", "aif", "aiff", "avi",
        "mkv", "wmv", "mpg", "mpeg", "webm", "flv", "mts", "m2ts", "vob", "exe", "dll", "iso",
        "dmg", "rar", "7z", "gz", "tgz", "tar", "bz2", "xz", "svg", "eps", "ps", "ico", "tga",
        "pcx", "ppm", "pgm", "pbm", "xcf",
    }
)

# puremagic extension -> our canonical name, where they differ.
_ALIASES = {"jpg": "jpeg", "tif": "tiff", "htm": "html", "mpg": "mpeg", "qt": "mov"}


@dataclass(frozen=True, slots=True)
class Identified:
    name: str | None
    mime: str | None
    info: FormatInfo | None


_UNKNOWN = Identified(None, None, None)
_TEXT = Identified("text", "text/plain", None)


class Sniffer:
    """The reader's "keep this file in memory?" predicate; remembers what it sniffed."""

    __slots__ = ("name",)

    def __init__(self) -> None:
        self.name: str | None = None

    def __call__(self, head: bytes, size: int) -> bool:
        self.name = sniff(head)
        info = FORMATS.get(self.name) if self.name else None
        return info is not None and info.kind in DECODED_KINDS


def _by_puremagic(head: bytes) -> Identified:
    import puremagic  # deferred: loads its signature database; only needed for non-images

    try:
        matches = puremagic.magic_string(head)
    except Exception:  # PureError (no match) or anything odd in its parsing
        return _UNKNOWN
    if not matches:
        return _UNKNOWN
    best = next((m for m in matches if m.mime_type), matches[0])
    ext = (best.extension or "").lower().lstrip(".")
    if not ext:
        return _UNKNOWN
    name = _ALIASES.get(ext, ext)
    info = FORMATS.get(name)
    mime = best.mime_type or (info.mime if info else None)
    return Identified(name, mime, info)


def _plain_text(head: bytes) -> bool:
    """UTF-8 text: no NUL, nothing but printable characters, tabs, line and page breaks.

    Only the head is looked at, so a character cut at its end is allowed. Notes, READMEs and
    CSV files are then "text", not "unidentified" (NDSA content level 1 asks for every file's
    format to be known).
    """
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:
            return False
        text = head[:exc.start].decode("utf-8")
    return all(c.isprintable() or c in "\t\r\n\f\ufeff" for c in text)


def identify(head: bytes, data: io.BytesIO | None, sniffed: str | None = None) -> Identified:
    """Identify from the head (and the whole file for TIFF, when it is in memory)."""
    name = sniffed if sniffed is not None else sniff(head)
    if name == "tiff" and data is not None and len(head) >= limits.HEAD_SIZE:
        view = data.getbuffer()
        try:
            name = refine_tiff(view)
        finally:
            view.release()
    if name is None:
        found = _by_puremagic(head)
        if found.name is None and _plain_text(head):
            return _TEXT
        return found
    info = FORMATS.get(name)
    return Identified(name, info.mime if info else None, info)


def with_name(identified: Identified, name: str) -> Identified:
    info = FORMATS.get(name)
    return Identified(name, info.mime if info else identified.mime, info)


def extension_of(rel: bytes) -> str | None:
    """The lower-case extension of the last path component, if it has a plausible one."""
    base = rel.rsplit(b"/", 1)[-1]
    dot = base.rfind(b".")
    if dot <= 0 or dot == len(base) - 1 or len(base) - dot > 11:
        return None
    try:
        return base[dot + 1 :].decode("ascii").lower()
    except UnicodeDecodeError:
        return None


def extension_mismatch(name: str | None, rel: bytes) -> bool:
    info = FORMATS.get(name) if name else None
    if info is None:
        return False
    ext = extension_of(rel)
    return ext is not None and ext in KNOWN_EXTENSIONS and ext not in info.extensions


def format_claimed_by_name(rel: bytes) -> FormatInfo | None:
    """The listed format whose extension the name carries (first match), if any."""
    ext = extension_of(rel)
    if ext is None:
        return None
    exact = FORMATS.get(_ALIASES.get(ext, ext))
    if exact is not None:
        return exact
    for info in FORMATS.values():
        if ext in info.extensions:
            return info
    return None
