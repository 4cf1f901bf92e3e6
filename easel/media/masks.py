"""Masks for edits: canvas strokes → an alpha mask at the source's exact size; paste-back; a difference heatmap.

The mask convention is the one QCode (qcode.txt: "PNG alpha; transparent area = region to repaint") and gccai
(gccai.txt: "the mask image has an Alpha channel … dimensions must match the first reference image") document,
which is OpenAI's: a PNG the size of the first image, **alpha 0 where the model may repaint**, alpha 255 where it
must keep. Every function here works on that form, called a *mask* below, as an RGBA `PIL.Image`.

The canvas (streamlit-drawable-canvas) shows a downscaled copy of the source. It reports how that copy was
placed on the canvas as `background_fit` (`natural_width/height` of the copy, `scale_x/y`, `offset_x/y` in
canvas pixels), so a canvas pixel maps back to a source pixel through the copy.

The brush paints in `BRUSH_COLOR` and the eraser in `ERASER_COLOR`, both at `STROKE_ALPHA` (`BRUSH_RGBA`,
`ERASER_RGBA`), so the mask shows as a tint over the image. The canvas composites strokes in order, and a stroke
of alpha a ≥ 0.5 drawn over anything gets a weight a / (a + u·(1 − a)) > 1/2 in the pixel's colour (u ≤ 1 is the
alpha already there), so the pixel's colour is always nearer the colour of the tool that crossed it last. That is
the rule `painted_pixels` applies, which makes the mask the same whatever the stroke alpha (from 0.5 to opaque).

Pure Pillow + numpy; no Streamlit.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = [
    "PASTE_BACK_IDX", "is_paste_back",
    "BRUSH_COLOR", "ERASER_COLOR", "STROKE_ALPHA", "BRUSH_RGBA", "ERASER_RGBA", "Fit", "contain_fit", "display_size", "display_copy", "painted_pixels",
    "strokes_to_mask", "empty_mask", "mask_from_bool", "repaint_area", "repaint_fraction", "invert",
    "normalize_external", "resize_mask", "to_png", "overlay", "paste_back",
    "difference", "difference_heatmap", "wipe",
]

BRUSH_COLOR = (255, 45, 85)     # "#ff2d55": visible on most photos
ERASER_COLOR = (255, 255, 255)  # white: reads as "rubbed out" on the canvas
STROKE_ALPHA = 0.5              # the canvas's strokes: a tint, and still ≥ 0.5 so the last tool wins (see above)
_ALPHA_CUTOFF = 128             # a mask's alpha: below half is "repaint"
# A canvas pixel counts as stroked from half a stroke's coverage, so anti-aliased edges split evenly.
_STROKE_CUTOFF = round(255 * STROKE_ALPHA / 2)


# A "keep unmasked pixels" image is stored as an extra image of the same job, at this offset from the result's
# own index, so the gallery can label it and a second paste-back of the same result is a no-op.
PASTE_BACK_IDX = 1000


def is_paste_back(idx: int) -> bool:
    return idx >= PASTE_BACK_IDX


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#%02x%02x%02x" % rgb


def _rgba(rgb: tuple[int, int, int], alpha: float) -> str:
    return "rgba(%d, %d, %d, %g)" % (*rgb, alpha)


BRUSH_HEX = _hex(BRUSH_COLOR)
ERASER_HEX = _hex(ERASER_COLOR)
BRUSH_RGBA = _rgba(BRUSH_COLOR, STROKE_ALPHA)      # what the canvas is given as its stroke and fill colours
ERASER_RGBA = _rgba(ERASER_COLOR, STROKE_ALPHA)


@dataclass(frozen=True)
class Fit:
    """Where the displayed copy sits on the canvas: canvas = offset + copy_pixel × scale."""

    natural_width: float
    natural_height: float
    scale_x: float
    scale_y: float
    offset_x: float = 0.0
    offset_y: float = 0.0

    @classmethod
    def from_canvas(cls, d: dict) -> "Fit":
        """From `CanvasResult.background_fit` (snake_case keys)."""
        return cls(float(d["natural_width"]), float(d["natural_height"]), float(d["scale_x"]),
                   float(d["scale_y"]), float(d.get("offset_x", 0.0)), float(d.get("offset_y", 0.0)))


def contain_fit(canvas_w: int, canvas_h: int, image_w: int, image_h: int) -> Fit:
    """The canvas's own "contain" placement (its frontend's formula), for when it has not reported one yet."""
    s = min(canvas_w / image_w, canvas_h / image_h)
    return Fit(image_w, image_h, s, s, (canvas_w - image_w * s) / 2, (canvas_h - image_h * s) / 2)


def display_size(width: int, height: int, max_width: int = 700, max_height: int = 700) -> tuple[int, int]:
    """The size of the on-page copy: the source scaled down (never up) to fit the box, aspect kept."""
    s = min(1.0, max_width / width, max_height / height)
    return max(1, round(width * s)), max(1, round(height * s))


def display_copy(image: Image.Image, max_width: int = 700, max_height: int = 700) -> Image.Image:
    """A small RGB copy for the canvas background: a 3000 px PNG would travel on every rerun."""
    size = display_size(image.width, image.height, max_width, max_height)
    img = image.convert("RGB")
    return img if size == img.size else img.resize(size, Image.LANCZOS)


def painted_pixels(strokes: Image.Image) -> np.ndarray:
    """Bool array (canvas size): where the brush, not the eraser, was the last tool over the pixel.

    A pixel is stroked when its alpha is at least half of one stroke's (`STROKE_ALPHA`; opaque strokes pass
    too), and it is the brush's when its colour is nearer the brush's than the eraser's."""
    a = np.asarray(strokes.convert("RGBA"), dtype=np.int32)
    rgb, alpha = a[..., :3], a[..., 3]
    d_brush = ((rgb - np.array(BRUSH_COLOR)) ** 2).sum(-1)
    d_eraser = ((rgb - np.array(ERASER_COLOR)) ** 2).sum(-1)
    return (alpha >= _STROKE_CUTOFF) & (d_brush < d_eraser)


