"""Screenshot comparison for the replay check (Pillow + numpy; the ``browser`` extra).

:func:`pixel_difference` is the share of pixels (percent) that differ between two PNGs:
a pixel differs when one of its channels differs by more than ``tolerance`` (0-255; the
default absorbs anti-aliasing and colour rounding).  Screenshots of different heights are
compared on the taller one's area: rows only one of them has count as different, so a
replay that lost half of its page scores about 50 %.
"""

from __future__ import annotations

import io

DEFAULT_TOLERANCE = 32
#: Thumbnails: this wide, from at most this much of the top of the page.
THUMB_WIDTH = 320
THUMB_MAX_SOURCE_HEIGHT = 2400


def _load(png: bytes):
    import numpy as np
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        return np.asarray(img.convert("RGB"), dtype=np.int16)


def pixel_difference(a: bytes, b: bytes, tolerance: int = DEFAULT_TOLERANCE) -> float:
    import numpy as np

    pa, pb = _load(a), _load(b)
    h = max(pa.shape[0], pb.shape[0])
    w = max(pa.shape[1], pb.shape[1])
    if h == 0 or w == 0:
        return 0.0

    def pad(arr):
        out = np.full((h, w, 3), -1000, dtype=np.int16)  # outside the image: differs from any pixel
        out[: arr.shape[0], : arr.shape[1]] = arr
        return out

    fa, fb = pad(pa), pad(pb)
    differs = np.abs(fa - fb).max(axis=2) > tolerance
    both_outside = (fa[..., 0] < 0) & (fb[..., 0] < 0)
    return float(np.count_nonzero(differs & ~both_outside)) * 100.0 / (h * w)


def thumbnail(png: bytes, width: int = THUMB_WIDTH) -> bytes:
    """A small PNG of the top of the page (for the HTML report)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        img = img.convert("RGB")
        if img.height > THUMB_MAX_SOURCE_HEIGHT:
            img = img.crop((0, 0, img.width, THUMB_MAX_SOURCE_HEIGHT))
        ratio = width / img.width if img.width else 1
        img = img.resize((width, max(1, int(img.height * ratio))))
        out = io.BytesIO()
        img.save(out, format="PNG", optimize=True)
        return out.getvalue()
