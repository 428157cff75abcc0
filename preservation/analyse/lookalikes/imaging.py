"""Pixel arithmetic for look-alike evidence: resizing, template matching, SSIM, change maps.

Pure numpy/scipy on float32 arrays in 0..255; nothing here knows about files or verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image
from scipy import ndimage, signal

F32 = npt.NDArray[np.float32]

LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


def rgb8(im: Image.Image) -> Image.Image:
    """8-bit RGB for analysis: alpha composited on white, 16-bit greys scaled."""
    from preservation.fingerprint.prepare import canonical

    im = canonical(im)
    return im if im.mode == "RGB" else im.convert("RGB")


def to_array(im: Image.Image) -> F32:
    return np.asarray(im, dtype=np.float32)


def resize(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    size = (max(1, int(size[0])), max(1, int(size[1])))
    if im.size == size:
        return im
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def fit_long_side(size: tuple[int, int], longest: int) -> tuple[int, int]:
    w, h = size
    scale = min(1.0, longest / max(w, h, 1))
    return max(1, round(w * scale)), max(1, round(h * scale))


def luminance(rgb: F32) -> F32:
    if rgb.ndim == 2:
        return rgb
    out: F32 = (rgb @ LUMA).astype(np.float32)
    return out


def grey_small(im: Image.Image, longest: int) -> F32:
    small = resize(im, fit_long_side(im.size, longest))
    return to_array(small.convert("L"))


# --- colour ----------------------------------------------------------------------------------


def colour_share(rgb: F32, tolerance: float = 12.0) -> float:
    """Share of pixels whose channels differ by more than ``tolerance`` (0 for a grey picture)."""
    if rgb.ndim == 2:
        return 0.0
    step = max(1, int(np.sqrt(rgb.shape[0] * rgb.shape[1] / 65_536)))
    rgb = rgb[::step, ::step]
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return float((spread > tolerance).mean())


def is_grey(rgb: F32) -> bool:
    return colour_share(rgb) <= 0.001


# --- matching ----------------------------------------------------------------------------------


def _window_sum(a: F32, h: int, w: int) -> F32:
    c = np.pad(a.astype(np.float64), ((1, 0), (1, 0))).cumsum(0).cumsum(1)
    out = c[h:, w:] - c[:-h, w:] - c[h:, :-w] + c[:-h, :-w]
    return out.astype(np.float32)


def ncc_map(image: F32, template: F32) -> F32:
    """Normalised cross-correlation of ``template`` at every valid position in ``image``."""
    h, w = template.shape
    t = template.astype(np.float64) - float(template.mean())
    tnorm = float(np.sqrt((t * t).sum()))
    if tnorm < 1e-6 or h > image.shape[0] or w > image.shape[1]:
        return np.zeros((max(1, image.shape[0] - h + 1), max(1, image.shape[1] - w + 1)), np.float32)
    img = image.astype(np.float64)
    corr = signal.fftconvolve(img, t[::-1, ::-1], mode="valid")
    s1 = _window_sum(image, h, w).astype(np.float64)
    s2 = _window_sum(image * image, h, w).astype(np.float64)
    var = np.maximum(s2 - s1 * s1 / (h * w), 1e-6)
    out: F32 = (corr / (np.sqrt(var) * tnorm)).astype(np.float32)
    out[var < 1e-3 * h * w] = 0.0  # flat windows say nothing
    return out


def ncc(a: F32, b: F32) -> float:
    x = a.astype(np.float64) - float(a.mean())
    y = b.astype(np.float64) - float(b.mean())
    den = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return float((x * y).sum() / den) if den > 1e-9 else 0.0


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a picture sits in another: top-left, size (in the other's pixels), match quality."""

    x: float
    y: float
    width: float
    height: float
    score: float


def find_inside(big: F32, small_im: Image.Image, *, min_fraction: float = 0.4,
                steps: int = 18) -> Placement | None:
    """The best placement of ``small_im`` (any scale) inside grey array ``big``.

    Searches region widths from ``min_fraction`` of the largest that fits up to the largest,
    geometrically spaced, by NCC template matching. Returns coordinates in ``big``'s pixels.
    """
    bh, bw = big.shape
    sw, sh = small_im.size
    aspect = sw / sh
    wmax = min(bw, bh * aspect)
    best: Placement | None = None
    for f in np.geomspace(min_fraction, 1.0, steps):
        tw = round(wmax * f)
        th = round(tw / aspect)
        if tw < 8 or th < 8 or tw > bw or th > bh:
            continue
        tpl = to_array(resize(small_im, (tw, th)).convert("L"))
        m = ncc_map(big, tpl)
        k = int(np.argmax(m))
        y, x = divmod(k, m.shape[1])
        score = float(m.flat[k])
        if best is None or score > best.score:
            best = Placement(float(x), float(y), float(tw), float(th), score)
    return best


