"""The evidence for one look-alike pair: bytes, pixels, geometry, differences, metadata.

Computed only for candidate pairs. Everything here is measured, never guessed: the verdict
(:mod:`.verdict`) and the sentence (:mod:`.explain`) are derived from this record alone, so a
cached record reproduces them exactly. :data:`EVIDENCE_VERSION` changes whenever a measurement
changes meaning; cached evidence of another version is recomputed.

Conventions: ``a`` is the reference (the likely original, when the caller knows it), ``b`` the
other file. Sizes are as displayed (after EXIF orientation), in each file's full-resolution
pixels. Regions of change are in ``a``'s pixels.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image

from preservation.fingerprint.exif import camera_label

from . import imaging
from .imaging import F32

EVIDENCE_VERSION = 2  # 2: tone curve fitted both ways (verdicts independent of pair order)

#: Longest side at which aligned pictures are compared (larger ones are reduced).
COMPARE_SIDE = 1024
#: Luminance spread (levels) below which a picture is nearly blank.
FLAT_STD = 4.0
#: Above this NCC a placement counts as "the same picture content".
ALIGN_MIN = 0.80


# --- inputs ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Meta:
    """What is known about one content without decoding it (catalog row or fingerprint)."""

    sha256: str | None = None
    size: int | None = None
    format: str | None = None
    width: int | None = None  # as stored, before orientation
    height: int | None = None
    orientation: int | None = None
    mode: str | None = None
    capture_time: str | None = None
    camera_make: str | None = None
    camera_model: str | None = None
    exif: dict[str, Any] = field(default_factory=dict)
    first_seen: str | None = None

    @property
    def display_size(self) -> tuple[int, int] | None:
        if not self.width or not self.height:
            return None
        if self.orientation in (5, 6, 7, 8):
            return self.height, self.width
        return self.width, self.height


@dataclass(slots=True)
class Decoded:
    """Decoded pixels, EXIF orientation applied; possibly reduced (then ``full_size`` says)."""

    image: Image.Image
    full_size: tuple[int, int]  # displayed size at full resolution
    reduced: bool = False


# --- the record -----------------------------------------------------------------------------


@dataclass(slots=True)
class Side:
    width: int | None = None
    height: int | None = None
    format: str | None = None
    mode: str | None = None
    bytes: int | None = None
    grey: bool | None = None
    flat: bool | None = None  # nearly blank: a black frame, an empty page


@dataclass(slots=True)
class Geometry:
    # same-frame | resized | cropped | shifted | stretched | unaligned
    relation: str = "unaligned"
    transform: str = "none"  # of b to match a: rotate-90/180/270, mirror, flip, transpose...
    scale: float | None = None  # b's pixels per a pixel over the matching area
    crop: dict[str, Any] | None = None  # {"of": "a"|"b", "x", "y", "width", "height", "share"}
    shift: list[float] | None = None  # content moved by (dx, dy) in a's pixels
    match: float = 0.0  # normalised cross-correlation of the aligned pictures
    # how far parts of the picture are out of place after the best alignment (a's pixels):
    # large when the viewpoint differs (another photograph), ~0 for crops, resizes, edits
    warp: float = 0.0


@dataclass(slots=True)
class Difference:
    compared_at: list[int] = field(default_factory=list)  # width, height of the comparison
    psnr: float = 0.0  # dB, 99 = equal
    ssim: float = 0.0
    mean_abs: float = 0.0  # mean absolute difference, levels of 255
    tone_shift: float = 0.0  # mean |f(x) - x| of the best global tone/colour curve
    brightness: float = 0.0  # mean luminance of b minus a, levels
    contrast: float = 1.0  # luminance spread of b / a
    channel_shift: list[float] = field(default_factory=list)  # mean R, G, B of b minus a
    psnr_after_tone: float = 0.0
    noise: float = 0.0  # robust level of the residual after the tone curve
    changed_share: float = 0.0  # share of pixels changed beyond noise
    spread: float = 0.0  # share of a 4 x 4 grid's cells the change reaches
    pattern: str = "none"  # none | noise | concentrated | widespread
    regions: list[dict[str, int]] = field(default_factory=list)  # in a's pixels, largest first


@dataclass(slots=True)
class MetaDelta:
    capture_a: str | None = None
    capture_b: str | None = None
    seconds_apart: float | None = None  # None when either is unknown
    time_precision: float = 1.0  # seconds: 0.001.. with sub-seconds on both sides
    clock_shift: bool = False  # apart by whole quarter hours (time zone?) with equal sub-seconds
    camera_a: str | None = None
    camera_b: str | None = None
    same_camera: bool | None = None  # None when either is unknown
    differences: dict[str, dict[str, Any]] = field(default_factory=dict)
    lost_in_b: list[str] = field(default_factory=list)  # kinds of metadata a has and b lacks
    lost_in_a: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Evidence:
    version: int = EVIDENCE_VERSION
    hash_distances: dict[str, int] = field(default_factory=dict)
    bytes_equal: bool = False
    pixels_equal: bool | None = None  # None: could not decode both
    decoded: bool = False
    problem: str | None = None  # why pixels could not be compared
    a: Side = field(default_factory=Side)
    b: Side = field(default_factory=Side)
    geometry: Geometry = field(default_factory=Geometry)
    difference: Difference | None = None
    metadata: MetaDelta = field(default_factory=MetaDelta)

    def to_json(self) -> dict[str, Any]:
        return _clean(asdict(self))

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Evidence:
        diff = d.get("difference")
        return cls(
            version=int(d.get("version", 0)),
            hash_distances=dict(d.get("hash_distances") or {}),
            bytes_equal=bool(d.get("bytes_equal")),
            pixels_equal=d.get("pixels_equal"),
            decoded=bool(d.get("decoded")),
            problem=d.get("problem"),
            a=Side(**d.get("a", {})),
            b=Side(**d.get("b", {})),
            geometry=Geometry(**d.get("geometry", {})),
            difference=Difference(**diff) if diff else None,
            metadata=MetaDelta(**d.get("metadata", {})),
        )


def _clean(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, float | np.floating):
        f = float(v)
        return round(f, 4) if math.isfinite(f) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


# --- metadata ---------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?([+-]\d{2}:\d{2}|Z)?$")


def parse_capture(value: str | None) -> tuple[datetime, int | None] | None:
    """(local wall-clock time, sub-second digits or None) from an ISO capture time."""
    if not value:
        return None
    m = _ISO.match(value.strip())
    if not m:
        return None
    try:
        t = datetime.fromisoformat(m[1])
    except ValueError:
        return None
    digits = len(m[2]) if m[2] else None
    if m[2]:
        t += timedelta(microseconds=round(int(m[2]) / 10 ** len(m[2]) * 1e6))
    return t, digits


def _camera(m: Meta) -> str | None:
    return camera_label(m.camera_make or m.exif.get("Make"), m.camera_model or m.exif.get("Model"))


# kinds of metadata a person cares about losing, and the EXIF fields that carry them
_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("capture date", ("DateTimeOriginal",)),
    ("camera model", ("Make", "Model")),
    ("GPS location", ("GPSLatitude",)),
    ("camera settings", ("ExposureTime", "FNumber", "ISO", "FocalLength")),
    ("author and copyright", ("Artist", "Copyright")),
)
_COMPARED = ("DateTimeOriginal", "SubSecTimeOriginal", "OffsetTimeOriginal", "Make", "Model",
             "Software", "Orientation", "GPSLatitude", "GPSLongitude", "LensModel",
             "ExposureTime", "FNumber", "ISO", "FocalLength", "Artist", "Copyright",
             "ImageUniqueID", "BodySerialNumber")


def _has(m: Meta, key: str) -> bool:
    if key == "DateTimeOriginal":
        return bool(m.capture_time or m.exif.get(key))
    if key in ("Make", "Model"):
        return bool(_camera(m))
    return m.exif.get(key) not in (None, "")


def compare_metadata(a: Meta, b: Meta) -> MetaDelta:
    d = MetaDelta(capture_a=a.capture_time, capture_b=b.capture_time,
                  camera_a=_camera(a), camera_b=_camera(b))
    ta, tb = parse_capture(a.capture_time), parse_capture(b.capture_time)
    if ta and tb:
        if ta[1] and tb[1]:
            d.time_precision = 10.0 ** -min(ta[1], tb[1])
            delta = abs((tb[0] - ta[0]).total_seconds())
        else:  # compare whole seconds only
            delta = abs((tb[0].replace(microsecond=0) - ta[0].replace(microsecond=0)).total_seconds())
        d.seconds_apart = round(delta, 6)
        subsec_same = (ta[0].microsecond == tb[0].microsecond) or not (ta[1] and tb[1])
        d.clock_shift = delta >= 900 and delta % 900 == 0 and subsec_same
    if d.camera_a and d.camera_b:
        d.same_camera = d.camera_a.lower() == d.camera_b.lower()
    for key in _COMPARED:
        va, vb = a.exif.get(key), b.exif.get(key)
        if key == "Orientation":
            va, vb = a.orientation or va, b.orientation or vb
        if va != vb and not (va in (None, "") and vb in (None, "")):
            d.differences[key] = {"a": va, "b": vb}
    for kind, keys in _KINDS:
        ha, hb = any(_has(a, k) for k in keys), any(_has(b, k) for k in keys)
        if ha and not hb:
            d.lost_in_b.append(kind)
        elif hb and not ha:
            d.lost_in_a.append(kind)
    return d


# --- pixels ------------------------------------------------------------------------------------

_EIGHT_BIT = frozenset({"1", "L", "P", "RGB", "RGBA", "LA", "PA", "RGBX"})


def pixels_equal(a: Image.Image, b: Image.Image) -> bool:
    """Exactly the same decoded values (in a lossless common form), at full resolution."""
    if a.size != b.size:
        return False
    if a.mode == b.mode:
        return bool(np.array_equal(np.asarray(a), np.asarray(b)))
    if a.mode in _EIGHT_BIT and b.mode in _EIGHT_BIT:
        return bool(np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA"))))
    return False


_DIHEDRAL: tuple[tuple[str, Image.Transpose | None], ...] = (
    ("none", None),
    ("rotate-90", Image.Transpose.ROTATE_90),
    ("rotate-180", Image.Transpose.ROTATE_180),
    ("rotate-270", Image.Transpose.ROTATE_270),
    ("mirror", Image.Transpose.FLIP_LEFT_RIGHT),
    ("flip", Image.Transpose.FLIP_TOP_BOTTOM),
    ("transpose", Image.Transpose.TRANSPOSE),
    ("transverse", Image.Transpose.TRANSVERSE),
)


def _orientation_fix(a: Image.Image, b: Image.Image) -> tuple[str, Image.Transpose | None]:
    """Whether b is a rotated or mirrored a (judged on tiny square thumbnails)."""
    ta = imaging.to_array(a.convert("L").resize((48, 48), Image.Resampling.BOX))
    tb0 = b.convert("L").resize((48, 48), Image.Resampling.BOX)
    scores = []
    for name, op in _DIHEDRAL:
        tb = imaging.to_array(tb0.transpose(op) if op is not None else tb0)
        scores.append((imaging.ncc(ta, tb), name, op))
    base = scores[0][0]
    best = max(scores, key=lambda s: s[0])
    if best[1] != "none" and best[0] > 0.8 and best[0] > base + 0.15:
        return best[1], best[2]
    return "none", None


@dataclass(slots=True)
class _Aligned:
    a: F32
    b: F32
    geometry: Geometry
    a_origin: tuple[float, float]  # a's full-res pixel of the aligned arrays' (0, 0)
    a_scale: float  # a's full-res pixels per aligned pixel
    # for crops: redo the alignment with a (scale error, tx, ty) correction
    refine: Callable[[tuple[float, float, float] | None], _Aligned | None] | None = None


def _aspect_close(sa: tuple[int, int], sb: tuple[int, int]) -> bool:
    ra, rb = sa[0] / sa[1], sb[0] / sb[1]
    # rounding when resizing: one pixel on the short side
    tol = max(0.01, 1.5 / min(sa[1], sb[1], sa[0], sb[0]))
    return abs(ra / rb - 1) <= tol


def _compare_size(sa: tuple[int, int], sb: tuple[int, int]) -> tuple[int, int]:
    """Common comparison size: the smaller picture's, capped; when one picture must be resampled
    and the other not, both are resampled (x0.8) so that their filters' traces match."""
    w, h = min(sa[0], sb[0]), min(sa[1], sb[1])
    if sa != sb and max(w, h) <= COMPARE_SIDE:
        w, h = max(8, round(w * 0.8)), max(8, round(h * 0.8))
    return imaging.fit_long_side((w, h), COMPARE_SIDE)


