"""Real result images for the simulator: exact pixel sizes, deterministic from the prompt, fast to encode.

What tests rely on:
- the background colour is `colour_for(prompt)` (the same prompt always gives the same colour);
- input images appear as a strip of thumbnails along the bottom edge (references are visibly used);
- with a mask, the output is the first input resized to the output size, and only where the mask is
  transparent (alpha < 128) is it repainted, with `colour_for(prompt)` striped with its complement; outside
  the mask the source's pixels are kept exactly (bit for bit when the output is PNG at the source's size);
- `transparent` (background=transparent, PNG or WebP): the background colour becomes alpha 0, the drawing
  stays opaque, so the image has real alpha;
- `bleed` (the `mask_bleed` misbehaviour): the area outside the mask is brightened by `BLEED_LEVELS` too.
"""

from __future__ import annotations

import colorsys
import hashlib
import io
import math
import struct
import textwrap
import zlib
from functools import lru_cache

from PIL import Image, ImageChops, ImageDraw, ImageFont

from easel.providers import sizes

__all__ = ["colour_for", "stripe_colour", "render_image", "load_image", "auto_size", "placeholder",
           "bomb_png", "encode", "MIME", "BadImage"]

MIME = {"png": "image/png", "jpeg": "image/jpeg", "webp": "image/webp"}
BLEED_LEVELS = 60
# Inputs above this are refused as bombs (twice the largest documented output).
MAX_INPUT_PIXELS = 2 * sizes.MAX_PIXELS


class BadImage(ValueError):
    pass


def colour_for(prompt: str) -> tuple[int, int, int]:
    h = hashlib.sha256(prompt.encode("utf-8")).digest()
    r, g, b = colorsys.hsv_to_rgb(h[0] / 255, 0.45 + h[1] / 255 * 0.3, 0.55 + h[2] / 255 * 0.35)
    return int(r * 255), int(g * 255), int(b * 255)


def stripe_colour(prompt: str) -> tuple[int, int, int]:
    r, g, b = colour_for(prompt)
    return 255 - r, 255 - g, 255 - b


def load_image(data: bytes) -> Image.Image:
    """Decode an upload fully, refusing bombs and corrupt files (what a real provider answers 400 to)."""
    try:
        img = Image.open(io.BytesIO(data))
        w, h = img.size
        if w * h > MAX_INPUT_PIXELS:
            raise BadImage(f"image is {w}x{h}, too many pixels")
        img.load()
        return img
    except BadImage:
        raise
    except Exception as e:  # Pillow raises many types for bad input
        raise BadImage(f"image could not be decoded ({type(e).__name__})") from None


def auto_size(style: str, first: Image.Image | None) -> tuple[int, int]:
    """What `size=auto` produces: the first input's aspect mapped to a documented size, else 1024x1024.

    style "qcode": one of QCode's three sizes; "openai": the 1k preset of openai-hk's nearest ratio.
    """
    if first is None:
        return 1024, 1024
    w, h = first.size
    if style == "qcode":
        options = [sizes.parse_pixels(s) for s in sizes.QCODE_SIZES]
        return min(options, key=lambda wh: abs(math.log((w / h) / (wh[0] / wh[1]))))
    ratio = sizes.nearest_ratio(w, h, tuple(sizes.OPENAI_HK_PRESETS))
    return sizes.OPENAI_HK_PRESETS[ratio]["1k"]


# Prompts are often Chinese or Korean: Pillow's default font draws those as empty boxes, so a font with CJK and
# Hangul is used where the system has one (scripts/install.sh installs Debian's fonts-noto-cjk).
_CJK_FONTS = ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
              "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
              "/System/Library/Fonts/PingFang.ttc")


@lru_cache(maxsize=32)
def _font(px: int) -> ImageFont.ImageFont:
    for path in _CJK_FONTS:
        try:
            return ImageFont.truetype(path, px)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=px)
    except (OSError, TypeError):   # Pillow without FreeType: a fixed bitmap font
        return ImageFont.load_default()