def refine_inside(big_im: Image.Image, small_im: Image.Image, guess: Placement, *,
                  longest: int = 512) -> Placement:
    """Refine a placement (in ``big_im``'s full-resolution pixels) at a finer working scale."""
    bw, bh = big_im.size
    scale = min(1.0, longest / max(bw, bh))
    big = to_array(resize(big_im, (max(1, round(bw * scale)), max(1, round(bh * scale)))).convert("L"))
    aspect = small_im.size[0] / small_im.size[1]
    best = guess
    margin = max(3, int(0.03 * max(big.shape)))
    for f in np.linspace(0.98, 1.02, 5):
        tw = round(guess.width * scale * f)
        th = round(tw / aspect)
        if tw < 8 or th < 8 or tw > big.shape[1] or th > big.shape[0]:
            continue
        cx = guess.x * scale + (guess.width * scale - tw) / 2
        cy = guess.y * scale + (guess.height * scale - th) / 2
        x0 = int(max(0, np.floor(cx) - margin))
        y0 = int(max(0, np.floor(cy) - margin))
        x1 = int(min(big.shape[1], np.ceil(cx) + tw + margin))
        y1 = int(min(big.shape[0], np.ceil(cy) + th + margin))
        window = big[y0:y1, x0:x1]
        if window.shape[0] < th or window.shape[1] < tw:
            continue
        tpl = to_array(resize(small_im, (tw, th)).convert("L"))
        m = ncc_map(window, tpl)
        k = int(np.argmax(m))
        y, x = divmod(k, m.shape[1])
        score = float(m.flat[k])
        if score > best.score or best is guess:
            best = Placement((x0 + x) / scale, (y0 + y) / scale, tw / scale, th / scale, score)
    return best


def phase_shift(a: F32, b: F32) -> tuple[float, float, float]:
    """Translation (dx, dy) that moves ``a``'s content onto ``b``'s, and the peak's strength."""
    h, w = a.shape
    win = np.outer(np.hanning(h), np.hanning(w)).astype(np.float32)
    fa = np.fft.rfft2((a - a.mean()) * win)
    fb = np.fft.rfft2((b - b.mean()) * win)
    cross = fb * np.conj(fa)
    cross /= np.maximum(np.abs(cross), 1e-9)
    r = np.fft.irfft2(cross, s=(h, w))
    k = int(np.argmax(r))
    py, px = divmod(k, w)
    peak = float(r.flat[k])

    def sub(m1: float, c: float, p1: float) -> float:  # parabolic peak interpolation
        den = m1 - 2 * c + p1
        return 0.0 if abs(den) < 1e-12 else max(-0.5, min(0.5, 0.5 * (m1 - p1) / den))

    fx = sub(float(r[py, (px - 1) % w]), peak, float(r[py, (px + 1) % w]))
    fy = sub(float(r[(py - 1) % h, px]), peak, float(r[(py + 1) % h, px]))
    dy = py - h if py > h // 2 else py
    dx = px - w if px > w // 2 else px
    return float(dx) + fx, float(dy) + fy, peak