def _crop_aligned(big: Image.Image, small: Image.Image, pl: imaging.Placement) -> tuple[F32, F32]:
    region = big.crop((max(0, round(pl.x)), max(0, round(pl.y)),
                       min(big.size[0], round(pl.x + pl.width)), min(big.size[1], round(pl.y + pl.height))))
    size = _compare_size(region.size, small.size)
    return (imaging.to_array(imaging.resize(imaging.rgb8(region), size)),
            imaging.to_array(imaging.resize(imaging.rgb8(small), size)))


def _crop_result(geo: Geometry, which: str, big_im: Image.Image, small_im: Image.Image,
                 pl: imaging.Placement, fa: tuple[int, int], fb: tuple[int, int],
                 kbig: float) -> _Aligned:
    """Aligned arrays for "small_im shows region ``pl`` of big_im" (working pixels)."""
    x, y, w, h = pl.x * kbig, pl.y * kbig, pl.width * kbig, pl.height * kbig
    bw, bh = big_im.size
    geo.crop = {"of": which, "x": round(x), "y": round(y), "width": round(w),
                "height": round(h), "share": round((pl.width / bw) * (pl.height / bh), 4)}
    region_arr, small_arr = _crop_aligned(big_im, small_im, pl)
    geo.match = imaging.ncc(*(_smooth_lum(v) for v in (region_arr, small_arr)))

    def refine(fit: tuple[float, float, float] | None) -> _Aligned | None:
        if fit is None:
            return None
        e, tx, ty = fit
        k = pl.width / region_arr.shape[1]  # working pixels per compare pixel
        cw, ch = region_arr.shape[1] / 2, region_arr.shape[0] / 2
        nx = pl.x + k * (cw - cw * (1 + e) + tx)
        ny = pl.y + k * (ch - ch * (1 + e) + ty)
        new = imaging.Placement(nx, ny, pl.width * (1 + e), pl.height * (1 + e), pl.score)
        if nx < -1 or ny < -1 or nx + new.width > bw + 1 or ny + new.height > bh + 1:
            return None
        out = _crop_result(Geometry(relation=geo.relation, transform=geo.transform), which,
                           big_im, small_im, new, fa, fb, kbig)
        out.refine = None
        return out if out.geometry.match >= geo.match - 0.002 else None

    if which == "a":
        geo.scale = fb[0] / w
        return _Aligned(region_arr, small_arr, geo, (x, y), w / region_arr.shape[1], refine)
    geo.scale = w / fa[0]
    return _Aligned(small_arr, region_arr, geo, (0.0, 0.0), fa[0] / small_arr.shape[1], refine)


