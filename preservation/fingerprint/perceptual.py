"""Perceptual hashes (pHash, dHash, aHash, wHash, colorhash) from one shared working image.

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
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Literal

import imagehash
import numpy as np
from PIL import Image

from .model import PerceptualHash
from .prepare import PDQ_PREP, PREP

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
}

ALGORITHMS = tuple(_PARAMS)

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


def _record(algorithm: str, value: imagehash.ImageHash) -> PerceptualHash:
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


def compute(working: Image.Image) -> list[PerceptualHash]:
    """The ImageHash perceptual hashes of the RGB working image."""
    grey = working.convert("L")
    return [
        _record("phash", imagehash.phash(grey, hash_size=HASH_SIZE, highfreq_factor=HIGHFREQ_FACTOR)),
        _record("dhash", imagehash.dhash(grey, hash_size=HASH_SIZE)),
        _record("ahash", imagehash.average_hash(grey, hash_size=HASH_SIZE)),
        _record(
            "whash",
            imagehash.whash(
                grey,
                hash_size=HASH_SIZE,
                image_scale=WHASH_IMAGE_SCALE,
                mode=WHASH_MODE,
                remove_max_haar_ll=True,
            ),
        ),
        _record("colorhash", imagehash.colorhash(working, binbits=COLORHASH_BINBITS)),
    ]
