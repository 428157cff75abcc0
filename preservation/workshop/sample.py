"""A deterministic sample family archive for archiving workshops, and its answer key.

``build_sample(seed)`` makes, in memory, three "drives" of a family's photos (a laptop, a USB
backup drive, a cloud sync folder) from the real photographs in ``preservation/data/photos``:
camera-like originals with believable EXIF (camera, capture time, a public place), exact
backups, burst shots moments apart, edits (crop, brightness, black and white, a date stamp), an
EXIF-stripped copy, a "sent by messenger" re-encode, a HEIC picture named ``.jpg``, a file that
exists in one place only and a JPEG truncated by an interrupted copy.

``write_sample(directory, seed)`` writes it (only into ``directory``, which must be new or empty),
sets every file's modification time from the story, and writes ``ANSWERS.md``: every file, what
it is, and what ``scan``, ``copies``, ``lookalikes`` and ``files --problems`` should say. The
answer key is rendered from the same :class:`SampleManifest` that produced the bytes, so the two
cannot disagree. The same seed gives the same bytes and times on every run (no clock is read).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shlex
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from preservation.analyse.copies import AT_RISK, MEETS, SHORT
from preservation.errors import UsageError
from preservation.evalset import (
    PHOTOS,
    camera_exif,
    encode,
    fit,
    font,
    replace_jpeg_exif,
    shot,
)
from preservation.units import human_bytes
from preservation.vocabulary import Media, ProblemCode, Site, Verdict

DEFAULT_SEED = 2024
#: Long side of the camera pictures: modest, so the sample is ~10 MB and made in seconds.
LONG_SIDE = 1280
ANSWERS = "ANSWERS.md"


# --- the drives ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Drive:
    name: str
    media: Media
    site: Site
    sync: bool
    story: str

    def add_args(self, root: str) -> list[str]:
        """Arguments of the ``preservation location add`` command that registers this drive."""
        args = ["location", "add", self.name, root, "--media", str(self.media), "--site", str(self.site)]
        return [*args, "--sync"] if self.sync else args

    def add_command(self, root: str) -> str:
        return "preservation " + shlex.join(self.add_args(root))

    @property
    def setting(self) -> str:
        return f"{self.media}, {self.site}" + (", sync" if self.sync else "")


DRIVES: tuple[Drive, ...] = (
    Drive("laptop", Media.SSD, Site.ONSITE, False,
          "The family laptop: photos are imported, edited, downloaded and received here."),
    Drive("usb-drive", Media.HDD, Site.ONSITE, False,
          "An external hard drive kept in the same house, backed up to on 8 January 2022. The "
          "first attempt was interrupted (the drive was unplugged) while IMG_4522.JPG was being "
          "copied; the second attempt skipped files that already existed, so the broken copy stayed."),
    Drive("cloud-sync", Media.CLOUD, Site.OFFSITE, True,
          "A cloud sync folder (phone camera uploads and a shared album). It is off-site, but a "
          "sync service propagates deletions, so it is not a backup on its own."),
)


# --- the family events ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Event:
    key: str
    title: str
    place: str  # a public place, never a private address
    gps: tuple[float, float] | None
    offset: str  # the camera's UTC offset, "+HH:MM"
    make: str
    model: str
    software: str

    @property
    def tz(self) -> dt.timezone:
        sign = -1 if self.offset.startswith("-") else 1
        hours, minutes = self.offset[1:].split(":")
        return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes)))

    def at(self, year: int, month: int, day: int, hour: int, minute: int, second: int,
           microsecond: int = 0) -> dt.datetime:
        """A local time at this event's UTC offset."""
        return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=self.tz)


EVENTS: tuple[Event, ...] = (
    Event("space-coast", "Space Coast trip, 11 February 2015",
          "Kennedy Space Center Visitor Complex, Florida (a public place)",
          (28.5233, -80.6813), "-05:00", "Canon", "Canon EOS 70D", "Firmware Version 1.1.2"),
    Event("boston-common", "Photo walk on Boston Common, 20 May 2017",
          "Boston Common, Boston (a public park)",
          (42.3551, -71.0657), "-04:00", "SONY", "ILCE-6000", "ILCE-6000 v3.21"),
    Event("market-square", "Coffee on Market Square, 14 June 2019",
          "Market Square, Pittsburgh (a public square)",
          (40.4406, -80.0026), "-04:00", "Google", "Pixel 3", "HDR+ 1.0.245236318z"),
    Event("christmas", "Chelsea the cat, Christmas morning 2021",
          "at home: the phone's location tagging was switched off, so there is no GPS",
          None, "-05:00", "Apple", "iPhone 12", "15.2"),
)
_EVENTS = {e.key: e for e in EVENTS}


# --- what the sample holds ------------------------------------------------------------------------