def _align(ia: Image.Image, ib: Image.Image, fa: tuple[int, int], fb: tuple[int, int]) -> _Aligned:
    """Find how b's picture sits on a's and return both aligned at a common scale.

    Then check the alignment part by part: after a crop, resize or edit every part of the
    picture is where the alignment puts it; from another viewpoint (a photograph taken again,
    a slight turn of the camera) parts are out of place by different amounts.
    """
    al = _align_whole(ia, ib, fa, fb)
    g = al.geometry
    if g.relation in ("unaligned",) or g.transform != "none":
        return al
    if al.refine is not None:  # a crop: correct the placement's scale and offset sub-pixel
        al = al.refine(_tile_fit(al)) or al
        g = al.geometry
    shifts = imaging.tile_shifts(_smooth_lum(al.a), _smooth_lum(al.b))
    if len(shifts) >= 3:
        mx = float(np.median([s[2] for s in shifts]))
        my = float(np.median([s[3] for s in shifts]))
        dev = sorted((float(np.hypot(dx - mx, dy - my)) for _x, _y, dx, dy in shifts), reverse=True)
        off = sum(1 for d in dev if d > 2.0)
        g.warp = round(dev[min(2, len(dev) - 1)] * al.a_scale, 1)  # one moving subject aside
        if off >= 3 and off * 3 >= len(shifts):
            g.relation = "unaligned"
    return al