def _canvas(prompt: str, size: tuple[int, int], seq: int, striped: bool) -> Image.Image:
    w, h = size
    bg = colour_for(prompt)
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    if striped:
        sc, step = stripe_colour(prompt), max(24, min(w, h) // 24)
        for x in range(-h, w, step * 2):
            draw.line([(x, 0), (x + h, h)], fill=sc, width=step)
    else:
        digest = hashlib.sha256(f"{prompt}#{seq}".encode()).digest()
        for i in range(3):
            cx, cy = digest[i * 3] / 255 * w, digest[i * 3 + 1] / 255 * h
            rad = (0.08 + digest[i * 3 + 2] / 255 * 0.15) * min(w, h)
            shade = tuple(min(255, c + 40) for c in bg)
            draw.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], fill=shade)
    ink = (20, 20, 20) if sum(bg) > 380 else (245, 245, 245)
    px = max(12, min(w, h) // 20)
    font = _font(px)
    per_line = max(8, int(w * 0.9 / (px * 0.55)))
    lines = textwrap.wrap(prompt[:400], per_line)[:6] + [f"#{seq + 1}  {w}x{h}"]
    y = px // 2
    for line in lines:
        draw.text((px // 2, y), line, fill=ink, font=font)
        y += int(px * 1.25)
    return img


def _thumb_strip(img: Image.Image, inputs: list[Image.Image]) -> None:
    w, h = img.size
    strip = max(16, h // 5)
    pad = max(2, strip // 16)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, h - strip, w, h], fill=(255, 255, 255))
    x = pad
    for src in inputs:
        thumb = src.convert("RGB")
        thumb.thumbnail((strip - 2 * pad, strip - 2 * pad))
        if x + thumb.width > w:
            break
        img.paste(thumb, (x, h - strip + pad))
        x += thumb.width + pad


def render_image(prompt: str, size: tuple[int, int], *, seq: int = 0, inputs: list[Image.Image] = (),
                 mask: Image.Image | None = None, fmt: str = "png", compression: int | None = None,
                 transparent: bool = False, bleed: bool = False) -> bytes:
    """One result image of exactly `size`, encoded as `fmt`."""
    w, h = size
    if mask is not None and inputs:
        # At the source's own size resize() returns an exact copy, so the kept area is bit-exact.
        source = inputs[0].convert("RGB").resize((w, h), Image.BILINEAR)
        if bleed:
            source = source.point(lambda v: min(255, v + BLEED_LEVELS))
        alpha = mask.convert("RGBA").getchannel("A").resize((w, h), Image.NEAREST)
        repaint = alpha.point(lambda a: 255 if a < 128 else 0)
        img = Image.composite(_canvas(prompt, size, seq, striped=True), source, repaint)
    else:
        img = _canvas(prompt, size, seq, striped=False)
        if inputs:
            _thumb_strip(img, list(inputs))
        if transparent and fmt in ("png", "webp"):
            img = _clear_background(img, colour_for(prompt))
    return encode(img, fmt, compression)


def _clear_background(img: Image.Image, bg: tuple[int, int, int]) -> Image.Image:
    """The image with every pixel of exactly the background colour made fully transparent."""
    rgba = img.convert("RGBA")
    r, g, b = (band.point(lambda v, c=c: 255 if v == c else 0) for band, c in zip(img.split(), bg))
    is_bg = ImageChops.multiply(ImageChops.multiply(r, g), b)       # 255 only where all three match
    rgba.putalpha(ImageChops.invert(is_bg))
    return rgba


def encode(img: Image.Image, fmt: str = "png", compression: int | None = None) -> bytes:
    out = io.BytesIO()
    if fmt == "jpeg":
        img.convert("RGB").save(out, "JPEG", quality=compression if compression is not None else 90)
    elif fmt == "webp":
        img.save(out, "WEBP", quality=compression if compression is not None else 80, method=0,
                 exact=img.mode == "RGBA")
    else:
        # A 4k PNG must not take seconds: level 1 is several times faster than the default 6.
        img.save(out, "PNG", compress_level=1)
    return out.getvalue()


def placeholder(url: str) -> Image.Image:
    """What an https reference the simulator cannot fetch (it never goes online) stands in as."""
    img = Image.new("RGB", (256, 256), colour_for(url))
    ImageDraw.Draw(img).text((12, 12), "URL", fill=(255, 255, 255), font=_font(32))
    return img


def bomb_png(width: int = 30000, height: int = 30000) -> bytes:
    """A small PNG whose header declares `width`×`height` pixels: a decompression bomb for the client to refuse."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + width * 3) * 2)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
