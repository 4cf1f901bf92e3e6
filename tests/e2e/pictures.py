"""Distinct, smooth test pictures for the browser tests: two colour gradients and a disc, so each thumbnail looks
different on a screenshot and every seed gives other bytes."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

__all__ = ["gradient_disc_png"]


def gradient_disc_png(width: int, height: int, seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, 256, (2, 3))
    yy, xx = np.mgrid[0:height // 4, 0:width // 4]
    t = ((xx / xx.max() + yy / yy.max()) / 2)[..., None]
    px = a * (1 - t) + b * t
    cy, cx, r = rng.integers(height // 16, height // 6), rng.integers(width // 16, width // 6), height // 14
    px[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 255 - a
    out = io.BytesIO()
    Image.fromarray(px.astype(np.uint8), "RGB").resize((width, height)).save(out, "PNG", compress_level=1)
    return out.getvalue()
