"""A labelled evaluation set of look-alike pairs, made from real photographs in code.

``build_pairs(seed, long_side)`` takes the real photos shipped in ``preservation/data/photos``
(or any given), makes a camera-like original of each (scaled to ``long_side``, sensor grain,
JPEG with camera EXIF) and derives labelled pairs from it:

* same-pixels: EXIF stripped or edited losslessly (JPEG segments rewritten, pixels untouched),
  PNG conversion, a PNG stored turned with an orientation tag;
* derivative: re-encodes (JPEG at lower quality, WebP, HEIC), resizes, a platform-style
  re-upload (smaller, recompressed, metadata stripped);
* edited: crops, exposure, white balance, contrast, black and white, a cloned-out patch, a
  watermark, a changed date stamp, a mirror image;
* burst: two shots 0.3-1 s apart (camera shake, a subject that moved, fresh sensor noise),
  exposure bracketing;
* similar: the same subject re-photographed later from another viewpoint with other exposure
  (with and without EXIF), and two different photographs.

Used by the tests (a small seeded set) and by ``benchmarks/bench_lookalike_eval.py``.
The ground truth is what was done, so a verdict is wrong exactly when it disagrees; a
*dangerous* mistake is one that calls the pair more alike than it is (see :func:`dangerous`).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont
from PIL.TiffImagePlugin import IFDRational

from preservation.vocabulary import Verdict

PHOTOS = Path(__file__).resolve().parents[1] / "data" / "photos"

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

_RANK = {Verdict.IDENTICAL: 0, Verdict.SAME_PIXELS: 1, Verdict.DERIVATIVE: 2,
         Verdict.EDITED: 3, Verdict.BURST: 3, Verdict.SIMILAR: 3}


def dangerous(truth: Verdict, predicted: Verdict) -> bool:
    """Calling a pair more alike than it is: the mistake that gets an original deleted."""
    return _RANK[predicted] < _RANK[truth]


@dataclass(slots=True)
class EvalFile:
    name: str
    data: bytes


@dataclass(slots=True)
class EvalPair:
    kind: str
    truth: Verdict
    a: EvalFile
    b: EvalFile
    note: str = ""


# --- building blocks --------------------------------------------------------------------------


def source_photos(paths: Iterable[Path] | None = None) -> list[Image.Image]:
    return [Image.open(p).convert("RGB") for p in (paths or sorted(PHOTOS.glob("*.jpg")))]


def camera_exif(*, make: str = "Canon", model: str = "Canon EOS R6",
                when: dt.datetime | None = None, subsec: str | None = None,
                software: str | None = "Firmware 1.2", orientation: int | None = 1,
                gps: tuple[float, float] | None = None, artist: str | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    if orientation is not None:
        exif[0x0112] = orientation
    if software:
        exif[0x0131] = software
    if artist:
        exif[0x013B] = artist
        exif[0x8298] = f"(c) {artist}"
    sub = exif.get_ifd(0x8769)
    if when is not None:
        stamp = when.strftime("%Y:%m:%d %H:%M:%S")
        exif[0x0132] = stamp
        sub[0x9003] = stamp
        sub[0x9004] = stamp
        if subsec is not None:
            sub[0x9291] = subsec
        sub[0x9011] = "+02:00"
    sub[0x829A] = IFDRational(1, 125)
    sub[0x829D] = IFDRational(28, 10)
    sub[0x8827] = 200
    if gps is not None:
        g = exif.get_ifd(0x8825)
        g[1], g[3] = ("N" if gps[0] >= 0 else "S"), ("E" if gps[1] >= 0 else "W")
        for tag, value in ((2, abs(gps[0])), (4, abs(gps[1]))):
            deg = int(value)
            minutes = (value - deg) * 60
            g[tag] = (IFDRational(deg, 1), IFDRational(int(minutes), 1),
                      IFDRational(round((minutes - int(minutes)) * 6000), 100))
    return exif.tobytes()


def encode(arr: U8 | Image.Image, fmt: str = "JPEG", *, quality: int = 92,
           exif: bytes | None = None) -> bytes:
    im = arr if isinstance(arr, Image.Image) else Image.fromarray(arr)
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        kwargs["exif"] = exif
    if fmt == "JPEG":
        kwargs.update(quality=quality, subsampling=2 if quality < 90 else 0)
    elif fmt in ("WEBP", "HEIF", "AVIF"):
        kwargs.update(quality=quality)
    if fmt == "HEIF":
        import pillow_heif

        pillow_heif.register_heif_opener()
    im.save(buf, fmt, **kwargs)
    return buf.getvalue()


def replace_jpeg_exif(data: bytes, exif: bytes | None) -> bytes:
    """The same JPEG with its EXIF segment replaced (or removed): entropy data untouched."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    inserted = exif is None
    while pos < len(data):
        if data[pos] != 0xFF:
            raise ValueError("bad JPEG segment")
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: the rest is image data
            if not inserted and exif is not None:
                out += _app1(exif)
            out += data[pos:]
            return bytes(out)
        length = int.from_bytes(data[pos + 2:pos + 4], "big")
        seg = data[pos:pos + 2 + length]
        is_exif = marker == 0xE1 and seg[4:10] == b"Exif\x00\x00"
        if not is_exif:
            if not inserted and exif is not None and marker != 0xE0:
                out += _app1(exif)
                inserted = True
            out += seg
        pos += 2 + length
    raise ValueError("no image data")


