"""Perceptual hashes (pHash, dHash, aHash, wHash, colorhash, dihash) from one shared working image.

Every hash is ImageHash's own function applied to the single working image built by
:mod:`.prepare` (the four structural hashes share one greyscale conversion of it). The
parameters and the library version are recorded with each value so a later release can tell
hashes made differently apart instead of silently comparing them.

wHash's ``image_scale`` is pinned to 64, ImageHash's natural scale for the 128 x 96 working
image of a 4:3 photo (its default depends on the input size, which would make the hash depend
on the picture's aspect and resolution); everything else is
ImageHash's default at ``hash_size=8`` (64 bits; colorhash ``binbits=3``, 42 bits).

**PDQ** (:func:`pdq`), Meta's 256-bit photo hash, comes from the ``pdqhash`` package (Python
bindings that compile the reference C++ of facebook/ThreatExchange). It reads its own input from
the same decode (:func:`.prepare.pdq_image`) and records, besides the hash, the quality score
(0..100; the reference discards hashes of quality <= 49 as too featureless to match) and its
eight dihedral hashes (rotations and mirrors, for matching a turned or mirrored copy). Its hex
value is printed as the reference prints it, so it can be compared with any PDQ implementation.
Checked against the reference's published test vectors in ``tests/fingerprint/test_pdq.py``.

**dihash** (this project's, 64 bits) is the same for a picture and its mirror images and
quarter turns, so one search finds those too. It is pHash's DCT (32 x 32 greyscale, the same
ImageHash resize) read through magnitudes: a flip only changes the sign of odd-frequency
coefficients and a transpose swaps coefficient (u, v) with (v, u), so ``|C(u,v)| + |C(v,u)|``
does not change under any of the eight. Natural pictures' magnitudes fall off as 1/frequency,
which would make every photo's bits alike; each magnitude is therefore scaled by its radial
frequency (log |C| + log(1 + sqrt(u^2 + v^2))) before the 64 lowest frequencies (u <= v, by
u + v then u, DC left out) are compared with their median.

**Trimmed view.** When a picture has uniform bars along its edges (a letterbox, padding, a
plain status bar or caption band: :func:`.prepare.trim_box`), the four structural hashes and
dihash are also computed for the picture inside them, under the names ``<algorithm>-trim``
with the trimming recipe in their params. A letterboxed export then meets its original.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import imagehash
import numpy as np
from PIL import Image
from scipy.fft import dct

from .model import PerceptualHash
from .prepare import PDQ_PREP, PREP, TRIM

HASH_SIZE = 8
HIGHFREQ_FACTOR = 4
WHASH_IMAGE_SCALE = 64
WHASH_MODE: Literal["haar"] = "haar"
COLORHASH_BINBITS = 3

LIBRARY = f"ImageHash {version('ImageHash')}"

_PARAMS: dict[str, dict[str, Any]] = {
    "phash": {"hash_size": HASH_SIZE, "highfreq_factor": HIGHFREQ_FACTOR, "prep": PREP},
    "dhash": {"hash_size": HASH_SIZE, "prep": PREP},
    "ahash": {"hash_size": HASH_SIZE, "prep": PREP},
    "whash": {
        "hash_size": HASH_SIZE,
        "image_scale": WHASH_IMAGE_SCALE,
        "mode": WHASH_MODE,
        "remove_max_haar_ll": True,
        "prep": PREP,
    },
    "colorhash": {"binbits": COLORHASH_BINBITS, "prep": PREP},
    "dihash": {"dct": "32x32", "bits": 64, "scale": "log|C|+log(1+r)", "prep": PREP},
}
#: Hashes also computed for the picture inside uniform bars, as ``<algorithm>-trim``.
TRIMMED = ("phash", "dhash", "ahash", "whash", "dihash")
for _alg in TRIMMED:
    _PARAMS[f"{_alg}-trim"] = {**_PARAMS[_alg], "view": f"trim {TRIM}"}  # "view" sorts last

ALGORITHMS = tuple(_PARAMS)
#: The hashes every decoded picture gets (the ``-trim`` ones only pictures inside bars).
WHOLE = tuple(a for a in ALGORITHMS if not a.endswith("-trim"))

# dihash: the 64 lowest frequencies with u <= v, ordered by u + v then u, without DC
_FREQS = sorted(((u, v) for u in range(16) for v in range(u, 16) if u + v), key=lambda f: (f[0] + f[1], f[0]))[:64]
_FU = np.array([f[0] for f in _FREQS])
_FV = np.array([f[1] for f in _FREQS])
_RADIAL = np.log1p(np.hypot(_FU, _FV))

PDQ_BITS = 256
PDQ_PARAMS: dict[str, Any] = {"prep": PDQ_PREP}
# The reference's order of the eight dihedral hashes, named by the Pillow transpose of the
# picture whose plain PDQ hash each one approximates (rotations counter-clockwise).
DIHEDRAL = ("original", "rotate-90", "rotate-180", "rotate-270", "flip-top-bottom",
            "flip-left-right", "transpose", "transverse")
PDQ_MISSING = (
    "PDQ fingerprints need the pdqhash package (built from source with a C++ compiler): "
    "pip install 'pdqhash>=0.2.8', then 'preservation scan --rehash'."
)


def dihash(grey: Image.Image) -> imagehash.ImageHash:
    """The dihedral-invariant 64-bit hash of a greyscale image (see the module doc)."""
    small = grey.resize((32, 32), Image.Resampling.LANCZOS)
    pixels = np.asarray(small, dtype=np.float64)
    coeffs = np.abs(dct(dct(pixels, axis=0, norm="ortho"), axis=1, norm="ortho")) + 1e-9
    sym = np.log(coeffs[_FU, _FV]) + np.log(coeffs[_FV, _FU]) + 2 * _RADIAL
    return imagehash.ImageHash((sym > np.median(sym)).reshape(8, 8))


def _record(algorithm: str, value: imagehash.ImageHash, suffix: str = "") -> PerceptualHash:
    algorithm += suffix
    return PerceptualHash(
        algorithm=algorithm,
        value=str(value),
        bits=int(value.hash.size),
        params=dict(_PARAMS[algorithm]),
        library=LIBRARY,
    )


@cache
def pdq_library() -> str | None:
    """``"pdqhash 0.2.8"``, or None when the package is not installed."""
    try:
        import pdqhash  # noqa: F401
    except ImportError:
        return None
    try:
        return f"pdqhash {version('pdqhash')}"
    except PackageNotFoundError:
        return "pdqhash"


def pdq_bits_hex(bits: Any) -> str:
    """pdqhash's 256-element 0/1 vector as the reference's 64-digit hex."""
    return bytes(np.packbits(np.asarray(bits, dtype=np.uint8))).hex()


def pdq_dihedral(image: Image.Image) -> tuple[list[str], int]:
    """PDQ's eight dihedral hashes of an RGB picture (order: ``DIHEDRAL``) and its quality.

    Raises ImportError (with ``PDQ_MISSING``) when pdqhash is not installed.
    """
    try:
        import pdqhash
    except ImportError as exc:
        raise ImportError(PDQ_MISSING) from exc
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB") if image.mode != "RGB" else image,
                                          dtype=np.uint8))
    vectors, quality = pdqhash.compute_dihedral(rgb)
    return [pdq_bits_hex(v) for v in vectors], int(quality)


def pdq(image: Image.Image) -> PerceptualHash:
    """The PDQ record of PDQ's input image (see :func:`.prepare.pdq_image`)."""
    variants, quality = pdq_dihedral(image)
    return PerceptualHash(algorithm="pdq", value=variants[0], bits=PDQ_BITS,
                          params=dict(PDQ_PARAMS), library=pdq_library() or "pdqhash",
                          quality=quality, variants=tuple(variants))


def _structural(grey: Image.Image, suffix: str = "") -> list[PerceptualHash]:
    return [
        _record("phash", imagehash.phash(grey, hash_size=HASH_SIZE, highfreq_factor=HIGHFREQ_FACTOR),
                suffix),
        _record("dhash", imagehash.dhash(grey, hash_size=HASH_SIZE), suffix),
        _record("ahash", imagehash.average_hash(grey, hash_size=HASH_SIZE), suffix),
        _record(
            "whash",
            imagehash.whash(
                grey,
                hash_size=HASH_SIZE,
                image_scale=WHASH_IMAGE_SCALE,
                mode=WHASH_MODE,
                remove_max_haar_ll=True,
            ),
            suffix,
        ),
        _record("dihash", dihash(grey), suffix),
    ]


def compute(working: Image.Image, trimmed: Image.Image | None = None) -> list[PerceptualHash]:
    """All perceptual hashes of the RGB working image (and of its trimmed view, if any)."""
    grey = working.convert("L")
    out = _structural(grey)
    out.append(_record("colorhash", imagehash.colorhash(working, binbits=COLORHASH_BINBITS)))
    if trimmed is not None:
        out.extend(_structural(trimmed.convert("L"), "-trim"))
    return out
