"""Measurements on returned bytes: the format by magic number, real alpha, and change outside a mask."""

from __future__ import annotations

import io

from PIL import Image, ImageChops, ImageStat

__all__ = ["magic_format", "alpha_share", "outside_mask_difference"]


def magic_format(data: bytes) -> str:
    """'png' | 'jpeg' | 'webp' | 'unknown', from the first bytes only (never a header or a file name)."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return "unknown"


def alpha_share(data: bytes) -> float | None:
    """The share of fully transparent pixels, or None when the image has no alpha channel at all."""
    with Image.open(io.BytesIO(data)) as img:
        if img.mode not in ("RGBA", "LA", "PA") and "transparency" not in img.info:
            return None
        alpha = img.convert("RGBA").getchannel("A")
    histogram = alpha.histogram()
    return histogram[0] / max(1, sum(histogram))


def outside_mask_difference(source: bytes, mask: bytes, result: bytes) -> float:
    """Mean absolute difference per RGB channel (0–255) between `result` and `source` where `mask` is opaque
    (alpha ≥ 128: the area the doc says is kept), measured on the returned image's own pixel grid (the source
    and mask are scaled to it if the provider answered another size)."""
    with Image.open(io.BytesIO(result)) as out:
        got = out.convert("RGB")
    size = got.size
    with Image.open(io.BytesIO(source)) as src:
        want = src.convert("RGB").resize(size, Image.BILINEAR) if src.size != size else src.convert("RGB")
    with Image.open(io.BytesIO(mask)) as m:
        alpha = m.convert("RGBA").getchannel("A").resize(size, Image.NEAREST)
    keep = alpha.point(lambda a: 255 if a >= 128 else 0)
    diff = ImageChops.difference(got, want)
    stat = ImageStat.Stat(diff, mask=keep)
    return sum(stat.mean) / len(stat.mean)