@dataclass(slots=True)
class SampleContent:
    """One distinct content (one SHA-256), and the truth about it."""

    key: str
    kind: str  # original | burst shot | edit | EXIF-stripped copy | re-encode | corrupted copy | document
    what: str  # in plain words
    data: bytes = field(repr=False)
    format: str = "jpeg"  # what the bytes are: jpeg | heic | text
    event: str | None = None
    source: str | None = None  # the content this one was made from
    relation: Verdict | None = None  # what it is to its source
    scene: str | None = None  # contents of one scene look alike (None: no look-alike fingerprints)
    shot: str | None = None  # the exposure it shows
    look: str = ""  # the deliberate edits applied to that exposure ("" for none)
    pixels: str | None = None  # contents with equal decoded pixels share this
    taken: dt.datetime | None = None  # when the shot was taken (even if the EXIF is gone)
    has_exif: bool = False
    problem: ProblemCode | None = None
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def is_picture(self) -> bool:
        return self.format != "text"

    @property
    def fingerprinted(self) -> bool:
        """It gets look-alike fingerprints (a decodable picture)."""
        return self.scene is not None and self.problem is None


_EXTENSIONS = {"jpeg": {"jpg", "jpeg", "jpe", "jfif"}, "heic": {"heic", "heif", "hif"}, "text": {"txt"}}


@dataclass(frozen=True, slots=True)
class SampleFile:
    drive: str
    path: str  # below the drive's folder, "/"-separated
    content: str  # SampleContent.key
    mtime: dt.datetime  # aware: set with os.utime
    note: str = ""  # why this file is here

    @property
    def rel(self) -> str:
        """The path below the sample folder."""
        return f"{self.drive}/{self.path}"

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True, slots=True)
class ExpectedPair:
    """Two contents the look-alike analysis should pair, and the verdict it should give."""

    a: str  # content keys
    b: str
    verdict: Verdict
    why: str


@dataclass(frozen=True, slots=True)
class ExpectedStatus:
    content: str
    status: str  # meets-3-2-1 | short | at-risk
    counted: tuple[str, ...]  # drives whose copy counts
    why: str


@dataclass(slots=True)
class SampleManifest:
    """Everything in the sample, and the single source of the files and of ANSWERS.md."""

    seed: int
    drives: tuple[Drive, ...]
    contents: dict[str, SampleContent]
    files: list[SampleFile]  # in the order of the story: each content's own first file first

    # --- look-ups ---

    def drive(self, name: str) -> Drive:
        return next(d for d in self.drives if d.name == name)

    def content_of(self, f: SampleFile) -> SampleContent:
        return self.contents[f.content]

    def files_of(self, key: str) -> list[SampleFile]:
        return [f for f in self.files if f.content == key]

    def files_on(self, drive: str) -> list[SampleFile]:
        return sorted((f for f in self.files if f.drive == drive), key=lambda f: f.path)

    def label(self, key: str) -> str:
        """A content's name for people: its first file, where it lives."""
        f = self.files_of(key)[0]
        return f"{f.name} ({f.drive})"

    @property
    def total_bytes(self) -> int:
        return sum(self.content_of(f).size for f in self.files)

    def location_commands(self, root: str | os.PathLike[str] = ".") -> list[str]:
        r = os.fspath(root)
        return [d.add_command(os.path.join(r, d.name) if r != "." else d.name) for d in self.drives]

    # --- expected answers ---

    def problem_files(self) -> list[tuple[SampleFile, ProblemCode]]:
        """Every file the scan reports as a problem: damaged contents, and names that lie."""
        mismatched = self.extension_mismatches()
        out = []
        for f in self.files:
            problem = self.content_of(f).problem
            if problem is not None:
                out.append((f, problem))
            elif f in mismatched:
                out.append((f, ProblemCode.EXTENSION_MISMATCH))
        return out

    def damaged_files(self) -> list[tuple[SampleFile, ProblemCode]]:
        """The problem files whose bytes are damaged (not only misnamed)."""
        return [(f, code) for f, code in self.problem_files() if code != ProblemCode.EXTENSION_MISMATCH]

    def extension_mismatches(self) -> list[SampleFile]:
        def ext(name: str) -> str:
            return name.rsplit(".", 1)[-1].lower() if "." in name else ""

        return [f for f in self.files if ext(f.name) not in _EXTENSIONS[self.content_of(f).format]]

    def status(self, key: str, *, sync_counts: bool = False) -> ExpectedStatus:
        """3-2-1 for one content: three counted copies, two kinds of media, one off-site.

        A drive's copy counts unless the drive is a sync folder (``sync_counts``: as if it were
        registered as a real backup). Several files on one drive are one copy.
        """
        on = sorted({f.drive for f in self.files_of(key)}, key=[d.name for d in self.drives].index)
        counted = [d for d in on if sync_counts or not self.drive(d).sync]
        kinds = {self.drive(d).media for d in counted}
        offsite = [d for d in counted if self.drive(d).site == Site.OFFSITE]
        if len(counted) >= 3 and len(kinds) >= 2 and offsite:
            return ExpectedStatus(key, MEETS, tuple(counted),
                                  f"{len(counted)} counted copies on {len(kinds)} kinds of media, one off-site")
        status = AT_RISK if len(counted) <= 1 else SHORT
        reasons = []
        not_counted = [d for d in on if d not in counted]
        reasons.append(f"{len(counted)} counted cop{'y' if len(counted) == 1 else 'ies'}"
                       + (f" ({', '.join(counted)})" if counted else ""))
        if not_counted:
            reasons.append(f"the copy on {', '.join(not_counted)} does not count (a sync folder)")
        if len(kinds) < 2:
            reasons.append("no second kind of media")
        if not offsite:
            reasons.append("no counted off-site copy")
        c = self.contents[key]
        if c.problem is not None and c.source is not None:
            reasons.append(f"and this content is a damaged picture ({c.problem}); the intact one is "
                           f"{self.label(c.source)}")
        return ExpectedStatus(key, status, tuple(counted), "; ".join(reasons))

    def statuses(self, *, sync_counts: bool = False) -> dict[str, ExpectedStatus]:
        return {k: self.status(k, sync_counts=sync_counts) for k in self.contents}

    def truth(self, a: SampleContent, b: SampleContent) -> tuple[Verdict, str]:
        """What two contents really are to each other (from how they were made)."""
        la, lb = self.label(a.key), self.label(b.key)
        if a.sha256 == b.sha256:
            return Verdict.IDENTICAL, "the same bytes"
        if a.pixels is not None and a.pixels == b.pixels:
            return Verdict.SAME_PIXELS, "the same pixels; only the metadata differs (EXIF removed)"
        if a.shot is not None and a.shot == b.shot:
            if a.look == b.look:
                return Verdict.DERIVATIVE, "the same picture, only re-encoded smaller (no deliberate change)"
            if b.source == a.key or a.source == b.key:
                child = b if b.source == a.key else a
                return Verdict.EDITED, f"{child.look} (deliberate change)"
            return Verdict.EDITED, (f"both show the same exposure, with different deliberate changes: "
                                    f"{a.look or 'none'} / {b.look or 'none'}")
        if a.scene is not None and a.scene == b.scene and a.taken and b.taken:
            gap = abs((b.taken - a.taken).total_seconds())
            return Verdict.BURST, f"two exposures {gap:.2f} s apart (capture times in the EXIF)"
        return Verdict.SIMILAR, f"different photographs ({la} and {lb})"

    def lookalike_pairs(self) -> list[ExpectedPair]:
        """Every pair of distinct fingerprinted pictures of one scene, with its true verdict."""
        pics = [c for c in self.contents.values() if c.fingerprinted]
        out = []
        for a, b in combinations(pics, 2):
            if a.scene == b.scene:
                verdict, why = self.truth(a, b)
                out.append(ExpectedPair(a.key, b.key, verdict, why))
        return out

    def exact_copies(self) -> list[tuple[SampleContent, list[SampleFile]]]:
        return [(c, fs) for c in self.contents.values() if len(fs := self.files_of(c.key)) > 1]

    def answers(self) -> str:
        """ANSWERS.md: the answer key, rendered from this manifest."""
        return "\n".join(_answers(self)) + "\n"