def strokes_to_mask(strokes: Image.Image, fit: Fit | dict | None, source_size: tuple[int, int]) -> Image.Image:
    """The mask at `source_size` from the canvas's strokes image (canvas size, RGBA).

    Each source pixel's centre is carried to canvas coordinates (source → displayed copy → canvas) and takes
    the painted state of the canvas pixel it lands on. Source pixels that land outside the canvas are kept.
    Without a fit, the strokes image is taken to cover the source exactly (stretch).
    """
    painted = painted_pixels(strokes)
    ch, cw = painted.shape
    sw, sh = source_size
    if fit is None:
        fit = Fit(sw, sh, cw / sw, ch / sh)
    elif isinstance(fit, dict):
        fit = Fit.from_canvas(fit)
    xs = fit.offset_x + (np.arange(sw) + 0.5) * (fit.natural_width / sw) * fit.scale_x
    ys = fit.offset_y + (np.arange(sh) + 0.5) * (fit.natural_height / sh) * fit.scale_y
    xi, yi = np.floor(xs).astype(np.int64), np.floor(ys).astype(np.int64)
    x_in, y_in = (xi >= 0) & (xi < cw), (yi >= 0) & (yi < ch)
    sampled = painted[np.clip(yi, 0, ch - 1)[:, None], np.clip(xi, 0, cw - 1)[None, :]]
    return mask_from_bool(sampled & y_in[:, None] & x_in[None, :])


def mask_from_bool(repaint: np.ndarray) -> Image.Image:
    """A mask from a bool array (True = repaint): transparent black to repaint, opaque white to keep."""
    h, w = repaint.shape
    out = np.full((h, w, 4), 255, dtype=np.uint8)
    out[repaint] = (0, 0, 0, 0)
    return Image.fromarray(out, "RGBA")


def empty_mask(size: tuple[int, int]) -> Image.Image:
    """Keep everything (nothing to repaint)."""
    return mask_from_bool(np.zeros((size[1], size[0]), dtype=bool))


def repaint_area(mask: Image.Image) -> np.ndarray:
    """Bool array: True where the mask lets the model repaint (alpha below half)."""
    return np.asarray(mask.convert("RGBA"))[..., 3] < _ALPHA_CUTOFF


def repaint_fraction(mask: Image.Image) -> float:
    return float(repaint_area(mask).mean())


def invert(mask: Image.Image) -> Image.Image:
    """Repaint what was kept and keep what was repainted."""
    return mask_from_bool(~repaint_area(mask))


