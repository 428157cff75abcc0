"""Proving a derivative: make the second file from the first, and look for what is left.

"Nothing in it was changed" is a claim about every pixel, so it is proven, not estimated:

1. **Reproduce.** The operation the files suggest is done again: the source is resized to the
   other file's size (the resampling filter that fits best), and stored as that file is stored
   (JPEG: with the quantisation tables and chroma subsampling read from the file itself;
   a lossless format: rounded to 8 bits; WebP/HEIF/AVIF: at the encoder quality that fits a
   sample best). A file made that way is reproduced almost exactly; a file made from a
   filtered, denoised or retouched source is not.
2. **Compare at full resolution.** The residual between the file and its reproduction is
   measured in small overlapping windows (8 pixels: a dust spot of 10 x 10 pixels at 12 MP
   fills one) against the residual's own level in windows of the same texture elsewhere in
   the picture. A window far above it is a local change.
3. **Characterise what is left** when the reproduction fails everywhere: more fine detail
   than the reproduction (grain or noise added), less (denoise, blur), the detail of edges
   strengthened (sharpen) or weakened (blur), a darkening that grows towards the corners
   (vignette), and whether the fine grain of the two files is the same grain (one exposure)
   or independent (two exposures: a burst).

Everything is measured on the decoded pixels the evidence step already holds; nothing is
written anywhere but in memory.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage

from .imaging import F32

#: Window (pixels, at the compared file's full resolution) of the local search.
WINDOW = 8
#: A reproduction residual this small (RMS levels) or this small a share of what the operation
#: itself changes is "at the level of the reproduction".
RESIDUAL_FLOOR = 0.9
RESIDUAL_RATIO = 0.35
#: Local change: a window whose residual exceeds the level of windows of like texture by this
#: many robust deviations, and by at least ``LOCAL_MIN`` levels.
LOCAL_K = 8.0
LOCAL_MIN = 1.5
LOCAL_OP = 2.0
LOCAL_PEAK = 1.25  # a change's strongest window is at least this far over the bar


@dataclass(frozen=True, slots=True)
class Codec:
    """How a file stores its pixels, as read from the file (not guessed from its name)."""

    format: str  # Pillow's format name: JPEG, PNG, WEBP, HEIF...
    qtables: tuple[tuple[int, ...], ...] | None = None  # JPEG quantisation tables
    subsampling: int | None = None  # JPEG: 0 = 4:4:4, 1 = 4:2:2, 2 = 4:2:0
    orientation: int | None = None  # EXIF orientation applied after decoding
    lossless: bool = False

    @property
    def quality(self) -> int | None:
        """The IJG quality whose scaled standard luminance table is nearest the file's."""
        if not self.qtables:
            return None
        return estimate_quality(self.qtables[0])


LOSSLESS_FORMATS = frozenset({"PNG", "TIFF", "BMP", "GIF", "PPM", "TGA", "QOI"})
_SUBSAMPLING_NAMES = {0: "4:4:4", 1: "4:2:2", 2: "4:2:0"}

# IJG standard luminance table (natural order), for quality estimates
_STD_LUMA = np.array([
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99], dtype=np.float64)


def _scaled(q: int) -> npt.NDArray[np.float64]:
    s = 5000 / q if q < 50 else 200 - 2 * q
    return np.clip(np.floor((_STD_LUMA * s + 50) / 100), 1, 255)


def estimate_quality(table: tuple[int, ...]) -> int:
    t = np.array(sorted(table), dtype=np.float64)
    best = min(range(1, 101), key=lambda q: float(np.abs(np.sort(_scaled(q)) - t).sum()))
    return best


def codec_of(im: Image.Image, orientation: int | None) -> Codec:
    """The storage of an opened (Pillow) image."""
    fmt = (im.format or "").upper()
    if fmt in ("JPEG", "MPO"):
        from PIL import JpegImagePlugin

        q = getattr(im, "quantization", None) or {}
        tables = tuple(tuple(int(v) for v in q[k]) for k in sorted(q)) or None
        sampling = JpegImagePlugin.get_sampling(im) if im.mode != "L" else 0
        return Codec("JPEG", tables, sampling if sampling in (0, 1, 2) else None, orientation)
    return Codec(fmt, orientation=orientation, lossless=fmt in LOSSLESS_FORMATS)