def tile_shifts(a: F32, b: F32, grid: int = 3) -> list[tuple[float, float, float, float]]:
    """(centre x, centre y, dx, dy) of each textured tile of a ``grid`` x ``grid`` split."""
    h, w = a.shape
    out: list[tuple[float, float, float, float]] = []
    for gy in range(grid):
        for gx in range(grid):
            ys = slice(gy * h // grid, (gy + 1) * h // grid)
            xs = slice(gx * w // grid, (gx + 1) * w // grid)
            ta, tb = a[ys, xs], b[ys, xs]
            if ta.shape[0] < 16 or ta.shape[1] < 16 or float(ta.std()) < 4.0:
                continue
            dx, dy, peak = phase_shift(ta, tb)
            if peak > 0.05:
                out.append(((xs.start + xs.stop) / 2, (ys.start + ys.stop) / 2, dx, dy))
    return out


# --- similarity --------------------------------------------------------------------------------


def ssim(a: F32, b: F32, sigma: float = 1.5) -> float:
    """Mean structural similarity (Wang et al. 2004) of two grey arrays in 0..255."""
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    a64, b64 = a.astype(np.float32), b.astype(np.float32)
    mu_a = ndimage.gaussian_filter(a64, sigma)
    mu_b = ndimage.gaussian_filter(b64, sigma)
    saa = ndimage.gaussian_filter(a64 * a64, sigma) - mu_a * mu_a
    sbb = ndimage.gaussian_filter(b64 * b64, sigma) - mu_b * mu_b
    sab = ndimage.gaussian_filter(a64 * b64, sigma) - mu_a * mu_b
    num = (2 * mu_a * mu_b + c1) * (2 * sab + c2)
    den = (mu_a * mu_a + mu_b * mu_b + c1) * (saa + sbb + c2)
    return float((num / den).mean(dtype=np.float64))


def psnr(a: F32, b: F32) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse <= 1e-10 else min(99.0, 10 * np.log10(255.0**2 / mse))


def reduce_to(im: Image.Image, longest: int) -> Image.Image:
    """Shrink by an integer box factor so the long side is near ``longest`` (cheap, exact)."""
    factor = max(im.size) // longest
    return im.reduce(factor) if factor >= 2 else im


def tone_map(a: F32, b: F32, bins: int = 32, samples: int = 200_000) -> tuple[F32, float]:
    """Per-channel curve f with b ~ f(a) (binned medians); returns f(a) and the mean |f(x)-x|."""
    chans = a.shape[2] if a.ndim == 3 else 1
    a3 = a.reshape(a.shape[0], a.shape[1], chans)
    b3 = b.reshape(b.shape[0], b.shape[1], chans)
    out = np.empty_like(a3)
    shift = 0.0
    step = max(1, a3.shape[0] * a3.shape[1] // samples)
    for c in range(chans):
        x_all = a3[..., c].ravel()
        x = x_all[::step]
        y = b3[..., c].ravel()[::step]
        idx = np.clip((x * bins / 256).astype(np.int64), 0, bins - 1)
        order = np.argsort(idx, kind="stable")
        counts = np.bincount(idx, minlength=bins)
        starts = np.concatenate([[0], np.cumsum(counts)])
        ys, xs = y[order], x[order]
        xmid, curve = [], []
        for k in range(bins):
            if counts[k] >= 20:
                seg = slice(starts[k], starts[k + 1])
                xmid.append(float(np.median(xs[seg])))
                curve.append(float(np.median(ys[seg])))
        if len(curve) < 2:
            off = float(np.median(y - x))
            out[..., c] = a3[..., c] + off
            shift += abs(off) / chans
            continue
        mapped = np.interp(x_all, xmid, curve).astype(np.float32)
        out[..., c] = mapped.reshape(a3.shape[:2])
        shift += float(np.mean(np.abs(mapped - x_all))) / chans
    return out.reshape(a.shape), shift


@dataclass(frozen=True, slots=True)
class ChangeMap:
    mask: npt.NDArray[np.bool_]  # significant change, at working scale
    boxes: list[tuple[int, int, int, int]]  # x, y, w, h of change regions, largest first
    share: float  # share of pixels changed significantly
    cells: float  # share of a 4 x 4 grid's cells with change in them (spread)
    noise: float  # robust level of the residual (levels)
    residual: F32  # smoothed |difference| per pixel (levels), for the heat map


def _grad(x: F32) -> F32:
    x = x.astype(np.float32)
    gx = ndimage.sobel(x, axis=1)
    gy = ndimage.sobel(x, axis=0)
    out: F32 = np.hypot(gx, gy) / 8.0
    return out


def _edges(x: F32) -> F32:
    """Edge strength of the luminance and of the colour (chroma edges fool codecs too)."""
    if x.ndim == 2:
        return _grad(x)
    return np.maximum(_grad(luminance(x)), _grad(x.max(axis=2) - x.min(axis=2)))


def _spread(mask: npt.NDArray[np.bool_]) -> float:
    """Share of the cells of a 4 x 4 grid in which more than 0.5 % of pixels are set."""
    h, w = mask.shape
    cells = 0
    for gy in range(4):
        for gx in range(4):
            cell = mask[gy * h // 4:(gy + 1) * h // 4, gx * w // 4:(gx + 1) * w // 4]
            cells += int(cell.size > 0 and cell.mean() > 0.005)
    return cells / 16


def change_map(a: F32, b_mapped: F32, *, min_level: float = 10.0, k_noise: float = 4.0,
               k_edge: float = 0.3, min_area_share: float = 0.0003) -> ChangeMap:
    """Where ``b_mapped`` differs from ``a`` beyond compression and resampling noise.

    Compression and resampling errors are small, spread thinly and sit on edges (colour edges
    too: chroma subsampling); a deliberate change (a retouch, a watermark, a new date stamp)
    makes a compact area differ strongly. Two detectors, both relative to what the rest of the
    picture shows: (1) the smoothed absolute residual against a threshold growing with the
    noise level and local edge strength; (2) the residual's local energy against the
    picture's own fine detail there: a local blur or smoothing (a blemish removed) takes away
    all the detail of one area, while re-compression takes the same share everywhere.
    """
    diff = np.abs(b_mapped - a)
    dl = diff.max(axis=2) if diff.ndim == 3 else diff
    resid = ndimage.gaussian_filter(dl, 1.5)
    noise = float(1.4826 * np.median(dl)) + 0.5
    # tolerance near edges both pictures share (where compression errs); an edge only one has
    # (a watermark's letters, a removed object's outline) is part of the change, not an excuse
    edges = np.minimum(ndimage.maximum_filter(_edges(a), size=5),
                       ndimage.maximum_filter(_edges(b_mapped), size=5))
    thresh = np.maximum(min_level, k_noise * noise) + k_edge * edges
    mask = resid > thresh

    # detail lost (or added) in one area only: one picture has fine detail there, the other
    # almost none, far more so than the two differ in detail elsewhere
    la, lb = luminance(a), luminance(b_mapped)
    e_a = ndimage.gaussian_filter((la - ndimage.gaussian_filter(la, 1.5)) ** 2, 4.0)
    e_b = ndimage.gaussian_filter((lb - ndimage.gaussian_filter(lb, 1.5)) ** 2, 4.0)
    keep_ratio = (np.minimum(e_a, e_b) + 1.0) / (np.maximum(e_a, e_b) + 1.0)
    e_max = ndimage.uniform_filter(np.maximum(e_a, e_b), 9)
    detailed = e_max > min(6.0, max(1.5, 0.5 * float(np.median(e_max))))
    rel = ndimage.uniform_filter(keep_ratio / max(float(np.median(keep_ratio)), 1e-3), 9)
    # heavy compression smooths many small places all over; a retouch smooths one place
    if float(((rel < 0.3) & detailed).mean()) <= 0.01:
        seeds = (rel < 0.2) & detailed
        if seeds.any():  # the whole smoothed area, not just its deepest part
            mask |= ndimage.binary_propagation(seeds, mask=(rel < 0.4) & detailed)

    # structure moved or replaced (a digit of a date stamp changed, letters added over
    # letters): where both pictures have strong local structure, compression keeps its
    # shape (high local correlation) while an edit replaces it
    ma, mb = ndimage.gaussian_filter(la, 2.0), ndimage.gaussian_filter(lb, 2.0)
    va = ndimage.gaussian_filter(la * la, 2.0) - ma * ma
    vb = ndimage.gaussian_filter(lb * lb, 2.0) - mb * mb
    cov = ndimage.gaussian_filter(la * lb, 2.0) - ma * mb
    structured = np.minimum(va, vb) > 100.0
    local = cov / np.sqrt(np.maximum(va * vb, 1e-6))
    replaced = structured & (local < 0.5)
    if int(replaced.sum()) <= 0.1 * int(structured.sum()):  # else: a codec or resampling trait
        mask |= replaced

    # resampling filters treat the outermost pixels differently: not evidence of an edit
    band = max(2, round(0.01 * max(mask.shape)))
    mask[:band, :] = mask[-band:, :] = False
    mask[:, :band] = mask[:, -band:] = False
    mask = ndimage.binary_opening(mask, structure=np.ones((3, 3), bool))
    # letters of one watermark, strokes of one retouch: one region
    reach = max(2, round(0.012 * max(mask.shape)))
    labels, n = ndimage.label(ndimage.binary_dilation(mask, iterations=reach))
    boxes: list[tuple[int, int, int, int]] = []
    keep = np.zeros_like(mask)
    min_area = max(12, int(min_area_share * mask.size))
    if n:
        areas = ndimage.sum(mask, labels, index=np.arange(1, n + 1))
        slices = ndimage.find_objects(labels)
        for i in np.argsort(-areas):
            sl = slices[i]
            if areas[i] < min_area or sl is None:
                continue
            part = (labels[sl] == i + 1) & mask[sl]
            keep[sl] |= part
            ys, xs = np.nonzero(part)
            boxes.append((sl[1].start + int(xs.min()), sl[0].start + int(ys.min()),
                          int(xs.max() - xs.min()) + 1, int(ys.max() - ys.min()) + 1))
    return ChangeMap(keep, boxes, float(keep.mean()), _spread(keep), noise,
                     np.maximum(resid, 0).astype(np.float32))