def normalize_external(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """A mask someone made elsewhere, as this module's mask at `size` (the first image's size).

    - An image with real transparency (any alpha below 255) is an alpha mask already: transparent = repaint,
      as the providers' docs define it.
    - Otherwise it is read as black-and-white, the convention of most editors' selection masks:
      **white (light) = repaint, black (dark) = keep**, cut at mid-grey.
    It is resized with nearest-neighbour so its edge stays hard.
    """
    rgba = image.convert("RGBA")
    alpha = np.asarray(rgba)[..., 3]
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    if has_alpha and (alpha < 255).any():
        repaint = alpha < _ALPHA_CUTOFF
    else:
        repaint = np.asarray(image.convert("L")) >= 128
    return resize_mask(mask_from_bool(repaint), size)


def resize_mask(mask: Image.Image, size: tuple[int, int]) -> Image.Image:
    if mask.size == tuple(size):
        return mask
    return mask_from_bool(repaint_area(mask.resize(tuple(size), Image.NEAREST)))


def to_png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def overlay(image: Image.Image, mask: Image.Image, color: tuple[int, int, int] = BRUSH_COLOR,
            opacity: float = 0.5) -> Image.Image:
    """A preview: the image with the repaint area tinted, the mask resized to the image if needed."""
    base = image.convert("RGB")
    area = repaint_area(resize_mask(mask, base.size))
    px = np.asarray(base, dtype=np.float32)
    px[area] = px[area] * (1 - opacity) + np.array(color, dtype=np.float32) * opacity
    return Image.fromarray(px.round().astype(np.uint8), "RGB")


def paste_back(source: Image.Image, result: Image.Image, mask: Image.Image) -> Image.Image:
    """Keep unmasked pixels: the result at the source's size, with the source's own pixels outside the mask.

    gpt-image models redraw the whole frame, so pixels outside the mask drift; this puts them back exactly.
    The output keeps the source's mode (RGBA stays RGBA) so an untouched pixel is byte-for-byte the source's.
    """
    mode = "RGBA" if "A" in source.getbands() else "RGB"
    src = source.convert(mode)
    res = result.convert(mode)
    if res.size != src.size:
        res = res.resize(src.size, Image.LANCZOS)
    area = repaint_area(resize_mask(mask, src.size))
    out = np.array(src)
    out[area] = np.asarray(res)[area]
    return Image.fromarray(out, mode)


def difference(before: Image.Image, after: Image.Image) -> np.ndarray:
    """Per-pixel largest channel difference (0–255), `after` resized to `before`'s size."""
    b = before.convert("RGB")
    a = after.convert("RGB")
    if a.size != b.size:
        a = a.resize(b.size, Image.LANCZOS)
    return np.abs(np.asarray(b, dtype=np.int16) - np.asarray(a, dtype=np.int16)).max(-1).astype(np.uint8)


def difference_heatmap(before: Image.Image, after: Image.Image, max_side: int | None = 700) -> Image.Image:
    """A heatmap of where the images differ: black = identical, through red and yellow to white = most.

    Amplified ×4 so a faint change still shows; `max_side` keeps the preview small.
    """
    d = np.clip(difference(before, after).astype(np.float32) * 4, 0, 255) / 255.0
    r = np.clip(d * 3, 0, 1)
    g = np.clip(d * 3 - 1, 0, 1)
    b = np.clip(d * 3 - 2, 0, 1)
    img = Image.fromarray((np.stack([r, g, b], -1) * 255).round().astype(np.uint8), "RGB")
    if max_side and max(img.size) > max_side:
        img.thumbnail((max_side, max_side), Image.BILINEAR)
    return img


def wipe(before: Image.Image, after: Image.Image, position: float, *, line: tuple[int, int, int] = (255, 255, 255)
         ) -> Image.Image:
    """A before/after wipe: `before` left of `position` (0–1 of the width), `after` right of it, with a thin line
    at the seam. `after` is resized to `before`'s size; both are made RGB. 0 shows all after, 1 all before."""
    b = before.convert("RGB")
    a = after.convert("RGB")
    if a.size != b.size:
        a = a.resize(b.size, Image.LANCZOS)
    x = round(min(1.0, max(0.0, position)) * b.width)
    out = a.copy()
    if x > 0:
        out.paste(b.crop((0, 0, x, b.height)), (0, 0))
    if 0 < x < b.width:
        px = np.asarray(out).copy()
        px[:, max(0, x - 1):x + 1] = line
        out = Image.fromarray(px, "RGB")
    return out