# --- the record ------------------------------------------------------------------------------


@dataclass(slots=True)
class Reproduction:
    """How well one file is made again from the other, and what is left (see module doc)."""

    source: str = "a"  # the file the other was reproduced from: "a" or "b"
    operation: list[str] = field(default_factory=list)  # resize, re-encode, convert
    filter: str | None = None  # resampling filter that fitted best
    quality: int | None = None  # encoder quality used (JPEG: read from the file's tables)
    subsampling: str | None = None
    residual: float = 0.0  # RMS levels between the file and its reproduction
    operation_error: float = 0.0  # RMS levels between the file and the (resized) source
    level: float = 0.0  # typical residual of a window (levels)
    local: list[dict[str, int]] = field(default_factory=list)  # windows changed, in a's pixels
    local_strength: float = 0.0  # strongest local residual, in multiples of its threshold
    detail: float = 1.0  # fine-detail energy of the file / of its reproduction
    edge_detail: float = 1.0  # the same for edge-scale detail (blur lowers it, denoise not)
    sharpen: float = 0.0  # correlation of the residual with the reproduction's fine detail
    vignette: float = 0.0  # residual brightness at the corners minus at the centre (levels)
    grain_match: float | None = None  # correlation of the fine grain in plain areas
    structure: float = 1.0  # correlation of edge-scale detail (the scene's own structure)
    window: int = 8  # side of the windows searched for local change (file pixels)
    changed_share: float = 0.0  # share of windows over the bar (local search)
    parts: int = 0  # separate changed areas (over the bar at their peak)
    cells: float = 0.0  # share of a 4 x 4 grid's cells with a changed area in them
    placement: str = "none"  # where the changes are: none | bands | corner | centre | spread
    see_through: float | None = None  # how much of the picture shows through the changed areas
    proved: bool = False

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Reproduction:
        return cls(**d)


# --- helpers ------------------------------------------------------------------------------------


def _inverse(orientation: int | None) -> Image.Transpose | None:
    from preservation.fingerprint.prepare import _TRANSPOSE

    op = _TRANSPOSE.get(orientation or 1)
    if op is None:
        return None
    return {Image.Transpose.ROTATE_90: Image.Transpose.ROTATE_270,
            Image.Transpose.ROTATE_270: Image.Transpose.ROTATE_90}.get(op, op)


def _store(im: Image.Image, codec: Codec, quality: int | None = None) -> Image.Image:
    """``im`` stored the way ``codec`` says, and decoded again (in display orientation)."""
    if codec.lossless or (codec.format != "JPEG" and quality is None):
        return im
    inv = _inverse(codec.orientation)
    stored = im.transpose(inv) if inv is not None else im
    buf = io.BytesIO()
    if codec.format == "JPEG" and codec.qtables:
        tables = [list(t) for t in codec.qtables]
        if stored.mode == "L":
            tables = tables[:1]
        stored.save(buf, "JPEG", qtables=tables, subsampling=codec.subsampling or 0)
    elif codec.format == "JPEG":
        stored.save(buf, "JPEG", quality=quality or 90)
    elif codec.format in ("HEIF", "AVIF"):
        from preservation.fingerprint import decode as _fp_decode  # noqa: F401  registers HEIF

        stored.save(buf, codec.format, quality=quality or 80)
    else:
        stored.save(buf, codec.format, quality=quality or 80)
    buf.seek(0)
    opened = Image.open(buf)
    opened.load()
    from preservation.fingerprint.prepare import orient

    return orient(opened.convert(im.mode), codec.orientation)


_FILTERS = (("lanczos", Image.Resampling.LANCZOS), ("bicubic", Image.Resampling.BICUBIC),
            ("bilinear", Image.Resampling.BILINEAR), ("box", Image.Resampling.BOX))


def _rms(x: F32) -> float:
    v = np.ascontiguousarray(x, dtype=np.float32).ravel()
    return float(np.sqrt(float(np.dot(v, v)) / v.size)) if v.size else 0.0