# --- making the pictures ----------------------------------------------------------------------------


def _exif(ev: Event, when: dt.datetime, *, software: str | None = None) -> bytes:
    """Camera EXIF for ``when`` (local time of the event) with the event's UTC offset."""
    data = camera_exif(make=ev.make, model=ev.model, when=when.replace(tzinfo=None, microsecond=0),
                       subsec=f"{when.microsecond // 10000:02d}", software=software or ev.software,
                       gps=ev.gps)
    exif = Image.Exif()
    exif.load(data)
    sub = exif.get_ifd(0x8769)
    sub[0x9010] = sub[0x9011] = sub[0x9012] = ev.offset  # OffsetTime, ...Original, ...Digitized
    return exif.tobytes()


class _Scene:
    """One real photograph as a scene a camera can frame: shots with sensor grain."""

    def __init__(self, photo: str, rng: np.random.Generator, long_side: int = LONG_SIDE) -> None:
        im = Image.open(PHOTOS / photo).convert("RGB")
        fitted = fit(im, long_side)
        self.frame = fitted.size
        w, h = self.frame
        self.scene = fitted.resize((round(w * 1.12), round(h * 1.12)), Image.Resampling.BICUBIC)
        self.rng = rng

    def shoot(self, offset: tuple[float, float] = (0.0, 0.0), *, gain: float = 1.0,
              zoom: float = 1.0) -> np.ndarray:
        return shot(self.scene, self.frame, offset, self.rng, sigma=3.5, gain=gain, zoom=zoom)