def _app1(exif: bytes) -> bytes:
    body = exif if exif.startswith(b"Exif\x00\x00") else b"Exif\x00\x00" + exif
    return b"\xff\xe1" + (len(body) + 2).to_bytes(2, "big") + body


def fit(im: Image.Image, long_side: int) -> Image.Image:
    w, h = im.size
    s = long_side / max(w, h)
    return im.resize((max(8, round(w * s)), max(8, round(h * s))), Image.Resampling.LANCZOS)


def _noise(rng: np.random.Generator, shape: tuple[int, ...], sigma: float) -> F32:
    grain = rng.standard_normal((*shape[:2], 1), dtype=np.float32) * sigma
    chroma = rng.standard_normal(shape, dtype=np.float32) * (sigma / 3)
    return (grain + chroma).astype(np.float32)


def _u8(a: npt.NDArray[Any]) -> U8:
    return np.clip(np.rint(a), 0, 255).astype(np.uint8)


def font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=max(8, size))
    except (TypeError, OSError):  # Pillow without FreeType: a fixed small bitmap font
        return ImageFont.load_default()


def shot(scene: Image.Image, frame: tuple[int, int], offset: tuple[float, float],
          rng: np.random.Generator, *, sigma: float, gain: float = 1.0,
          subject: tuple[Image.Image, tuple[int, int]] | None = None,
          angle: float = 0.0, zoom: float = 1.0) -> U8:
    """One exposure: the frame cut from a larger scene at ``offset``, a subject, sensor noise."""
    sw, sh = scene.size
    _fw, _fh = frame
    cw, ch = sw / 1.12 / zoom, sh / 1.12 / zoom
    cx, cy = sw / 2 + offset[0], sh / 2 + offset[1]
    view = scene
    if angle:
        view = scene.rotate(angle, resample=Image.Resampling.BICUBIC, center=(cx, cy))
    box = (cx - cw / 2, cy - ch / 2, cx + cw / 2, cy + ch / 2)
    im = view.resize(frame, Image.Resampling.LANCZOS, box=box)
    if subject is not None:
        patch, (px, py) = subject
        mask = Image.new("L", patch.size, 0)
        ImageDraw.Draw(mask).ellipse((0, 0, patch.size[0] - 1, patch.size[1] - 1), fill=255)
        im.paste(patch, (px, py), mask)
    arr = np.asarray(im, dtype=np.float32) * gain
    arr += _noise(rng, arr.shape, sigma)
    return _u8(arr)


# --- the pairs ----------------------------------------------------------------------------------


