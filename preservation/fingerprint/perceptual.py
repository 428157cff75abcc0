"""Perceptual hashes (pHash, dHash, aHash, wHash, colorhash) from one shared working image.

Every hash is ImageHash's own function applied to the single working image built by
:mod:`.prepare` (the four structural hashes share one greyscale conversion of it). The
parameters and the library version are recorded with each value so a later release can tell
hashes made differently apart instead of silently comparing them.

wHash's ``image_scale`` is pinned to 64, ImageHash's natural scale for the 128 x 96 working
image of a 4:3 photo (its default depends on the input size, which would make the hash depend
on the picture's aspect and resolution); everything else is
ImageHash's default at ``hash_size=8`` (64 bits; colorhash ``binbits=3``, 42 bits).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any, Literal

import imagehash
from PIL import Image

from .model import PerceptualHash
from .prepare import PREP

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


def _record(algorithm: str, value: imagehash.ImageHash) -> PerceptualHash:
    return PerceptualHash(
        algorithm=algorithm,
        value=str(value),
        bits=int(value.hash.size),
        params=dict(_PARAMS[algorithm]),
        library=LIBRARY,
    )


def compute(working: Image.Image) -> list[PerceptualHash]:
    """All perceptual hashes of the RGB working image."""
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