def _tile_fit(al: _Aligned) -> tuple[float, float, float] | None:
    """(scale error, tx, ty) so that b's pixel p shows a's content at c + (p - c)(1 + e) + t."""
    shifts = imaging.tile_shifts(_smooth_lum(al.a), _smooth_lum(al.b))
    if len(shifts) < 4:
        return None
    h, w = al.a.shape[:2]
    cx, cy = w / 2, h / 2
    xs = np.array([(x - cx) for x, _y, _dx, _dy in shifts] + [(y - cy) for _x, y, _dx, _dy in shifts])
    ds = np.array([dx for _x, _y, dx, _dy in shifts] + [dy for _x, _y, _dx, dy in shifts])
    n = len(shifts)
    design = np.zeros((2 * n, 3))
    design[:, 0] = -xs
    design[:n, 1] = -1.0
    design[n:, 2] = -1.0
    sol, *_ = np.linalg.lstsq(design, ds, rcond=None)
    e, tx, ty = (float(v) for v in sol)
    if abs(e) > 0.05 or abs(tx) > 0.05 * w or abs(ty) > 0.05 * h:
        return None
    return e, tx, ty


def _align_whole(ia: Image.Image, ib: Image.Image, fa: tuple[int, int],
                 fb: tuple[int, int]) -> _Aligned:
    geo = Geometry()
    # work on box-reduced copies (exact averages; a 12 MP photo becomes ~1.5k pixels wide)
    ia = imaging.reduce_to(ia, 2 * COMPARE_SIDE)
    ib = imaging.reduce_to(ib, 2 * COMPARE_SIDE)
    transform, op = _orientation_fix(ia, ib)
    if op is not None:
        ib = ib.transpose(op)
        if op in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270,
                  Image.Transpose.TRANSPOSE, Image.Transpose.TRANSVERSE):
            fb = (fb[1], fb[0])
    geo.transform = transform
    ka, kb = fa[0] / ia.size[0], fb[0] / ib.size[0]  # full-res pixels per working pixel

    coarse = 160
    ga, gb = imaging.grey_small(ia, coarse), imaging.grey_small(ib, coarse)
    same_aspect = _aspect_close(fa, fb)
    gb_full = imaging.to_array(imaging.resize(ib, (ga.shape[1], ga.shape[0])).convert("L"))
    full_score = imaging.ncc(ga, gb_full)

    best_crop: tuple[str, imaging.Placement] | None = None
    if not (same_aspect and full_score >= 0.985):
        # b shown inside a (b is a crop of a), or a inside b
        sb = imaging.reduce_to(ib, 2 * coarse)
        sa = imaging.reduce_to(ia, 2 * coarse)
        for which, pl in (("a", imaging.find_inside(ga, sb)), ("b", imaging.find_inside(gb, sa))):
            if pl is not None and (best_crop is None or pl.score > best_crop[1].score):
                best_crop = (which, pl)

    full_frame = same_aspect and (best_crop is None or full_score >= best_crop[1].score - 0.01)
    if not full_frame and best_crop is not None:
        which, pl = best_crop
        big_im, small_im = (ia, ib) if which == "a" else (ib, ia)
        k = big_im.size[0] / (ga if which == "a" else gb).shape[1]
        guess = imaging.Placement(pl.x * k, pl.y * k, pl.width * k, pl.height * k, pl.score)
        pl = imaging.refine_inside(big_im, imaging.reduce_to(small_im, COMPARE_SIDE), guess)
        bw, bh = big_im.size
        covers = (pl.width / bw) * (pl.height / bh)
        if same_aspect and pl.width >= 0.99 * bw and pl.height >= 0.99 * bh:
            full_frame = True
        else:
            kbig = ka if which == "a" else kb
            x, y, w, h = pl.x * kbig, pl.y * kbig, pl.width * kbig, pl.height * kbig
            geo.relation = "cropped" if pl.score >= ALIGN_MIN else "unaligned"
            geo.crop = {"of": which, "x": round(x), "y": round(y), "width": round(w),
                        "height": round(h), "share": round(covers, 4)}
            return _crop_result(geo, which, big_im, small_im, pl, fa, fb, kbig)

    # the whole frame of one is the whole frame of the other (possibly resized or stretched)
    size = _compare_size(ia.size, ib.size)
    arr_a = imaging.to_array(imaging.resize(imaging.rgb8(ia), size))
    arr_b = imaging.to_array(imaging.resize(imaging.rgb8(ib), size))
    geo.scale = fb[0] / fa[0]
    geo.match = imaging.ncc(_smooth_lum(arr_a), _smooth_lum(arr_b))
    origin, scale = (0.0, 0.0), fa[0] / size[0]
    if not same_aspect:
        geo.relation = "stretched"
    elif fa == fb:
        geo.relation = "same-frame"
    else:
        geo.relation = "resized"
    # the camera moved between shots: same frame, content shifted
    if same_aspect and geo.transform == "none":
        la, lb = _smooth_lum(arr_a), _smooth_lum(arr_b)
        dx, dy, peak = imaging.phase_shift(la, lb)
        geo_peak = peak
        h, w = la.shape
        ix, iy = round(dx), round(dy)
        if (ix or iy) and abs(ix) < w // 4 and abs(iy) < h // 4 and geo_peak > 0.02:
            xa0, ya0 = max(0, -ix), max(0, -iy)
            xb0, yb0 = max(0, ix), max(0, iy)
            ww, hh = w - abs(ix), h - abs(iy)
            shifted_a = arr_a[ya0:ya0 + hh, xa0:xa0 + ww]
            shifted_b = arr_b[yb0:yb0 + hh, xb0:xb0 + ww]
            m2 = imaging.ncc(_smooth_lum(shifted_a), _smooth_lum(shifted_b))
            if m2 > geo.match + 0.005:
                geo.relation = "shifted"
                geo.shift = [round(dx * scale, 1), round(dy * scale, 1)]
                geo.match = m2
                arr_a, arr_b = shifted_a, shifted_b
                origin = (xa0 * scale, ya0 * scale)
    if geo.match < ALIGN_MIN:
        geo.relation = "unaligned"
    return _Aligned(arr_a, arr_b, geo, origin, scale)