@dataclass(slots=True)
class _Ctx:
    rng: np.random.Generator
    photo: Image.Image
    other: Image.Image
    long_side: int
    index: int
    when: dt.datetime
    camera: tuple[str, str]
    scene: Image.Image = field(init=False)
    frame: tuple[int, int] = field(init=False)
    original: U8 = field(init=False)
    exif: bytes = field(init=False)
    jpeg: bytes = field(init=False)

    def __post_init__(self) -> None:
        fitted = fit(self.photo, self.long_side)
        self.frame = fitted.size
        self.scene = fitted.resize((round(self.frame[0] * 1.12), round(self.frame[1] * 1.12)),
                                   Image.Resampling.BICUBIC)
        self.original = shot(self.scene, self.frame, (0, 0), self.rng, sigma=3.5)
        self.exif = self.make_exif(self.when, "120")
        self.jpeg = encode(self.original, quality=93, exif=self.exif)

    def make_exif(self, when: dt.datetime | None, subsec: str | None, **kw: Any) -> bytes:
        return camera_exif(make=self.camera[0], model=self.camera[1], when=when, subsec=subsec,
                           gps=(48.85 + self.index / 100, 2.35), **kw)

    def decoded(self) -> Image.Image:
        return Image.open(io.BytesIO(self.jpeg)).convert("RGB")


def _name(ctx: _Ctx, kind: str, ext: str) -> str:
    return f"p{ctx.index}-{kind}.{ext}"


def _pair(ctx: _Ctx, kind: str, truth: Verdict, data_b: bytes, ext_b: str, *,
          data_a: bytes | None = None, note: str = "") -> EvalPair:
    return EvalPair(kind, truth, EvalFile(_name(ctx, kind, "orig.jpg"), data_a or ctx.jpeg),
                    EvalFile(_name(ctx, kind, ext_b), data_b), note)


def _same_pixels(ctx: _Ctx) -> list[EvalPair]:
    dec = ctx.decoded()
    rotated = dec.transpose(Image.Transpose.ROTATE_90)  # stored turned; tag 6 turns it back
    return [
        _pair(ctx, "exif-stripped", Verdict.SAME_PIXELS, replace_jpeg_exif(ctx.jpeg, None), "jpg"),
        _pair(ctx, "exif-edited", Verdict.SAME_PIXELS,
              replace_jpeg_exif(ctx.jpeg, ctx.make_exif(ctx.when, "120", artist="A. Person")), "jpg"),
        _pair(ctx, "png-conversion", Verdict.SAME_PIXELS, encode(dec, "PNG"), "png"),
        _pair(ctx, "orientation-rewrap", Verdict.SAME_PIXELS,
              encode(rotated, "PNG", exif=camera_exif(orientation=6)), "png"),
    ]


