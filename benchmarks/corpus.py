"""Seeded, camera-like test corpora built from the real photos shipped in preservation/data.

``make_camera_corpus(dir, n=50, seed=20240601)`` writes ``n`` 12-megapixel (4032 x 3024) JPEGs
of 2-5 MB each, like a phone's or camera's: each is a real photo, randomly cropped, flipped and
colour-jittered, upscaled, with seeded film grain and fine detail noise so it compresses like a
real sensor image (not like a smooth upscale), and EXIF with a camera make and model, capture
time (with sub-seconds and offset), exposure, and GPS for phones. The same seed gives the same
bytes.

Usable as a script: ``python benchmarks/corpus.py OUT_DIR [-n 50] [--seed S]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps
from PIL.TiffImagePlugin import IFDRational

PHOTOS = Path(__file__).resolve().parent.parent / "preservation" / "data" / "photos"
WIDTH, HEIGHT = 4032, 3024
MIN_BYTES, MAX_BYTES = 2_000_000, 5_000_000

_CAMERAS = (
    ("Apple", "iPhone 12", True),
    ("samsung", "SM-G991B", True),
    ("Google", "Pixel 6", True),
    ("Canon", "Canon EOS R6", False),
    ("NIKON CORPORATION", "NIKON Z 6", False),
    ("SONY", "ILCE-7M3", False),
)


def source_photos() -> list[Image.Image]:
    return [Image.open(p).convert("RGB") for p in sorted(PHOTOS.glob("*.jpg"))]


def _exif(rng: np.random.Generator, when: dt.datetime, index: int) -> bytes:
    make, model, phone = _CAMERAS[int(rng.integers(len(_CAMERAS)))]
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = 1
    exif[0x0131] = "17.1" if phone else "Ver.1.00"
    exif[0x0132] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9004] = when.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = f"{int(rng.integers(1000)):03d}"
    sub[0x9011] = "+02:00"
    sub[0x829A] = IFDRational(1, int(rng.choice([30, 60, 125, 250, 1000])))
    sub[0x829D] = IFDRational(int(rng.choice([18, 28, 40, 56])), 10)
    sub[0x8827] = int(rng.choice([50, 100, 200, 400, 800]))
    sub[0x920A] = IFDRational(int(rng.integers(40, 850)), 10)
    sub[0xA420] = f"{index:08d}{int(rng.integers(1 << 30)):024x}"
    if phone:
        gps = exif.get_ifd(0x8825)
        lat, lon = 48 + float(rng.random()), 2 + float(rng.random())
        gps[1], gps[3] = "N", "E"
        for tag, value in ((2, lat), (4, lon)):
            deg = int(value)
            minutes = (value - deg) * 60
            gps[tag] = (
                IFDRational(deg, 1),
                IFDRational(int(minutes), 1),
                IFDRational(round((minutes - int(minutes)) * 60 * 100), 100),
            )
        gps[6] = IFDRational(int(rng.integers(0, 3000)), 10)
    return exif.tobytes()


def _picture(rng: np.random.Generator, photos: list[Image.Image]) -> np.ndarray:
    src = photos[int(rng.integers(len(photos)))]
    w, h = src.size
    frac = 0.6 + 0.4 * float(rng.random())
    cw, ch = max(8, int(w * frac)), max(8, int(h * frac))
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    im = src.crop((x, y, x + cw, y + ch))
    if rng.random() < 0.5:
        im = ImageOps.mirror(im)
    im = im.resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    arr = np.asarray(im, dtype=np.float32)
    gain = 1.0 + rng.uniform(-0.1, 0.1, size=3).astype(np.float32)
    arr = arr * gain + np.float32(rng.uniform(-12, 12))
    # Sensor-like noise: luminance grain plus a little chroma noise, then fine "detail".
    sigma = np.float32(rng.uniform(3.5, 6.5))
    grain = rng.standard_normal((HEIGHT, WIDTH, 1), dtype=np.float32) * sigma
    chroma = rng.standard_normal((HEIGHT, WIDTH, 3), dtype=np.float32) * (sigma / 3)
    arr += grain
    arr += chroma
    return np.clip(arr, 0, 255).astype(np.uint8)


def _encode(arr: np.ndarray, exif: bytes, quality: int) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=quality, exif=exif, subsampling=2)
    return buf.getvalue()


def make_camera_corpus(directory: str | Path, n: int = 50, seed: int = 20240601) -> list[Path]:
    """Write ``n`` camera-like 12 MP JPEGs to ``directory``; return their paths (sorted)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    photos = source_photos()
    when = dt.datetime(2021, 6, 1, 9, 0, 0)
    paths = []
    for i in range(n):
        when += dt.timedelta(seconds=int(rng.integers(1, 4000)))
        arr = _picture(rng, photos)
        exif = _exif(rng, when, i)
        quality = int(rng.integers(86, 94))
        data = _encode(arr, exif, quality)
        # Keep within a camera's 2-5 MB: adjust quality deterministically if needed.
        while len(data) > MAX_BYTES and quality > 60:
            quality -= 4
            data = _encode(arr, exif, quality)
        while len(data) < MIN_BYTES and quality < 98:
            quality += 2
            data = _encode(arr, exif, quality)
        path = out / f"IMG_{i + 1:04d}.JPG"
        path.write_bytes(data)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out")
    parser.add_argument("-n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    paths = make_camera_corpus(args.out, args.n, args.seed)
    sizes = [p.stat().st_size for p in paths]
    print(f"{len(paths)} files, {min(sizes) / 1e6:.2f}-{max(sizes) / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