_SMOOTH: list[tuple[F32, F32]] = []


def _smooth_lum(rgb: F32) -> F32:
    """Luminance without sensor grain: what the picture shows, not its noise (memoised)."""
    from scipy import ndimage

    for src, out in _SMOOTH:
        if src is rgb:
            return out
    lum = imaging.luminance(rgb).astype(np.float32)
    res: F32 = ndimage.gaussian_filter(lum, max(1.0, max(lum.shape) / 400))
    _SMOOTH.insert(0, (rgb, res))
    del _SMOOTH[6:]
    return res


def _best_tone_fit(a: F32, b: F32) -> tuple[F32, F32, float, float]:
    """(target, the other mapped onto it, mean curve shift, PSNR after mapping), best direction."""
    fits = []
    for src, dst in ((a, b), (b, a)):
        mapped, shift = imaging.tone_map(src, dst)
        fits.append((imaging.psnr(mapped, dst), dst, mapped, shift))
    fit_psnr, dst, mapped, shift = max(fits, key=lambda f: f[0])
    return dst, mapped, shift, fit_psnr


def _difference(al: _Aligned, grey: bool) -> Difference:
    a, b = al.a, al.b
    if grey:  # one of them has no colour: compare what both have
        a, b = imaging.luminance(a), imaging.luminance(b)
    la, lb = imaging.luminance(a), imaging.luminance(b)
    d = Difference(compared_at=[int(a.shape[1]), int(a.shape[0])])
    d.psnr = imaging.psnr(a, b)
    d.ssim = imaging.ssim(la, lb)
    d.mean_abs = float(np.mean(np.abs(a - b)))
    d.brightness = float(lb.mean() - la.mean())
    d.contrast = float(lb.std() / max(la.std(), 1e-6))
    if a.ndim == 3:
        d.channel_shift = [round(float(b[..., c].mean() - a[..., c].mean()), 2) for c in range(3)]
    # The tone curve is fitted in both directions and the better fit is kept: a curve that
    # clips (brightened highlights blown out) maps the original onto the edit, but no curve
    # maps the clipped edit back. Choosing the better direction makes the evidence, and so the
    # verdict, the same whichever file is named first.
    target, mapped, d.tone_shift, d.psnr_after_tone = _best_tone_fit(a, b)
    # resampling (a resize, a crop's rescale) errs more on fine lines than compression does
    resampled = al.geometry.relation != "same-frame" and abs((al.geometry.scale or 1) - 1) > 0.01
    cm = imaging.change_map(target, mapped, k_edge=0.6 if resampled else 0.3)
    d.noise = cm.noise
    d.changed_share = cm.share
    d.spread = cm.cells
    if cm.share == 0.0:
        d.pattern = "noise" if d.psnr_after_tone < 60 else "none"
    elif cm.share < 0.10 and cm.cells <= 0.5:
        d.pattern = "concentrated"
    else:
        d.pattern = "widespread"
    ox, oy = al.a_origin
    for x, y, w, h in cm.boxes[:5]:
        d.regions.append({"x": round(ox + x * al.a_scale), "y": round(oy + y * al.a_scale),
                          "width": max(1, round(w * al.a_scale)),
                          "height": max(1, round(h * al.a_scale))})
    return d