def _lum(im: Image.Image) -> F32:
    return np.asarray(im if im.mode == "L" else im.convert("L"), np.float32)


def _sample_box(size: tuple[int, int], side: int = 384) -> tuple[int, int, int, int]:
    w, h = size
    sw, sh = min(w, side) // 16 * 16, min(h, side) // 16 * 16
    x0, y0 = (w - sw) // 2 // 16 * 16, (h - sh) // 2 // 16 * 16
    return x0, y0, x0 + sw, y0 + sh


def _fit(src: Image.Image, target: Image.Image, codec: Codec) -> tuple[str, int | None]:
    """The resampling filter (when sizes differ) and encoder quality (when the file does not
    carry its tables) that reproduce a central sample of the target best, each candidate
    stored as the target is stored so that compression does not decide."""
    resize = src.size != target.size
    search_q = not codec.lossless and not (codec.format == "JPEG" and codec.qtables)
    if not resize and not search_q:
        return "none", None
    box = _sample_box(target.size, 256 if search_q else 384)
    kx, ky = src.size[0] / target.size[0], src.size[1] / target.size[1]
    m = 8
    sbox = (box[0] * kx, box[1] * ky, box[2] * kx, box[3] * ky)
    want = _lum(target.crop(box))[m:-m, m:-m]
    tile_codec = Codec(codec.format, codec.qtables, codec.subsampling, None, codec.lossless)
    qualities: tuple[int | None, ...] = (30, 50, 60, 70, 75, 80, 85, 90, 95) if search_q else (None,)
    best: tuple[float, str, int | None] | None = None
    for name, flt in (_FILTERS if resize else (("none", Image.Resampling.NEAREST),)):
        got = (src.resize((box[2] - box[0], box[3] - box[1]), flt, box=sbox) if resize
               else src.crop(box))
        for q in qualities:
            try:
                made = _store(got, tile_codec, q)
            except (OSError, ValueError, KeyError):
                continue
            err = _rms(_lum(made)[m:-m, m:-m] - want)
            if best is None or err < best[0]:
                best = (err, name, q)
    if best is None:
        return "none", None
    return best[1], best[2]


def _windows(x: npt.NDArray[Any], w: int) -> F32:
    """Mean of ``x`` over w x w windows at stride w/2 (overlapping half a window)."""
    import cv2

    h2 = w // 2
    hh, ww = x.shape[0] // h2, x.shape[1] // h2
    blocks = cv2.resize(np.ascontiguousarray(x[:hh * h2, :ww * h2], dtype=np.float32), (ww, hh),
                        interpolation=cv2.INTER_AREA)
    out: F32 = ((blocks[:-1, :-1] + blocks[1:, :-1] + blocks[:-1, 1:] + blocks[1:, 1:]) / 4
                ).astype(np.float32)
    return out


def _box(x: F32, k: int) -> F32:
    import cv2

    return np.asarray(cv2.blur(x, (k, k), borderType=cv2.BORDER_REFLECT), np.float32)


def _gauss(x: F32, sigma: float) -> F32:
    import cv2

    return np.asarray(cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REFLECT), np.float32)


def _hp(x: F32) -> F32:
    out: F32 = x - _box(x, 3)
    return out


def _corr(x: F32, y: F32) -> float:
    x = (x - x.mean()).ravel()
    y = (y - y.mean()).ravel()
    den = float(np.sqrt(float(np.dot(x, x)) * float(np.dot(y, y))))
    return float(np.dot(x, y)) / den if den > 1e-9 else 0.0


@dataclass(slots=True)
class _Local:
    mask: npt.NDArray[np.bool_]
    level: float
    strength: float
    ratio: F32  # residual / bar per window