def _derivatives(ctx: _Ctx) -> list[EvalPair]:
    dec = ctx.decoded()
    w, h = dec.size
    half = dec.resize((w // 2, h // 2), Image.Resampling.LANCZOS)
    quarter = dec.resize((w // 4, h // 4), Image.Resampling.BICUBIC)
    upload = fit(dec, min(max(w, h), 1600) * 3 // 4)
    return [
        _pair(ctx, "re-encode-q75", Verdict.DERIVATIVE, encode(dec, quality=75, exif=ctx.exif), "jpg"),
        _pair(ctx, "re-encode-q50", Verdict.DERIVATIVE, encode(dec, quality=50), "jpg"),
        _pair(ctx, "resize-50", Verdict.DERIVATIVE, encode(half, quality=90, exif=ctx.exif), "jpg"),
        _pair(ctx, "resize-25-stripped", Verdict.DERIVATIVE, encode(quarter, quality=85), "jpg"),
        _pair(ctx, "platform-upload", Verdict.DERIVATIVE, encode(upload, quality=78), "jpg"),
        _pair(ctx, "webp", Verdict.DERIVATIVE, encode(dec, "WEBP", quality=80), "webp"),
        _pair(ctx, "heic", Verdict.DERIVATIVE, encode(dec, "HEIF", quality=70), "heic"),
    ]


def _edits(ctx: _Ctx) -> list[EvalPair]:
    rng = ctx.rng
    dec = ctx.decoded()
    arr = np.asarray(dec, dtype=np.float32)
    w, h = dec.size
    out: list[EvalPair] = []

    def jpeg(a: U8 | Image.Image, q: int = 92) -> bytes:
        return encode(a, quality=q, exif=ctx.exif)

    c = 0.1
    out.append(_pair(ctx, "crop-80", Verdict.EDITED,
                     jpeg(dec.crop((round(w * c), round(h * c), round(w * (1 - c)), round(h * (1 - c))))), "jpg"))
    x0, y0 = round(w * 0.05), round(h * 0.25)
    out.append(_pair(ctx, "crop-offcentre", Verdict.EDITED,
                     jpeg(dec.crop((x0, y0, x0 + round(w * 0.7), y0 + round(h * 0.7)))), "jpg"))
    out.append(_pair(ctx, "exposure-up", Verdict.EDITED, jpeg(_u8(arr * 1.35 + 4)), "jpg"))
    out.append(_pair(ctx, "exposure-down", Verdict.EDITED,
                     jpeg(_u8(255 * (arr / 255) ** 1.5)), "jpg"))
    out.append(_pair(ctx, "white-balance", Verdict.EDITED,
                     jpeg(_u8(arr * np.array([1.12, 1.0, 0.86], np.float32))), "jpg"))
    out.append(_pair(ctx, "contrast", Verdict.EDITED, jpeg(_u8((arr - 128) * 1.3 + 128)), "jpg"))
    if np.ptp(arr, axis=2).mean() > 2:  # a black-and-white source cannot lose its colour
        out.append(_pair(ctx, "grey", Verdict.EDITED, jpeg(dec.convert("L")), "jpg"))
    out.append(_pair(ctx, "mirror", Verdict.EDITED, jpeg(dec.transpose(Image.Transpose.FLIP_LEFT_RIGHT)), "jpg"))

    # clone stamp: a patch of the picture copied over another place (an object removed)
    pw, ph = max(12, round(w * 0.09)), max(10, round(h * 0.08))
    px, py = round(w * rng.uniform(0.08, 0.3)), round(h * rng.uniform(0.6, 0.8))
    sx = min(w - pw, px + pw + round(w * 0.1))
    cloned = dec.copy()
    cloned.paste(dec.crop((sx, py, sx + pw, py + ph)), (px, py))
    out.append(_pair(ctx, "retouch-clone", Verdict.EDITED, jpeg(cloned), "jpg",
                     note=f"{pw}x{ph} at {px},{py}"))

    # a small, soft retouch (a blemish or a small object smoothed away): blur strongly a small
    # area that shows something (the most detailed of a few random spots)
    from PIL import ImageFilter

    rw, rh = max(10, round(w * 0.05)), max(8, round(h * 0.05))
    grey = np.asarray(dec.convert("L"), np.float32)
    spots = [(round(w * rng.uniform(0.1, 0.85)), round(h * rng.uniform(0.1, 0.85))) for _ in range(12)]
    rx, ry = max(spots, key=lambda p: float(grey[p[1]:p[1] + rh, p[0]:p[0] + rw].std()))
    soft = dec.copy()
    soft.paste(dec.crop((rx, ry, rx + rw, ry + rh)).filter(ImageFilter.GaussianBlur(rw / 3)), (rx, ry))
    out.append(_pair(ctx, "retouch-blur", Verdict.EDITED, jpeg(soft), "jpg"))

    # a semi-transparent watermark
    wm = dec.convert("RGBA")
    layer = Image.new("RGBA", wm.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    size = max(10, h // 18)
    draw.text((round(w * 0.55), round(h * 0.88)), "(c) Studio Lumen 2024", font=font(size),
              fill=(255, 255, 255, 110))
    out.append(_pair(ctx, "watermark", Verdict.EDITED,
                     jpeg(Image.alpha_composite(wm, layer).convert("RGB")), "jpg"))

    # a date stamp burnt into the picture, one digit changed
    def stamped(text: str) -> bytes:
        im = dec.copy()
        ImageDraw.Draw(im).text((round(w * 0.72), round(h * 0.9)), text, font=font(max(10, h // 24)),
                                fill=(255, 150, 40))
        return jpeg(im, 93)

    out.append(_pair(ctx, "date-stamp", Verdict.EDITED, stamped("'19 7 21"), "jpg",
                     data_a=stamped("'19 6 21")))
    return out


def _bursts(ctx: _Ctx) -> list[EvalPair]:
    rng = ctx.rng
    fw, fh = ctx.frame
    out: list[EvalPair] = []
    patch = fit(ctx.other, max(16, fw // 6))
    for k, dt_s in enumerate((float(rng.uniform(0.3, 0.6)), float(rng.uniform(0.6, 1.0)))):
        shake = rng.uniform(-0.012, 0.012, size=2) * fw
        p1 = (round(fw * 0.45), round(fh * 0.4))
        p2 = (p1[0] + round(fw * rng.uniform(0.03, 0.07)), p1[1] + round(fh * rng.uniform(-0.02, 0.02)))
        s1 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5, subject=(patch, p1))
        s2 = shot(ctx.scene, ctx.frame, (float(shake[0]), float(shake[1])), rng, sigma=3.5,
                   gain=float(rng.uniform(0.98, 1.02)), subject=(patch, p2))
        t1 = ctx.when + dt.timedelta(seconds=10 + k)
        t2 = t1 + dt.timedelta(seconds=dt_s)
        e1 = ctx.make_exif(t1.replace(microsecond=0), f"{t1.microsecond // 1000:03d}")
        e2 = ctx.make_exif(t2.replace(microsecond=0), f"{t2.microsecond // 1000:03d}")
        out.append(_pair(ctx, f"burst-{k}", Verdict.BURST, encode(s2, quality=93, exif=e2), "jpg",
                         data_a=encode(s1, quality=93, exif=e1), note=f"{dt_s:.2f} s"))
    # exposure bracketing: same framing, 1/3 s apart, a stop brighter
    t1 = ctx.when + dt.timedelta(seconds=30)
    t2 = t1 + dt.timedelta(milliseconds=330)
    b1 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5)
    b2 = shot(ctx.scene, ctx.frame, (1.0, 0.5), rng, sigma=3.5, gain=1.4)
    out.append(_pair(ctx, "bracket", Verdict.BURST,
                     encode(b2, quality=93, exif=ctx.make_exif(t2.replace(microsecond=0), "330")),
                     "jpg", data_a=encode(b1, quality=93, exif=ctx.make_exif(t1, "000"))))
    # a burst whose copies lost their metadata (only the pixels can tell)
    s1 = shot(ctx.scene, ctx.frame, (0, 0), rng, sigma=3.5, subject=(patch, (fw // 3, fh // 3)))
    s2 = shot(ctx.scene, ctx.frame, (fw * 0.01, -fh * 0.006), rng, sigma=3.5,
               subject=(patch, (fw // 3 + fw // 20, fh // 3)))
    out.append(_pair(ctx, "burst-no-exif", Verdict.BURST, encode(s2, quality=90), "jpg",
                     data_a=encode(s1, quality=90)))
    return out


def _similar(ctx: _Ctx) -> list[EvalPair]:
    rng = ctx.rng
    later = ctx.when + dt.timedelta(minutes=int(rng.integers(12, 50)))
    other_view = shot(ctx.scene, ctx.frame, (ctx.frame[0] * 0.02, -ctx.frame[1] * 0.015), rng,
                       sigma=4.0, gain=0.85, angle=float(rng.uniform(2.0, 4.0)), zoom=1.08)
    out = [
        _pair(ctx, "reshoot", Verdict.SIMILAR,
              encode(other_view, quality=92, exif=ctx.make_exif(later, "500")), "jpg"),
        _pair(ctx, "reshoot-no-exif", Verdict.SIMILAR, encode(other_view, quality=92), "jpg",
              data_a=replace_jpeg_exif(ctx.jpeg, None)),
    ]
    other = fit(ctx.other, ctx.long_side)
    out.append(_pair(ctx, "different-photo", Verdict.SIMILAR,
                     encode(_u8(np.asarray(other, np.float32) + _noise(rng, (other.size[1], other.size[0], 3), 3.5)),
                            quality=92, exif=ctx.make_exif(later + dt.timedelta(days=3), "000")), "jpg"))
    return out


GROUPS: dict[str, Callable[[_Ctx], list[EvalPair]]] = {
    "same-pixels": _same_pixels,
    "derivative": _derivatives,
    "edited": _edits,
    "burst": _bursts,
    "similar": _similar,
}


def build_pairs(seed: int = 2024, long_side: int = 640, *, photos: Sequence[Image.Image] | None = None,
                groups: Iterable[str] | None = None) -> list[EvalPair]:
    """The labelled pairs for every photo (deterministic for a seed)."""
    rng = np.random.default_rng(seed)
    srcs = list(photos) if photos is not None else source_photos()
    cameras = [("Canon", "Canon EOS R6"), ("Apple", "iPhone 12"), ("NIKON CORPORATION", "NIKON Z 6"),
               ("Google", "Pixel 6"), ("SONY", "ILCE-7M3")]
    pairs: list[EvalPair] = []
    for i, photo in enumerate(srcs):
        ctx = _Ctx(rng, photo, srcs[(i + 1) % len(srcs)], long_side, i,
                   dt.datetime(2019, 6, 21, 10, 0, 0) + dt.timedelta(days=i), cameras[i % len(cameras)])
        for name in (groups or GROUPS):
            pairs.extend(GROUPS[name](ctx))
    return pairs


def write_pair(pair: EvalPair, directory: str | os.PathLike[str]) -> tuple[Path, Path]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    pa, pb = d / pair.a.name, d / pair.b.name
    pa.write_bytes(pair.a.data)
    pb.write_bytes(pair.b.data)
    return pa, pb


# --- running it -----------------------------------------------------------------------------------


@dataclass(slots=True)
class EvalResult:
    pair: EvalPair
    predicted: Verdict
    explanation: str
    distances: dict[str, int]
    seconds: float

    @property
    def correct(self) -> bool:
        return self.predicted == self.pair.truth

    @property
    def dangerous(self) -> bool:
        return dangerous(self.pair.truth, self.predicted)


def evaluate(pairs: Sequence[EvalPair], directory: str | os.PathLike[str]) -> list[EvalResult]:
    """Write each pair to ``directory``, fingerprint both files and compare them for real."""
    import time

    from preservation.analyse.lookalikes.pair import compare_files, hash_distances, meta_of_file

    out = []
    for pair in pairs:
        pa, pb = write_pair(pair, directory)
        t = time.perf_counter()
        ma, ha = meta_of_file(pa)
        mb, hb = meta_of_file(pb)
        dist = hash_distances(ha, hb)
        res = compare_files(pa, pb, meta_a=ma, meta_b=mb, distances=dist)
        out.append(EvalResult(pair, res.verdict, res.explanation, dist, time.perf_counter() - t))
    return out


def scores(results: Sequence[EvalResult]) -> dict[str, dict[str, float]]:
    """Per-verdict precision and recall (and support) over ``results``."""
    table: dict[str, dict[str, float]] = {}
    for v in Verdict:
        tp = sum(1 for r in results if r.predicted == v and r.pair.truth == v)
        pred = sum(1 for r in results if r.predicted == v)
        true = sum(1 for r in results if r.pair.truth == v)
        table[str(v)] = {"precision": tp / pred if pred else float("nan"),
                         "recall": tp / true if true else float("nan"),
                         "support": float(true), "predicted": float(pred)}
    return table