def compare_pixels(ev: Evidence, da: Decoded, db: Decoded) -> None:
    """Fill the pixel part of ``ev`` from two decoded, oriented pictures."""
    ev.decoded = True
    ev.a.width, ev.a.height = da.full_size
    ev.b.width, ev.b.height = db.full_size
    if da.full_size != db.full_size:
        ev.pixels_equal = False
    elif da.reduced or db.reduced:
        ev.pixels_equal = None  # only reduced pixels (a developed RAW): equality unknowable
    else:
        ev.pixels_equal = pixels_equal(da.image, db.image)
    if ev.pixels_equal:
        ev.geometry = Geometry(relation="same-frame", scale=1.0, match=1.0)
        ev.a.grey = ev.b.grey = imaging.is_grey(imaging.to_array(imaging.rgb8(
            imaging.resize(da.image, imaging.fit_long_side(da.image.size, 256)))))
        return
    al = _align(da.image, db.image, da.full_size, db.full_size)
    ev.geometry = al.geometry
    ev.a.grey = imaging.is_grey(al.a)
    ev.b.grey = imaging.is_grey(al.b)
    ev.a.flat = bool(_smooth_lum(al.a).std() < FLAT_STD)
    ev.b.flat = bool(_smooth_lum(al.b).std() < FLAT_STD)
    ev.difference = _difference(al, bool(ev.a.grey or ev.b.grey))


def describe_side(side: Side, meta: Meta) -> None:
    side.format = meta.format
    side.mode = meta.mode
    side.bytes = meta.size
    if side.width is None and meta.display_size:
        side.width, side.height = meta.display_size


def compare(meta_a: Meta, meta_b: Meta, da: Decoded | None, db: Decoded | None, *,
            hash_distances: dict[str, int] | None = None, problem: str | None = None) -> Evidence:
    """All the evidence for one pair. ``da``/``db`` None: the pixels could not be had."""
    ev = Evidence(hash_distances=dict(hash_distances or {}))
    ev.bytes_equal = bool(meta_a.sha256 and meta_a.sha256 == meta_b.sha256)
    ev.metadata = compare_metadata(meta_a, meta_b)
    if ev.bytes_equal:
        ev.pixels_equal = True
    elif da is not None and db is not None:
        try:
            compare_pixels(ev, da, db)
        except (OSError, ValueError, MemoryError) as exc:
            ev.problem = f"the pictures could not be compared ({type(exc).__name__}: {exc})"
    else:
        ev.problem = problem or "one of the pictures could not be decoded"
    describe_side(ev.a, meta_a)
    describe_side(ev.b, meta_b)
    return ev