def _local_search(err: F32, texture: F32, op: F32) -> _Local:
    """Windows whose residual stands far above windows of like texture (see module doc).

    The bar is the residual's own spread among windows of like texture, and never below
    ``LOCAL_OP`` times what the operation itself typically changes in such windows: a
    reproduction from a source that was itself compressed errs by up to that much anywhere.
    """
    e, t, o = err.ravel(), texture.ravel(), op.ravel()
    edges = np.unique(np.quantile(t, np.linspace(0, 1, 21)))
    idx = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, max(0, len(edges) - 2))
    med = np.zeros(len(edges), np.float32)
    mad = np.zeros(len(edges), np.float32)
    typical_op = np.zeros(len(edges), np.float32)
    order = np.argsort(idx, kind="stable")
    counts = np.bincount(idx, minlength=len(edges))
    starts = np.concatenate([[0], np.cumsum(counts)])
    es, os_ = e[order], o[order]
    for k in range(len(edges)):
        v = es[starts[k]:starts[k + 1]]
        if v.size:
            med[k] = float(np.median(v))
            mad[k] = float(np.median(np.abs(v - med[k]))) * 1.4826
            typical_op[k] = float(np.quantile(os_[starts[k]:starts[k + 1]], 0.9))
    bar = np.maximum(np.maximum(LOCAL_K * mad, LOCAL_MIN), LOCAL_OP * typical_op)
    thr = (med + bar)[idx].reshape(err.shape)
    ratio: F32 = (err / thr).astype(np.float32)
    strength = float(ratio.max()) if err.size else 0.0
    return _Local(ratio > 1.0, float(np.median(e)) if e.size else 0.0, strength, ratio)


def _regions(loc: _Local, step: float, scale: float,
             origin: tuple[float, float]) -> list[dict[str, int]]:
    """Boxes of the changed windows (in a's pixels) whose peak is well above the bar."""
    labels, _n = ndimage.label(loc.mask)
    found = []
    for i, sl in enumerate(ndimage.find_objects(labels)):
        if sl is None or float(loc.ratio[sl][labels[sl] == i + 1].max()) < LOCAL_PEAK:
            continue
        y0, y1, x0, x1 = sl[0].start, sl[0].stop, sl[1].start, sl[1].stop
        found.append({"x": round(origin[0] + x0 * step * scale),
                      "y": round(origin[1] + y0 * step * scale),
                      "width": max(1, round(((x1 - x0) * step + step) * scale)),
                      "height": max(1, round(((y1 - y0) * step + step) * scale))})
    found.sort(key=lambda r: -r["width"] * r["height"])
    return found[:5]


