"""Pictures a report shows: small thumbnails and difference maps, each made and stored once.

A report may show one photo in several places (a likely original beside each of its look-alikes).
Assets are keyed (a thumbnail by the SHA-256 of its file's bytes), so each is decoded, reduced
and encoded once, and the PDF or HTML embeds it once: WeasyPrint caches an image by its URL,
and the HTML refers to one file per asset.

Thumbnails are decoded read-only through the look-alike loader (JPEG draft mode, EXIF
orientation applied, the bytes checked against the catalog's SHA-256), reduced to
:data:`THUMB_SIDE` pixels on the long side and stored as baseline JPEG: small, and they print
well on a grey laser printer (no transparency, no colour-only meaning).
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from PIL import Image

THUMB_SIDE = 240
JPEG_QUALITY = 72


@dataclass(frozen=True, slots=True)
class Asset:
    id: str  # safe file name stem: [a-z0-9-]
    mime: str
    data: bytes
    width: int
    height: int

    @property
    def extension(self) -> str:
        return {"image/jpeg": "jpg", "image/png": "png"}.get(self.mime, "bin")

    @property
    def filename(self) -> str:
        return f"{self.id}.{self.extension}"


@dataclass
class AssetStore:
    """Assets by id; ``failures`` remembers what could not be made (made once, failed once)."""

    assets: dict[str, Asset] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)

    def __contains__(self, key: str) -> bool:
        return key in self.assets

    def get(self, key: str) -> Asset | None:
        return self.assets.get(key)

    def add(self, asset: Asset) -> Asset:
        return self.assets.setdefault(asset.id, asset)

    def __iter__(self) -> Iterator[Asset]:
        return iter(self.assets.values())

    def __len__(self) -> int:
        return len(self.assets)

    @property
    def total_bytes(self) -> int:
        return sum(len(a.data) for a in self.assets.values())

    def thumbnail(self, sha256: str, candidates: Sequence[bytes]) -> Asset | None:
        """The thumbnail of a content, from the first of its files that can be read."""
        key = f"thumb-{sha256}"
        if key in self.assets:
            return self.assets[key]
        if key in self.failures:
            return None
        problem = "no copy of the file is present"
        for path in candidates:
            try:
                im = load_picture(path, sha256, THUMB_SIDE)
            except Exception as exc:  # any unreadable picture: a report shows a placeholder
                problem = str(exc) or type(exc).__name__
                continue
            return self.add(encode_jpeg(key, im))
        self.failures[key] = problem
        return None


def load_picture(path: bytes, sha256: str | None, side: int) -> Image.Image:
    """Decode a file read-only at reduced size, upright, as RGB or L, at most ``side`` pixels long."""
    from preservation.analyse.lookalikes.pixels import load

    loaded = load(path, expected_sha256=sha256, min_side=side * 2)
    return fit(loaded.decoded.image, side)


def fit(im: Image.Image, side: int) -> Image.Image:
    from preservation.analyse.lookalikes.imaging import rgb8

    if im.mode not in ("RGB", "L"):
        im = rgb8(im)
    if max(im.size) > side:
        scale = side / max(im.size)
        size = (max(1, round(im.width * scale)), max(1, round(im.height * scale)))
        im = im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)
    return im


def encode_jpeg(key: str, im: Image.Image, quality: int = JPEG_QUALITY) -> Asset:
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=quality, optimize=True)
    return Asset(key, "image/jpeg", buf.getvalue(), im.width, im.height)


def encode_png(key: str, im: Image.Image) -> Asset:
    buf = io.BytesIO()
    im.save(buf, "PNG", optimize=True)
    return Asset(key, "image/png", buf.getvalue(), im.width, im.height)


def write_assets(store: AssetStore, directory: str | os.PathLike[str]) -> int:
    """Write every asset once into ``directory`` (created); returns the number written."""
    os.makedirs(directory, exist_ok=True)
    for a in store:
        with open(os.path.join(directory, a.filename), "wb") as fh:
            fh.write(a.data)
    return len(store)