def _heic(pixels: np.ndarray | Image.Image, quality: int, exif: bytes) -> bytes:
    """HEIC as a phone stores it (x265's fastest preset: the same bytes, made in a second)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    im = pixels if isinstance(pixels, Image.Image) else Image.fromarray(pixels)
    buf = io.BytesIO()
    im.save(buf, "HEIF", quality=quality, exif=exif, enc_params={"preset": "ultrafast"})
    return buf.getvalue()


def _decode(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def _u8(a: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.contents: dict[str, SampleContent] = {}
        self.files: list[SampleFile] = []

    def add(self, content: SampleContent) -> SampleContent:
        self.contents[content.key] = content
        return content

    def put(self, drive: str, path: str, content: SampleContent, mtime: dt.datetime, note: str = "") -> None:
        self.files.append(SampleFile(drive, path, content.key, mtime.replace(microsecond=0), note))

    def photo(self, key: str, kind: str, what: str, ev: Event, when: dt.datetime, pixels: np.ndarray | Image.Image,
              *, scene: str, fmt: str = "JPEG", quality: int = 93, source: str | None = None,
              relation: Verdict | None = None) -> SampleContent:
        exif = _exif(ev, when)
        data = _heic(pixels, quality, exif) if fmt == "HEIF" else encode(pixels, quality=quality, exif=exif)
        return self.add(SampleContent(key, kind, what, data, "heic" if fmt == "HEIF" else "jpeg", ev.key,
                                      source, relation, scene, shot=key, pixels=key, taken=when,
                                      has_exif=True))

    def edit(self, key: str, of: SampleContent, look: str, what: str, pixels: np.ndarray | Image.Image,
             *, software: str, quality: int = 92) -> SampleContent:
        ev = _EVENTS[of.event or ""]
        assert of.taken is not None
        data = encode(pixels, quality=quality, exif=_exif(ev, of.taken, software=software))
        return self.add(SampleContent(key, "edit", what, data, "jpeg", of.event, of.key, Verdict.EDITED,
                                      of.scene, of.shot, look, key, of.taken, True))


def _space_coast(b: _Builder) -> None:
    ev = _EVENTS["space-coast"]
    folder = "Pictures/2015/2015-02-11 Space Coast"
    backup = "Photos backup/2015-02-11 Space Coast"
    backed_up = ev.at(2022, 1, 8, 21, 40, 2)

    portrait = _Scene("astronaut.jpg", b.rng)
    when = ev.at(2015, 2, 11, 14, 20, 5, 310000)
    orig = b.photo("portrait", "original", "Portrait of astronaut Eileen Collins on display at the visitor "
                   "complex: camera original", ev, when, portrait.shoot(), scene="portrait")
    taken = when.replace(microsecond=0)
    b.put("laptop", f"{folder}/IMG_4498.JPG", orig, taken, "imported from the camera")
    b.put("usb-drive", f"{backup}/IMG_4498.JPG", orig, taken, "backup (times preserved)")
    b.put("cloud-sync", "Camera Uploads/2015-02-11 14.20.05.jpg", orig, ev.at(2015, 2, 12, 8, 3, 11),
          "uploaded, renamed by capture time")

    dec = _decode(orig.data)
    bw = b.edit("portrait-bw", orig, "colour removed (black and white)",
                "Black-and-white version of IMG_4498.JPG, made in a photo editor", dec.convert("L"),
                software="Photos 1.0")
    b.put("laptop", f"{folder}/edited/IMG_4498_bw.jpg", bw, ev.at(2015, 2, 15, 20, 31, 10), "edited")

    w, h = dec.size
    stamped = dec.copy()
    ImageDraw.Draw(stamped).text((round(w * 0.70), round(h * 0.91)), "'15 2 11",
                                 font=font(max(10, h // 22)), fill=(255, 150, 40))
    printed = b.edit("portrait-print", orig, "date stamp added in the corner",
                     "Version of IMG_4498.JPG with an orange date stamp, made for printing", stamped,
                     software="Photos 1.0")
    b.put("laptop", f"{folder}/edited/IMG_4498_print.jpg", printed, ev.at(2015, 2, 15, 20, 40, 55), "edited")
    b.put("cloud-sync", "Shared album/IMG_4498_print.jpg", printed, ev.at(2015, 2, 16, 9, 0, 0),
          "shared with the family")

    # the rocket on the pad at dusk: two shots of a burst, the camera tilting a little
    rocket = _Scene("rocket.jpg", b.rng)
    t0 = ev.at(2015, 2, 11, 18, 4, 10, 250000)
    steps = ((0.0, (0.0, 0.0), 1.0), (0.45, (2.0, -9.0), 0.99))
    shots: list[SampleContent] = []
    for i, (secs, offset, gain) in enumerate(steps):
        when = t0 + dt.timedelta(seconds=secs)
        first = shots[0] if shots else None
        what = ("Falcon 9 with DSCOVR on the pad at dusk, first shot of a burst: camera original"
                if first is None else
                f"Burst shot {i + 1}, {secs:.2f} s after IMG_4521.JPG: another exposure, not a copy")
        c = b.photo(f"launch-{i + 1}", "original" if first is None else "burst shot", what, ev, when,
                    rocket.shoot(offset, gain=gain), scene="launch",
                    source=first.key if first else None, relation=Verdict.BURST if first else None)
        shots.append(c)
        name = f"IMG_{4521 + i}.JPG"
        b.put("laptop", f"{folder}/{name}", c, when.replace(microsecond=0), "imported from the camera")
        if i == 0:
            b.put("usb-drive", f"{backup}/{name}", c, when.replace(microsecond=0), "backup (times preserved)")
    # the interrupted copy: the first bytes of IMG_4522.JPG, cut at a 64 KiB boundary
    second = shots[1]
    cut = max(65536, (second.size * 11 // 20) // 65536 * 65536)
    broken = b.add(SampleContent(
        "launch-2-truncated", "corrupted copy",
        f"Truncated copy of IMG_4522.JPG: only its first {cut:,} of {second.size:,} bytes (an interrupted "
        "copy). The intact picture is on the laptop only",
        second.data[:cut], "jpeg", ev.key, second.key, None, scene=None,
        problem=ProblemCode.CORRUPT_IMAGE))
    b.put("usb-drive", f"{backup}/IMG_4522.JPG", broken, backed_up, "the copy was interrupted")


def _boston_common(b: _Builder) -> None:
    ev = _EVENTS["boston-common"]
    when = ev.at(2017, 5, 20, 11, 42, 31, 620000)
    scene = _Scene("camera.jpg", b.rng)
    grey = Image.fromarray(scene.shoot()).convert("L")  # the camera's black-and-white mode
    orig = b.photo("cameraman", "original", "A photographer on Boston Common, shot in the camera's "
                   "black-and-white mode: camera original (the laptop's copy was deleted to free space)",
                   ev, when, grey, scene="cameraman")
    b.put("usb-drive", "Photos backup/2017-05-20 Boston Common/DSC01234.JPG", orig, when.replace(microsecond=0),
          "the only copy")
    stripped = b.add(SampleContent(
        "cameraman-no-exif", "EXIF-stripped copy",
        "DSC01234.JPG as the shared album keeps it: camera data (EXIF: camera, time, place) removed, "
        "pixels untouched", replace_jpeg_exif(orig.data, None), "jpeg", ev.key, orig.key,
        Verdict.SAME_PIXELS, orig.scene, orig.shot, "", orig.pixels, when, False))
    b.put("cloud-sync", "Shared album/DSC01234.JPG", stripped, ev.at(2017, 6, 2, 19, 20, 0),
          "shared; the service removed the EXIF")


def _market_square(b: _Builder) -> None:
    ev = _EVENTS["market-square"]
    folder = "Pictures/2019/2019-06-14 Market Square"
    when = ev.at(2019, 6, 14, 15, 30, 12, 480000)
    scene = _Scene("coffee.jpg", b.rng)
    orig = b.photo("coffee", "original", "A cup of coffee at a café on Market Square: phone original", ev,
                   when, scene.shoot(), scene="coffee")
    taken = when.replace(microsecond=0)
    b.put("laptop", f"{folder}/IMG_20190614_153012.jpg", orig, taken, "imported from the phone")
    b.put("laptop", "Downloads/IMG_20190614_153012 (1).jpg", orig, ev.at(2020, 3, 8, 11, 12, 40),
          "downloaded again: stored twice on the laptop")
    b.put("usb-drive", "Photos backup/2019-06-14 Market Square/IMG_20190614_153012.jpg", orig, taken,
          "backup (times preserved)")
    b.put("cloud-sync", "Camera Uploads/2019-06-14 15.30.12.jpg", orig, ev.at(2019, 6, 14, 15, 31, 2),
          "uploaded, renamed by capture time")

    dec = _decode(orig.data)
    w, h = dec.size
    crop = b.edit("coffee-crop", orig, "cropped",
                  "Cropped version of IMG_20190614_153012.jpg (edges trimmed; saved as a copy by the "
                  "phone's editor)", dec.crop((round(w * 0.05), round(h * 0.05), round(w * 0.95), round(h * 0.95))),
                  software="Google Photos")
    b.put("laptop", f"{folder}/IMG_20190614_153012~2.jpg", crop, ev.at(2019, 6, 16, 21, 2, 44), "edited")
    b.put("usb-drive", "Photos backup/2019-06-14 Market Square/IMG_20190614_153012~2.jpg", crop,
          ev.at(2019, 6, 16, 21, 2, 44), "backup (times preserved)")
    # brightness raised the way editors' sliders do it: mid-tones up, highlights kept
    bright = b.edit("coffee-bright", orig, "brightness raised",
                    "Brighter version of IMG_20190614_153012.jpg (brightness raised in the editor)",
                    _u8(255 * (np.asarray(dec, np.float32) / 255) ** 0.75), software="Google Photos")
    b.put("laptop", f"{folder}/IMG_20190614_153012~3.jpg", bright, ev.at(2019, 6, 16, 21, 5, 9), "edited")

    small = fit(dec, 800)
    sent = b.add(SampleContent(
        "coffee-messenger", "re-encode",
        "IMG_20190614_153012.jpg as it came back from a messenger app: 800 px, recompressed, EXIF removed",
        encode(small, quality=70), "jpeg", ev.key, orig.key, Verdict.DERIVATIVE, orig.scene, orig.shot,
        "", "coffee-messenger", when, False))
    b.put("laptop", "Pictures/WhatsApp Images/IMG-20190614-WA0003.jpg", sent, ev.at(2019, 6, 14, 16, 2, 37),
          "received through a messenger")


def _christmas(b: _Builder) -> None:
    ev = _EVENTS["christmas"]
    folder = "Pictures/2021/2021-12-24 Christmas"
    backup = "Photos backup/2021-12-24 Christmas"
    scene = _Scene("chelsea.jpg", b.rng)
    t0 = ev.at(2021, 12, 24, 9, 15, 40, 120000)
    steps = ((0.0, 1.0), (0.46, 1.01))
    first: SampleContent | None = None
    for i, (secs, zoom) in enumerate(steps):
        when = t0 + dt.timedelta(seconds=secs)
        shake = b.rng.uniform(-0.01, 0.01, size=2) * scene.frame[0]
        heic = i == 1
        what = ("Chelsea the cat, first shot of a burst: phone original" if first is None else
                f"Burst shot {i + 1}, {secs:.2f} s after IMG_0415.JPG: another exposure, not a copy")
        if heic:
            what += ". A HEIC picture, as iPhones store them"
        c = b.photo(f"cat-{i + 1}", "original" if first is None else "burst shot", what, ev, when,
                    scene.shoot((float(shake[0]), float(shake[1])), zoom=zoom), scene="cat",
                    fmt="HEIF" if heic else "JPEG", quality=75 if heic else 92,
                    source=first.key if first else None, relation=Verdict.BURST if first else None)
        first = first or c
        taken = when.replace(microsecond=0)
        name = f"IMG_{415 + i:04d}"
        if heic:  # renamed on the laptop; the camera upload kept the right extension
            b.put("laptop", f"{folder}/{name}.jpg", c, taken, f"renamed from {name}.HEIC so an old viewer "
                  "would open it: the extension does not match the content")
        else:
            b.put("laptop", f"{folder}/{name}.JPG", c, taken, "imported from the phone")
            b.put("usb-drive", f"{backup}/{name}.JPG", c, taken, "backup (times preserved)")
        # camera uploads are named by capture time; a second shot in the same second gets "-1"
        upload = f"Camera Uploads/{when:%Y-%m-%d %H.%M.%S}{'-1' if i else ''}.{'heic' if heic else 'jpg'}"
        b.put("cloud-sync", upload, c, taken + dt.timedelta(seconds=40), "uploaded, renamed by capture time")


_NOTES = """Family photo notes (typed up on 8 January 2022)

