"""Format identification by content, and the extensions each format is expected to carry.

Names are short and canonical (``jpeg``, ``heic``, ``nef``...). Our own magic-number sniffing
(:mod:`.sniff`) covers images, camera RAW, ISO-BMFF containers and common documents; anything
else goes to puremagic, by bytes. Pillow later confirms images it decodes (and tells MPO from
plain JPEG).

Extension mismatch (:func:`extension_mismatch`), for every identified format: the name has an
extension we recognise (it claims *some* format), and the content is not a format that
extension may carry. An iPhone HEIC or a PNG named ``.jpg``, a saved HTML "404" page or a text
file named ``IMG_0001.jpg`` (what a failed download leaves), an MP3 named ``.png``: all flagged,
and recorded as an ``extension-mismatch`` problem. Content identified as nothing at all is
flagged only under the name of a format that always starts with its signature (a ``.jpg`` that
is not a JPEG); ``photo.jpg.bak``, a name without extension, or ``.bin`` never is.
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

# Formats FORMATS does not list (named by puremagic, or plain text): the extensions each may
# carry. Text formats may be named as one another (a web page saved as .txt is no lie).
_TEXTUAL = "txt text csv tsv md markdown json geojson xml html htm xhtml shtml svg rtf eps ps log ini"
OTHER_EXTENSIONS: dict[str, frozenset[str]] = {
    name: frozenset(exts.split()) for name, exts in {
        "text": _TEXTUAL, "html": _TEXTUAL, "xml": _TEXTUAL + " gpx kml xmp rss plist",
        "json": _TEXTUAL, "gz": "gz tgz gzip", "mp3": "mp3", "wav": "wav", "flac": "flac",
        "ogg": "ogg oga opus", "avi": "avi", "mkv": "mkv webm", "webm": "webm mkv",
    }.items()
}
OTHER_LABELS = {"text": "plain text", "html": "an HTML web page", "xml": "an XML document",
                "json": "a JSON document", "gz": "a gzip archive"}
# Listed formats whose files always begin with their signature: under such a name, content
# that is not identified at all is not that format either.
SIGNED = frozenset({"jpeg", "png", "gif", "bmp", "tiff", "webp", "heic", "heif", "avif", "pdf"})

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
    """Is the content (identified as ``name``, None: not identified) not what the name claims?"""
    ext = extension_of(rel)
    if ext is None or ext not in KNOWN_EXTENSIONS:
        return False  # the name claims nothing
    if name is None:
        claimed = format_claimed_by_name(rel)
        return claimed is not None and claimed.name in SIGNED
    info = FORMATS.get(name)
    allowed = info.extensions if info is not None else OTHER_EXTENSIONS.get(name)
    if allowed is not None:
        return ext not in allowed
    # a format we do not list, under the name of one we do (an MP3 named .jpg)
    return format_claimed_by_name(rel) is not None


def label(name: str | None) -> str:
    """A format for messages: "a JPEG image", "an HTML web page", "content of no known format"."""
    if name is None:
        return "of no format this tool recognises"
    info = FORMATS.get(name)
    return info.label if info is not None else OTHER_LABELS.get(name, f"a file of the {name.upper()} format")


def mismatch_message(name: str | None, rel: bytes) -> str:
    """Why a file whose content is ``name`` is an extension mismatch, in plain words."""
    ext = extension_of(rel)
    claimed = format_claimed_by_name(rel)
    says = f"{claimed.label} (.{ext})" if claimed is not None else f"a .{ext} file"
    msg = f"Its name says it is {says}, but its content is {label(name)}."
    if claimed is not None and claimed.kind != "other" and name in (None, "text", "html", "xml", "json"):
        msg += (" A saved web page, an error message or an empty download under a picture's name "
                "is what a failed download leaves: look for another copy of the picture.")
    else:
        msg += " Programs that trust the name may fail to open it or open it wrongly."
    return msg


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
