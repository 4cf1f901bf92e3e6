"""The scorecard's measurements and suite planning, on bytes made here (no network)."""

from __future__ import annotations

import io

from PIL import Image

from easel.providers.catalog import get_profile
from easel.scorecard import measure
from easel.scorecard.suite import mask_png, plan, select_checks, source_png


def encode(img: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def test_the_format_is_read_from_the_magic_bytes_only():
    rgb = Image.new("RGB", (8, 8), (10, 20, 30))
    assert [measure.magic_format(encode(rgb, f)) for f in ("PNG", "JPEG", "WEBP")] == ["png", "jpeg", "webp"]
    assert measure.magic_format(b"GIF89a" + b"\0" * 10) == "unknown"


def test_alpha_share_is_none_without_alpha_and_counts_fully_transparent_pixels():
    assert measure.alpha_share(encode(Image.new("RGB", (4, 4)), "PNG")) is None
    img = Image.new("RGBA", (4, 4), (0, 0, 0, 255))
    for x in range(4):
        img.putpixel((x, 0), (0, 0, 0, 0))          # one row of four fully transparent
    img.putpixel((0, 1), (0, 0, 0, 128))            # half transparent is not counted
    assert measure.alpha_share(encode(img, "PNG")) == 4 / 16


def test_outside_mask_difference_ignores_the_repainted_square_and_sees_the_kept_area():
    source = source_png()
    with Image.open(io.BytesIO(source)) as src:
        repainted = src.convert("RGB")
    repainted.paste((255, 0, 255), (256, 256, 768, 768))      # only inside the mask's transparent square
    assert measure.outside_mask_difference(source, mask_png(), encode(repainted, "PNG")) == 0.0
    shifted = repainted.point(lambda v: min(255, v + 10))
    assert 5 < measure.outside_mask_difference(source, mask_png(), encode(shifted, "PNG")) <= 10
    # Another size: measured on the returned image's grid, the source and mask scaled to it.
    half = repainted.resize((512, 512), Image.BILINEAR)
    assert measure.outside_mask_difference(source, mask_png(), encode(half, "PNG")) < 8


def test_the_suite_plans_edits_where_the_doc_takes_an_option_on_edits_only():
    qcode = {p.key: p for p in plan(get_profile("qcode"), select_checks(None))}
    assert sorted(qcode) == sorted(["size:1024x1024", "size:1024x1536", "size:1536x1024", "n", "format:jpeg",
                                    "format:webp", "compression:20", "compression:90", "transparent", "mask",
                                    "invalid_size", "quality:medium", "quality:high"])
    assert qcode["format:jpeg"].request.is_edit and not qcode["size:1024x1024"].request.is_edit
    assert qcode["invalid_size"].check is False and qcode["invalid_size"].request.size == "1000x1000"
    icode = {p.key for p in plan(get_profile("icodeeasy"), ["output_format", "mask", "background", "errors"])}
    assert icode == {"invalid_size"}           # no output_format, mask or background in icodeeasy.txt
