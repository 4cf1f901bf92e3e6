"""Mask conversion: what the provider receives must be the region the user painted, at the source's exact size."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from easel.media import masks


def _strokes(canvas_w, canvas_h, rects, color=masks.BRUSH_COLOR):
    """A canvas strokes image (transparent except the painted rectangles), as the canvas returns it."""
    img = Image.new("RGBA", (canvas_w, canvas_h), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    for r in rects:
        d.rectangle(r, fill=color + (255,))
    return img


def _box(mask):
    """Bounding box (x0, y0, x1, y1 inclusive) of the repaint area."""
    ys, xs = np.nonzero(masks.repaint_area(mask))
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def test_mask_has_the_source_size_and_transparent_where_painted():
    # 1536x1024 source shown at 700x467 on a canvas of the same size: scale ~0.4557.
    fit = masks.Fit(700, 467, 1.0, 1.0)
    strokes = _strokes(700, 467, [(100, 100, 199, 199)])
    mask = masks.strokes_to_mask(strokes, fit, (1536, 1024))
    assert mask.size == (1536, 1024)
    assert mask.mode == "RGBA"
    a = np.asarray(mask)[..., 3]
    assert set(np.unique(a)) == {0, 255}
    x0, y0, x1, y1 = _box(mask)
    k = 1536 / 700
    assert abs(x0 - 100 * k) <= 2 and abs(x1 - 200 * k) <= 2
    assert abs(y0 - 100 * 1024 / 467) <= 2 and abs(y1 - 200 * 1024 / 467) <= 2
    # Everything else is opaque (keep).
    assert masks.repaint_area(mask).sum() == (x1 - x0 + 1) * (y1 - y0 + 1)


def test_png_bytes_round_trip_keep_alpha():
    mask = masks.strokes_to_mask(_strokes(10, 10, [(0, 0, 4, 9)]), None, (20, 20))
    back = Image.open(io.BytesIO(masks.to_png(mask)))
    assert back.mode == "RGBA" and back.size == (20, 20)
    assert masks.repaint_area(back)[:, :10].all() and not masks.repaint_area(back)[:, 10:].any()


@pytest.mark.parametrize(
    "canvas, image, painted_canvas_rect, expected_source_box",
    [
        # Wide image in a square canvas: letterbox bars above and below (offset_y > 0).
        ((400, 400), (800, 400), (0, 100, 199, 299), (0, 0, 399, 399)),
        # Tall image in a square canvas: pillar bars left and right (offset_x > 0).
        ((400, 400), (400, 800), (100, 0, 299, 199), (0, 0, 399, 399)),
    ],
)
def test_contain_offsets_map_back_in_both_letterbox_directions(canvas, image, painted_canvas_rect, expected_source_box):
    display = masks.display_size(*image, max_width=canvas[0], max_height=canvas[1])
    fit = masks.contain_fit(*canvas, *display)
    assert (fit.offset_x > 0) != (fit.offset_y > 0)
    strokes = _strokes(*canvas, [painted_canvas_rect])
    mask = masks.strokes_to_mask(strokes, fit, image)
    assert mask.size == image
    assert _box(mask) == expected_source_box


def test_paint_on_the_letterbox_bar_is_ignored():
    fit = masks.contain_fit(400, 400, 400, 200)      # image occupies rows 100..299
    strokes = _strokes(400, 400, [(0, 0, 399, 99)])   # only the bar above
    mask = masks.strokes_to_mask(strokes, fit, (800, 400))
    assert masks.repaint_fraction(mask) == 0.0


def test_fit_dict_from_the_canvas_is_accepted():
    fit = {"natural_width": 200, "natural_height": 100, "scale_x": 2.0, "scale_y": 2.0, "offset_x": 0, "offset_y": 100}
    strokes = _strokes(400, 400, [(0, 100, 199, 299)])
    mask = masks.strokes_to_mask(strokes, fit, (1000, 500))
    assert _box(mask) == (0, 0, 499, 499)


def test_eraser_over_brush_keeps_those_pixels():
    strokes = _strokes(100, 100, [(0, 0, 99, 99)])
    ImageDraw.Draw(strokes).rectangle((0, 0, 49, 99), fill=masks.ERASER_COLOR + (255,))
    mask = masks.strokes_to_mask(strokes, None, (100, 100))
    area = masks.repaint_area(mask)
    assert not area[:, :50].any() and area[:, 50:].all()


def test_faint_antialiased_edges_do_not_count():
    strokes = Image.new("RGBA", (10, 10), masks.BRUSH_COLOR + (60,))
    assert masks.repaint_fraction(masks.strokes_to_mask(strokes, None, (10, 10))) == 0.0


def test_invert_swaps_repaint_and_keep():
    mask = masks.strokes_to_mask(_strokes(10, 10, [(0, 0, 2, 9)]), None, (10, 10))
    inv = masks.invert(mask)
    assert (masks.repaint_area(inv) == ~masks.repaint_area(mask)).all()
    assert masks.invert(inv).tobytes() == mask.tobytes()


def test_external_alpha_png_is_kept_as_is_and_resized_to_the_first_image():
    ext = Image.new("RGBA", (50, 50), (10, 20, 30, 255))
    ImageDraw.Draw(ext).rectangle((0, 0, 24, 49), fill=(10, 20, 30, 0))
    mask = masks.normalize_external(ext, (100, 60))
    assert mask.size == (100, 60)
    area = masks.repaint_area(mask)
    assert area[:, :50].all() and not area[:, 50:].any()


def test_external_black_and_white_mask_white_means_repaint():
    bw = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(bw).rectangle((20, 0, 39, 39), fill=255)
    mask = masks.normalize_external(bw, (40, 40))
    area = masks.repaint_area(mask)
    assert area[:, 20:].all() and not area[:, :20].any()
    # An RGB(A) black-and-white file without real transparency reads the same way.
    rgb = bw.convert("RGBA")
    assert (masks.repaint_area(masks.normalize_external(rgb, (40, 40))) == area).all()


def test_paste_back_keeps_unmasked_pixels_exactly():
    rng = np.random.default_rng(1)
    source = Image.fromarray(rng.integers(0, 256, (60, 90, 3), dtype=np.uint8), "RGB")
    result = Image.new("RGB", (45, 30), (0, 255, 0))     # smaller: resized back to the source
    mask = masks.strokes_to_mask(_strokes(90, 60, [(30, 10, 59, 39)]), None, (90, 60))
    out = masks.paste_back(source, result, mask)
    assert out.size == source.size
    area = masks.repaint_area(mask)
    src, got = np.asarray(source), np.asarray(out)
    assert (got[~area] == src[~area]).all()
    assert (got[area] == (0, 255, 0)).all()


def test_paste_back_keeps_an_rgba_source_byte_for_byte():
    source = Image.new("RGBA", (20, 20), (1, 2, 3, 77))
    out = masks.paste_back(source, Image.new("RGB", (20, 20), "white"), masks.empty_mask((20, 20)))
    assert out.mode == "RGBA" and out.tobytes() == source.tobytes()


def test_difference_heatmap_is_black_where_unchanged_and_bright_where_changed():
    before = Image.new("RGB", (40, 20), (100, 100, 100))
    after = before.copy()
    ImageDraw.Draw(after).rectangle((20, 0, 39, 19), fill=(200, 100, 100))
    heat = np.asarray(masks.difference_heatmap(before, after))
    assert heat[:, :20].max() == 0
    assert heat[:, 20:].min() > 200


def test_display_copy_never_exceeds_the_page_box_and_never_upscales():
    assert masks.display_copy(Image.new("RGB", (3000, 2000))).size == (700, 467)
    assert masks.display_copy(Image.new("RGB", (1024, 1536))).size == (467, 700)
    assert masks.display_copy(Image.new("RGB", (300, 200))).size == (300, 200)


def test_overlay_tints_only_the_repaint_area():
    img = Image.new("RGB", (20, 10), (0, 0, 0))
    mask = masks.strokes_to_mask(_strokes(20, 10, [(0, 0, 9, 9)]), None, (20, 10))
    px = np.asarray(masks.overlay(img, mask))
    assert px[:, :10].any(-1).all() and not px[:, 10:].any()


# --- translucent strokes: the canvas paints at STROKE_ALPHA, the mask is the same as with opaque paint ----------

def _paint(img, rect, color, alpha=masks.STROKE_ALPHA):
    """Composite one stroke over the strokes image, as the canvas does (source-over)."""
    layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
    ImageDraw.Draw(layer).rectangle(rect, fill=color + (round(255 * alpha),))
    return Image.alpha_composite(img, layer)


def test_the_canvas_is_given_translucent_colours():
    assert masks.BRUSH_RGBA == "rgba(255, 45, 85, 0.5)" and masks.ERASER_RGBA == "rgba(255, 255, 255, 0.5)"


@pytest.mark.parametrize("alpha", [0.5, 0.6, 0.8, 1.0])
def test_translucent_brush_gives_the_same_mask_as_opaque_paint(alpha):
    strokes = _paint(Image.new("RGBA", (100, 80), (0, 0, 0, 0)), (10, 20, 59, 49), masks.BRUSH_COLOR, alpha)
    opaque = _strokes(100, 80, [(10, 20, 59, 49)])
    got = masks.strokes_to_mask(strokes, None, (200, 160))
    assert got.tobytes() == masks.strokes_to_mask(opaque, None, (200, 160)).tobytes()
    assert _box(got) == (20, 40, 119, 99)


@pytest.mark.parametrize("alpha", [0.5, 0.7, 1.0])
def test_the_last_tool_over_a_pixel_wins_however_many_layers_are_below(alpha):
    img = Image.new("RGBA", (60, 10), (0, 0, 0, 0))
    for _ in range(4):                                   # brush, thickly, everywhere
        img = _paint(img, (0, 0, 59, 9), masks.BRUSH_COLOR, alpha)
    img = _paint(img, (0, 0, 39, 9), masks.ERASER_COLOR, alpha)      # erase the left two thirds
    img = _paint(img, (0, 0, 19, 9), masks.BRUSH_COLOR, alpha)       # paint the first third again
    area = masks.repaint_area(masks.strokes_to_mask(img, None, (60, 10)))
    assert area[:, :20].all() and not area[:, 20:40].any() and area[:, 40:].all()


def test_eraser_alone_is_never_paint():
    img = _paint(Image.new("RGBA", (10, 10), (0, 0, 0, 0)), (0, 0, 9, 9), masks.ERASER_COLOR)
    assert masks.repaint_fraction(masks.strokes_to_mask(img, None, (10, 10))) == 0.0


def test_wipe_shows_before_left_of_the_seam_and_after_right_of_it():
    before = Image.new("RGB", (100, 20), (255, 0, 0))
    after = Image.new("RGB", (50, 10), (0, 0, 255))            # another size: resized to the before's
    out = masks.wipe(before, after, 0.3)
    assert out.size == (100, 20)
    assert out.getpixel((10, 5)) == (255, 0, 0) and out.getpixel((80, 5)) == (0, 0, 255)
    assert out.getpixel((30, 5)) == (255, 255, 255)           # the seam
    assert masks.wipe(before, after, 0).getpixel((0, 0)) == (0, 0, 255)
    assert masks.wipe(before, after, 1).getpixel((99, 19)) == (255, 0, 0)