def _describe_changes(rep: Reproduction, loc: _Local, lt: F32, lm: F32, win: int) -> None:
    """How many changed areas, where, and whether the picture shows through them."""
    labels, n = ndimage.label(loc.mask)
    if n == 0:
        return
    peaks = ndimage.maximum(loc.ratio, labels, index=np.arange(1, n + 1))
    keep_ids = np.flatnonzero(np.asarray(peaks) >= LOCAL_PEAK) + 1
    if len(keep_ids) == 0:
        return
    keep = np.isin(labels, keep_ids)
    rep.parts = len(keep_ids)
    h, w = keep.shape
    ys, xs = np.nonzero(keep)
    cells = {(min(3, int(4 * y / h)), min(3, int(4 * x / w))) for y, x in zip(ys, xs, strict=True)}
    rep.cells = len(cells) / 16
    fy, fx = ys / h, xs / w
    if bool(np.all(((fx < 0.35) | (fx > 0.65)) & ((fy < 0.35) | (fy > 0.65)))) and \
            len({(y < 0.5, x < 0.5) for y, x in zip(fy, fx, strict=True)}) == 1:
        rep.placement = "corner"
    elif bool(np.all((fy < 0.3) | (fy > 0.7))):
        rep.placement = "bands"
    elif rep.cells >= 0.5:
        rep.placement = "spread"
    else:
        rep.placement = "centre"
    # the picture's own structure under the changed windows: kept (semi-transparent), or not
    sel = _changed_pixels(keep, win // 2, lt.shape)
    if int(sel.sum()) >= 64:
        bt, bm = _gauss(lt, 1.0) - _gauss(lt, 4.0), _gauss(lm, 1.0) - _gauss(lm, 4.0)
        rep.see_through = round(_corr(bt[sel], bm[sel]), 3)


def _vignette(target: F32, made: F32) -> float:
    """Corner darkening (levels, negative: darker corners) that grows with the distance from the
    centre, as a vignette does; 0 when the change does not follow the distance.

    The brightness ratio of the two, in windows, is fitted against the squared distance from the
    centre; a global exposure or tone change makes a ratio that follows brightness, not
    distance (a poor fit), and is not a vignette.
    """
    wt, wm = _windows(target, 32), _windows(made, 32)
    h, w = wm.shape
    yy, xx = np.mgrid[0:h, 0:w]
    r2 = (((xx + 0.5) - w / 2) / (w / 2)) ** 2 + (((yy + 0.5) - h / 2) / (h / 2)) ** 2
    ok = (wm > 24) & (wm < 235) & (wt < 250)
    if ok.sum() < 20:
        return 0.0
    ratio = wt[ok] / wm[ok]
    x = r2[ok]
    design = np.stack([np.ones_like(x), x], axis=1)
    coef, *_ = np.linalg.lstsq(design, ratio, rcond=None)
    fitted = design @ coef
    total = float(np.sum((ratio - ratio.mean()) ** 2))
    r2fit = 1 - float(np.sum((ratio - fitted) ** 2)) / total if total > 1e-12 else 0.0
    if r2fit < 0.5:
        return 0.0
    return float(coef[1]) * float(np.median(wm[ok])) * 2  # at the corners (r^2 = 2)


def _tiles(shape: tuple[int, ...], side: int = 256, grid: int = 4) -> list[tuple[slice, slice]]:
    """Up to grid x grid tiles spread over the frame (for measurements of the whole picture)."""
    h, w = shape[:2]
    th, tw = min(h, side), min(w, side)
    out = []
    for gy in range(grid):
        for gx in range(grid):
            y = round((h - th) * (gy + 0.5) / grid)
            x = round((w - tw) * (gx + 0.5) / grid)
            out.append((slice(y, y + th), slice(x, x + tw)))
    return out


# --- the proof ------------------------------------------------------------------------------------


def reproduce(src: Image.Image, target: Image.Image, codec: Codec, *,
              target_scale: float = 1.0, target_origin: tuple[float, float] = (0.0, 0.0),
              source_name: str = "a") -> Reproduction:
    """Make ``target`` again from ``src`` and measure what is left (RGB or L images, upright).

    ``target_scale``/``target_origin`` map the target's pixels to a's full-resolution pixels
    (for the regions reported).
    """
    import cv2

    rep = Reproduction(source=source_name)
    if src.mode != target.mode:
        src = src.convert(target.mode)
    rep.filter, quality = _fit(src, target, codec)
    resized = src
    if src.size != target.size:
        rep.operation.append("resize")
        resized = src.resize(target.size, dict(_FILTERS)[rep.filter])
    if codec.format == "JPEG" and codec.qtables:
        rep.quality = codec.quality
        rep.subsampling = _SUBSAMPLING_NAMES.get(codec.subsampling or 0)
        rep.operation.append("re-encode")
    elif not codec.lossless:
        rep.quality = quality
        if quality is not None:
            rep.operation.append("re-encode")
    made = _store(resized, codec, quality)

    t8, m8 = np.asarray(target), np.asarray(made)
    diff = cv2.absdiff(t8, m8)
    err8 = diff.max(axis=2) if diff.ndim == 3 else diff
    lt, lm = _lum(target), _lum(made)
    ry = lt - lm
    rep.residual = round(_rms(ry), 4)
    rep.operation_error = round(_rms(lt - _lum(resized)), 4)
    if int(err8.max()) <= 2:  # reproduced to the level of rounding: nothing else to look for
        rep.proved = True
        rep.grain_match = 1.0
        return rep

    # windows of 8 pixels at 12 MP and more; 4 on smaller pictures (a dust spot is smaller too)
    win = WINDOW if max(lt.shape) >= 2500 else WINDOW // 2
    rep.window = win
    werr = _windows(err8, win)
    wtex = _windows(np.abs(_hp(lm)), win)
    odiff = cv2.absdiff(t8, np.asarray(resized))
    wop = _windows(odiff.max(axis=2) if odiff.ndim == 3 else odiff, win)
    loc = _local_search(werr, wtex, wop)
    rep.level = round(loc.level, 3)
    rep.local_strength = round(loc.strength, 2)
    rep.changed_share = round(float(loc.mask.mean()), 4)
    rep.local = _regions(loc, win / 2, target_scale, target_origin)
    _describe_changes(rep, loc, lt, lm, win)
    rep.vignette = round(_vignette(lt, lm), 2)

    # what is left everywhere, measured on tiles spread over the frame
    tiles = _tiles(lt.shape, side=max(64, min(256, max(lt.shape) // 8)))
    tt = np.concatenate([lt[t].ravel() for t in tiles]).reshape(len(tiles), -1, lt[tiles[0]].shape[1])
    tm = np.concatenate([lm[t].ravel() for t in tiles]).reshape(tt.shape)
    st = np.vstack(list(tt))  # tiles stacked into one tall array (filters stay within tiles
    sm = np.vstack(list(tm))  # except at the seams, which are few)
    hp_t, hp_m = _hp(st), _hp(sm)
    rep.detail = round(_rms(hp_t) / max(_rms(hp_m), 1e-3), 3)
    dog_t, dog_m = _gauss(st, 1.0) - _gauss(st, 3.0), _gauss(sm, 1.0) - _gauss(sm, 3.0)
    rep.edge_detail = round(_rms(dog_t) / max(_rms(dog_m), 1e-3), 3)
    # per tile, the median: a subject that moved changes a few tiles, another scene all
    # (at a scale coarser than sensor grain, so that two exposures of one scene agree)
    th = lt[tiles[0]].shape[0]
    band_t, band_m = _gauss(st, 2.0) - _gauss(st, 6.0), _gauss(sm, 2.0) - _gauss(sm, 6.0)
    rep.structure = round(float(np.median([_corr(band_t[i * th:(i + 1) * th], band_m[i * th:(i + 1) * th])
                                           for i in range(len(tiles))])), 3)
    rep.sharpen = round(_corr(st - sm, hp_m), 3)
    changed = _changed_pixels(loc.mask, win // 2, lt.shape)
    rep.grain_match = _grain_match(hp_t, hp_m, sm,
                                   np.vstack([changed[t] for t in tiles]))
    clean = rep.residual <= max(RESIDUAL_FLOOR, RESIDUAL_RATIO * rep.operation_error)
    rep.proved = bool(clean and not rep.local)
    return rep


def _changed_pixels(mask: npt.NDArray[np.bool_], step: int, shape: tuple[int, ...]) -> npt.NDArray[np.bool_]:
    """Window mask (stride ``step``) as a pixel mask of ``shape``."""
    px = np.kron(mask, np.ones((step, step), bool))
    out = np.zeros(shape[:2], bool)
    h, w = min(px.shape[0], shape[0]), min(px.shape[1], shape[1])
    out[:h, :w] = px[:h, :w]
    return out


def _grain_match(hp_t: F32, hp_m: F32, base: F32,
                 changed: npt.NDArray[np.bool_] | None = None) -> float | None:
    """Correlation of the two files' fine grain where the picture is plain (not clipped, and
    away from the areas that changed)."""
    tex = _windows(np.abs(_box(base, 5) - _box(base, 15)), 16)
    mean = _windows(base, 16)
    ok = (mean > 12) & (mean < 243)
    if changed is not None:
        ok &= _windows(changed.astype(np.float32), 16) == 0
    if ok.sum() < 16:
        return None
    cut = float(np.quantile(tex[ok], 0.3))
    rows, cols = np.nonzero(ok & (tex <= cut))
    if len(rows) < 16:
        return None
    xs = [hp_t[r * 8:r * 8 + 16, c * 8:c * 8 + 16].ravel() for r, c in zip(rows, cols, strict=True)]
    ys = [hp_m[r * 8:r * 8 + 16, c * 8:c * 8 + 16].ravel() for r, c in zip(rows, cols, strict=True)]
    a, b = np.concatenate(xs), np.concatenate(ys)
    if _rms(a) < 0.3 or _rms(b) < 0.3:
        return None  # no grain left to compare
    return round(_corr(a, b), 3)
