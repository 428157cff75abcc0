"""A reference collection and a "platform export" of it, built in code from the real photos.

REFERENCE (the family's backup drive) holds camera originals with EXIF. OTHER is what a
platform handed back in a Google Takeout: some files identical, some re-encoded smaller with
EXIF stripped and renamed (``IMG_0003.jpg`` -> ``3f2a9c1e.jpg``) with a JSON sidecar carrying
the original title, capture time and place; of a burst only one frame kept; of an original and
its edit only the edit kept; some files gone; one file only on the platform.

Every subject is a distinct picture (a real photo, or a different part of one), so nothing
looks alike unless it was made to.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from preservation.evalset import camera_exif, encode, replace_jpeg_exif, source_photos

TZ = dt.timezone(dt.timedelta(hours=2))  # the camera's EXIF OffsetTimeOriginal (+02:00)
LONG_SIDE = 640


def _fit(im: Image.Image, long_side: int) -> Image.Image:
    w, h = im.size
    s = long_side / max(w, h)
    return im.resize((max(8, round(w * s)), max(8, round(h * s))), Image.Resampling.LANCZOS)


def subjects() -> list[Image.Image]:
    """Eight distinct pictures: the five photos, and the left and right parts of three."""
    photos = source_photos()  # astronaut, camera, chelsea, coffee, rocket
    out = [_fit(p, LONG_SIDE) for p in photos]
    for p in photos[2:5]:
        w, h = p.size
        out.append(_fit(p.crop((0, 0, w // 2, h)), LONG_SIDE))
    return out


def shot(scene: Image.Image, rng: np.random.Generator, sigma: float = 3.0) -> np.ndarray:
    """One exposure of a scene: the picture plus fresh sensor noise."""
    arr = np.asarray(scene.convert("RGB"), dtype=np.float32)
    arr = arr + rng.standard_normal((*arr.shape[:2], 1), dtype=np.float32) * sigma
    return np.clip(np.rint(arr), 0, 255).astype(np.uint8)


def camera_jpeg(arr: np.ndarray, when: dt.datetime, *, subsec: str = "000", index: int = 0) -> bytes:
    exif = camera_exif(make="Canon", model="Canon EOS R6", when=when, subsec=subsec,
                       gps=(48.85 + index / 100, 2.35))
    return encode(arr, quality=93, exif=exif)


def platform_copy(data: bytes, scale: float = 0.75, quality: int = 78) -> bytes:
    """What a platform keeps: smaller, re-compressed, metadata stripped."""
    im = Image.open(io.BytesIO(data)).convert("RGB")
    w, h = im.size
    small = im.resize((round(w * scale), round(h * scale)), Image.Resampling.LANCZOS)
    return encode(small, quality=quality)


def sidecar(title: str, when: dt.datetime, lat: float = 48.85, lon: float = 2.35) -> bytes:
    """A Google Takeout sidecar: the original title, capture time (UTC seconds), place."""
    ts = int(when.replace(microsecond=0).timestamp())
    doc = {
        "title": title,
        "description": "",
        "imageViews": "3",
        "creationTime": {"timestamp": str(ts + 86400), "formatted": "upload time"},
        "photoTakenTime": {"timestamp": str(ts), "formatted": "taken time"},
        "geoData": {"latitude": lat, "longitude": lon, "altitude": 35.0,
                    "latitudeSpan": 0.0, "longitudeSpan": 0.0},
        "geoDataExif": {"latitude": lat, "longitude": lon, "altitude": 35.0,
                        "latitudeSpan": 0.0, "longitudeSpan": 0.0},
        "url": "https://photos.google.com/photo/AF1Qip",
        "googlePhotosOrigin": {"mobileUpload": {"deviceType": "ANDROID_PHONE"}},
    }
    return json.dumps(doc, indent=2).encode()


@dataclass
class Expect:
    status: str
    other: str | None = None  # path relative to OTHER's root
    verdict: str | None = None


@dataclass
class Trees:
    reference: Path
    other: Path
    expect: dict[str, Expect] = field(default_factory=dict)  # reference relative path -> expected
    other_only: dict[str, str | None] = field(default_factory=dict)  # other path -> verdict or None
    sidecars: list[str] = field(default_factory=list)


def build(base: Path, seed: int = 8) -> Trees:
    rng = np.random.default_rng(seed)
    s = subjects()
    ref, oth = base / "Backup drive", base / "Takeout"
    (ref / "2019").mkdir(parents=True)
    album = oth / "Google Photos" / "Photos from 2019"
    album.mkdir(parents=True)
    t = Trees(ref, oth)
    day = dt.datetime(2019, 6, 21, 10, 0, 0, tzinfo=TZ)

    def original(i: int, subject: int, when: dt.datetime, subsec: str = "120") -> bytes:
        return camera_jpeg(shot(s[subject], rng), when.replace(tzinfo=None), subsec=subsec, index=i)

    def put_ref(name: str, data: bytes) -> str:
        (ref / "2019" / name).write_bytes(data)
        return f"2019/{name}"

    def put_other(name: str, data: bytes) -> str:
        (album / name).write_bytes(data)
        return f"Google Photos/Photos from 2019/{name}"

    def put_sidecar(name: str, data: bytes) -> None:
        (album / name).write_bytes(data)
        t.sidecars.append(f"Google Photos/Photos from 2019/{name}")

    # 1. kept as is, under its own name (Takeout still writes a sidecar)
    when1 = day
    img1 = original(1, 0, when1)
    r = put_ref("IMG_0001.jpg", img1)
    o = put_other("IMG_0001.jpg", img1)
    put_sidecar("IMG_0001.jpg.json", sidecar("IMG_0001.jpg", when1))
    t.expect[r] = Expect("present", o, "identical")

    # 2. kept as is, but renamed, without a sidecar (matched by its bytes)
    img2 = original(2, 1, day + dt.timedelta(hours=1))
    r = put_ref("IMG_0002.jpg", img2)
    o = put_other("PXL_20190621_090000000.jpg", img2)
    t.expect[r] = Expect("present", o, "identical")

    # 3. re-encoded smaller, EXIF stripped, renamed to a hash; sidecar with the title
    when3 = day + dt.timedelta(hours=2)
    img3 = original(3, 2, when3)
    r = put_ref("IMG_0003.jpg", img3)
    o = put_other("3f2a9c1e.jpg", platform_copy(img3))
    put_sidecar("3f2a9c1e.jpg.json", sidecar("IMG_0003.jpg", when3))
    t.expect[r] = Expect("same-picture", o, "derivative")

    # 4. EXIF stripped only (same pixels); newer Takeout sidecar name
    when4 = day + dt.timedelta(hours=3)
    img4 = original(4, 3, when4)
    r = put_ref("IMG_0004.jpg", img4)
    o = put_other("IMG_0004.jpg", replace_jpeg_exif(img4, None))
    put_sidecar("IMG_0004.jpg.supplemental-metadata.json", sidecar("IMG_0004.jpg", when4))
    t.expect[r] = Expect("same-picture", o, "same-pixels")

    # 5-6. a burst from a tripod, 2.5 s apart: only the second frame kept (re-encoded, renamed).
    # The pixels alone cannot tell the frames apart; the sidecar's capture time can.
    when5 = day + dt.timedelta(hours=4, seconds=10, milliseconds=200)
    when6 = when5 + dt.timedelta(milliseconds=2500)
    img5 = camera_jpeg(shot(s[4], rng), when5.replace(tzinfo=None, microsecond=0), subsec="200", index=5)
    img6 = camera_jpeg(shot(s[4], rng), when6.replace(tzinfo=None, microsecond=0), subsec="700", index=5)
    r5 = put_ref("IMG_0005.jpg", img5)
    r6 = put_ref("IMG_0006.jpg", img6)
    o = put_other("b81d07aa.jpg", platform_copy(img6, scale=0.8, quality=85))
    put_sidecar("b81d07aa.jpg.json", sidecar("IMG_0006.jpg", when6))
    t.expect[r5] = Expect("lookalike-only", o, "burst")
    t.expect[r6] = Expect("same-picture", o, "derivative")

    # 7-8. an original and its edit (brighter): the platform kept only the edit, which shares
    # its original's sidecar (Takeout writes none for "-edited" copies)
    when7 = day + dt.timedelta(hours=5)
    arr7 = shot(s[5], rng)
    img7 = camera_jpeg(arr7, when7.replace(tzinfo=None), index=7)
    brighter = np.clip(arr7.astype(np.float32) * 1.3 + 6, 0, 255).astype(np.uint8)
    edit7 = encode(brighter, quality=92, exif=camera_exif(
        make="Canon", model="Canon EOS R6", when=when7.replace(tzinfo=None), subsec="000",
        software="Adobe Photoshop Lightroom", gps=(48.92, 2.35)))
    r7 = put_ref("IMG_0007.jpg", img7)
    r8 = put_ref("IMG_0007-edited.jpg", edit7)
    o = put_other("IMG_0007-edited.jpg", edit7)
    put_sidecar("IMG_0007.jpg.json", sidecar("IMG_0007.jpg", when7))
    t.expect[r7] = Expect("lookalike-only", o, "edited")
    t.expect[r8] = Expect("present", o, "identical")

    # 9-10. gone entirely: a photo and a text file
    r = put_ref("IMG_0009.jpg", original(9, 6, day + dt.timedelta(hours=6)))
    t.expect[r] = Expect("missing")
    r = put_ref("notes.txt", b"Grandma's 80th birthday, Paris\n")
    t.expect[r] = Expect("missing")

    # only on the platform: a photo the backup never had (with its sidecar)
    when_o = day + dt.timedelta(days=1)
    o = put_other("IMG_0100.jpg", original(100, 7, when_o))
    put_sidecar("IMG_0100.jpg.json", sidecar("IMG_0100.jpg", when_o))
    t.other_only[o] = None
    # Takeout's album file: metadata, not a photo
    (album / "metadata.json").write_text(json.dumps({"title": "Photos from 2019", "description": "",
                                                     "access": "", "date": {"timestamp": "0"}}))
    t.sidecars.append("Google Photos/Photos from 2019/metadata.json")
    return t