2015-02-11  Space Coast trip: the astronaut portrait at the visitor complex, and the
            Falcon 9 on the pad at dusk before the DSCOVR launch. Edited two versions of
            the portrait for printing.
2017-05-20  Photo walk on Boston Common with the old Sony, in black-and-white mode.
            Deleted from the laptop in 2020 to make room; it is on the USB drive.
2019-06-14  Coffee on Market Square, Pittsburgh. Sent to Grandma by messenger.
2021-12-24  Chelsea on Christmas morning (two quick shots).

Backup to the USB drive: 8 January 2022.
"""


def _notes(b: _Builder) -> None:
    ev = _EVENTS["christmas"]
    notes = b.add(SampleContent("notes", "document", "Plain-text notes about the photos (not a picture)",
                                _NOTES.encode(), "text"))
    b.put("laptop", "Documents/photo-notes.txt", notes, ev.at(2022, 1, 8, 20, 55, 3), "written on the laptop")
    b.put("usb-drive", "photo-notes.txt", notes, ev.at(2022, 1, 8, 20, 55, 3), "backup (times preserved)")


def build_sample(seed: int = DEFAULT_SEED) -> SampleManifest:
    """The whole sample, in memory: nothing is written. Deterministic for a seed."""
    b = _Builder(seed)
    for part in (_space_coast, _boston_common, _market_square, _christmas, _notes):
        part(b)
    return SampleManifest(seed, DRIVES, b.contents, b.files)


# --- writing it -----------------------------------------------------------------------------------------

#: The modification time of ANSWERS.md and of the folders: after everything in the story.
_WRITTEN = dt.datetime(2022, 1, 9, 10, 0, 0, tzinfo=dt.UTC)


def _ns(when: dt.datetime) -> int:
    """Nanoseconds since the epoch, exactly (no float rounding)."""
    return (when - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1) * 1000


def _set_time(path: str | os.PathLike[str], when: dt.datetime) -> None:
    t = _ns(when)
    os.utime(path, ns=(t, t), follow_symlinks=False)


def check_target(directory: str | os.PathLike[str]) -> Path:
    """``directory`` as a path; refuses one that exists and is not an empty folder, or whose
    parent does not exist (only ``directory`` itself is ever created)."""
    d = Path(directory).expanduser()
    if d.is_symlink() or (d.exists() and not d.is_dir()):
        raise UsageError(f"{d} exists and is not a folder; the sample needs a new or empty folder.")
    if d.is_dir():
        try:
            empty = next(os.scandir(d), None) is None
        except OSError as exc:
            raise UsageError(f"Cannot read {d}: {exc.strerror or exc}.") from None
        if not empty:
            raise UsageError(f"{d} already exists and is not empty; nothing was written.",
                             hint="Name a new folder (it will be created) or an empty one.")
    elif not d.parent.is_dir():
        raise UsageError(f"The folder {d.parent} does not exist; nothing was written.",
                         hint="Name a new or empty folder inside an existing one: the sample is "
                              "written only into the folder you name.")
    return d


def write_sample(directory: str | os.PathLike[str], seed: int = DEFAULT_SEED) -> SampleManifest:
    """Write the sample into ``directory`` (created; refused if it exists and is not empty).

    Nothing is written outside ``directory``. Everything is made in memory first, so a refusal
    or a failure to build leaves nothing behind.
    """
    target = check_target(directory)
    manifest = build_sample(seed)
    answers = manifest.answers().encode()
    check_target(target)  # again: nothing may have appeared while the pictures were made
    try:
        target.mkdir(exist_ok=True)
        dirs: set[Path] = set()
        for f in manifest.files:
            p = target / f.drive / f.path
            p.parent.mkdir(parents=True, exist_ok=True)
            with open(p, "xb") as out:
                out.write(manifest.content_of(f).data)
            _set_time(p, f.mtime)
            dirs.update(q for q in p.parents if target in q.parents)
        with open(target / ANSWERS, "xb") as out:
            out.write(answers)
        _set_time(target / ANSWERS, _WRITTEN)
        for d in sorted(dirs, key=lambda q: len(q.parts), reverse=True):
            _set_time(d, _WRITTEN)
    except OSError as exc:
        raise UsageError(f"Could not write the sample into {target}: {exc.strerror or exc}.",
                         hint="Check the free space and permissions; what was written so far stays.") from None
    return manifest


# --- the answer key -------------------------------------------------------------------------------------


def _table(head: Iterable[str], rows: Iterable[Iterable[object]]) -> Iterator[str]:
    head = list(head)
    yield "| " + " | ".join(head) + " |"
    yield "|" + "---|" * len(head)
    for r in rows:
        yield "| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |"
    yield ""


def _when(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S") + t.strftime("%z")[:3] + ":" + t.strftime("%z")[3:]


def _answers(m: SampleManifest) -> Iterator[str]:
    by_drive = {d.name: m.files_on(d.name) for d in m.drives}
    problems = m.problem_files()
    mism = m.extension_mismatches()
    statuses = m.statuses()
    what_if = m.statuses(sync_counts=True)
    pairs = m.lookalike_pairs()
    copies = m.exact_copies()
    pics = [c for c in m.contents.values() if c.is_picture]

    yield "# Workshop sample archive: answer key"
    yield ""
    yield (f"Made by `preservation workshop sample` with seed {m.seed}: {len(m.files)} files "
           f"({human_bytes(m.total_bytes)}) on {len(m.drives)} drives, {len(m.contents)} distinct contents "
           f"({len(pics)} pictures). The photographs are derived from real photographs shipped with "
           "the preservation package (see `preservation/data/photos/LICENSES.md`); people, places and "
           "times are a made-up family story. GPS positions are public places only.")
    yield ""
    yield ("This file is the instructor's key. Every statement below is generated from the same data "
           "that generated the files. It is outside the three drive folders, so scans never see it.")
    yield ""
    yield "## Setting up"
    yield ""
    yield "From inside this folder, register the three drives, then scan:"
    yield ""
    yield "```"
    yield from m.location_commands()
    yield "preservation scan"
    yield "```"
    yield ""
    yield from _table(["drive", "registered as", "files", "size", "story"],
                      [(d.name, d.setting, len(by_drive[d.name]),
                        human_bytes(sum(m.content_of(f).size for f in by_drive[d.name])), d.story)
                       for d in m.drives])

    yield "## Family events"
    yield ""
    yield from _table(["event", "camera", "place"],
                      [(e.title, e.model if e.model.lower().startswith(e.make.lower()) else
                        f"{e.make} {e.model}", e.place) for e in EVENTS])

    yield "## Every file"
    yield ""
    ids = {k: f"C{i:02d}" for i, k in enumerate(m.contents, start=1)}
    yield ("Content ids (C01...) name distinct contents: files with the same id have the same bytes "
           "(the same SHA-256) and are copies of each other. Times are modification times.")
    yield ""
    for d in m.drives:
        yield f"### {d.name}/ ({d.setting})"
        yield ""
        yield from _table(["path", "content", "what it is", "size", "modified", "why here"],
                          [(f"`{f.path}`", ids[f.content], m.content_of(f).what, f"{m.content_of(f).size:,}",
                            _when(f.mtime), f.note) for f in by_drive[d.name]])

    yield "## Every content"
    yield ""
    rows = []
    for k, c in m.contents.items():
        where = ", ".join(f"{f.drive}/{f.path}" for f in m.files_of(k))
        src = f"{c.kind} of {ids[c.source]}" if c.source else c.kind
        rows.append((ids[k], src, f"`{c.sha256[:16]}`", where))
    yield from _table(["content", "what", "SHA-256 (first 16)", "files"], rows)

    yield "## Expected answers"
    yield ""
    yield "### `preservation scan`"
    yield ""
    counts = ", ".join(f"{d.name} {len(by_drive[d.name])}" for d in m.drives)
    yield (f"Files per drive: {counts} ({len(m.files)} in all). The scan finishes with exit code 1 "
           f"because {len(problems)} file{' has' if len(problems) == 1 else 's have'} a problem:")
    yield ""
    for f, code in problems:
        if code == ProblemCode.EXTENSION_MISMATCH:
            yield (f"* `{f.rel}`: `{code}`. {m.content_of(f).what}; its name says otherwise. Its bytes "
                   "are hashed and it is fingerprinted like any picture, but software that trusts the "
                   "name may fail to open it.")
        else:
            yield (f"* `{f.rel}`: `{code}`. {m.content_of(f).what}. Its bytes are hashed and catalogued, "
                   "but it cannot be decoded, so it has no look-alike fingerprints.")
    yield ""
    yield ("`preservation files --problems` lists exactly "
           + ("that file." if len(problems) == 1 else "those files.")
           + (" `preservation files` and `preservation show` also say of "
              + ", ".join(f"`{f.rel}`" for f in mism) + ": \"extension does not match\"." if mism else ""))
    yield ""

    yield "### `preservation copies` (3-2-1)"
    yield ""
    n = {s: sum(1 for st in statuses.values() if st.status == s) for s in (MEETS, SHORT, AT_RISK)}
    yield (f"{len(statuses)} distinct contents: {n[MEETS]} meet 3-2-1, {n[SHORT]} short, {n[AT_RISK]} at risk. "
           "The exit code is 1 (some fall short).")
    offsite = [d for d in m.drives if d.site == Site.OFFSITE]
    if not n[MEETS] and offsite and all(d.sync for d in offsite):
        backups = [d.name for d in m.drives if not d.sync]
        yield (f"Nothing meets 3-2-1: the only off-site drive{'s' if len(offsite) > 1 else ''}, "
               f"{', '.join(d.name for d in offsite)}, {'are sync folders' if len(offsite) > 1 else 'is a sync folder'}, "
               "and a sync folder's copy never counts (a deletion on the laptop would be synced there "
               f"too). At most {len(backups)} copies count ({' and '.join(backups)}), all on-site.")
    yield ""
    yield from _table(["content", "first file", "status", "why"],
                      [(ids[k], m.label(k), st.status, st.why) for k, st in statuses.items()])
    yield ("*What if* cloud-sync were registered as a real off-site backup (without `--sync`)? Then: "
           + "; ".join(f"{ids[k]} {st.status}" for k, st in what_if.items() if st.status != statuses[k].status)
           + "; the rest as above.")
    yield ""
    stored_twice = [(c, d) for c in m.contents.values() for d in m.drives
                    if sum(1 for f in m.files_of(c.key) if f.drive == d.name) > 1]
    for c, d in stored_twice:
        yield (f"Stored twice on one drive (one copy for 3-2-1, shown under \"Stored twice here\"): "
               f"{ids[c.key]} on {d.name}, {c.size:,} bytes.")
    yield ""

    yield "### `preservation lookalikes`"
    yield ""
    yield ("Exact copies (verdict `identical`): a content in several places. They are backups, "
           "never waste, even with different names.")
    yield ""
    yield from _table(["content", "files"],
                      [(ids[c.key], ", ".join(f"`{f.rel}`" for f in fs)) for c, fs in copies])
    yield ("Look-alikes: different contents that look alike, and the verdict each pair should get. "
           "Every pair within a scene is listed; pictures of different scenes should not be paired.")
    yield ""
    yield from _table(["A", "B", "verdict", "why"],
                      [(f"{ids[p.a]} {m.label(p.a)}", f"{ids[p.b]} {m.label(p.b)}", f"`{p.verdict}`", p.why)
                       for p in pairs])
    not_fp = [c for c in m.contents.values() if c.is_picture and not c.fingerprinted]
    for c in not_fp:
        yield (f"{ids[c.key]} ({m.label(c.key)}) takes no part: it is corrupt and has no fingerprints.")
    yield ""

    yield "### Fixity and evidence"
    yield ""
    yield ("`preservation verify` right after the scan reports every file `ok`: nothing changed since it "
           "was hashed.")
    for f, _code in m.damaged_files():
        c = m.content_of(f)
        if c.source is not None:
            intact = m.files_of(c.source)[0]
            yield (f"`{f.rel}` is not a fixity failure either: it was already broken when first scanned. "
                   f"Its SHA-256 ({ids[c.key]}) differs from the intact `{intact.rel}` ({ids[c.source]}); "
                   f"its {c.size:,} bytes are the first {c.size:,} of the intact file's "
                   f"{m.contents[c.source].size:,}.")
    yield ""
    cam = m.contents.get("cameraman")
    if cam is not None:
        yield (f"Evidence exercise: the shared album kept only {ids['cameraman-no-exif']} (no camera data). "
               f"The original with its EXIF (camera, capture time, place) is {ids['cameraman']}, "
               f"`{m.files_of('cameraman')[0].rel}`, which exists in one place only.")
        yield ""
    yield "## SHA-256 of every content"
    yield ""
    yield from _table(["content", "SHA-256", "size"],
                      [(ids[k], f"`{c.sha256}`", f"{c.size:,}") for k, c in m.contents.items()])
