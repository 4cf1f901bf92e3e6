"""Downloads in any of the three formats, converted locally: the right magic bytes, the same pixel size, and for
JPEG the transparency flattened onto white (the other two keep it)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from easel.media import imaging

MAGIC = {"png": lambda b: b[:8] == b"\x89PNG\r\n\x1a\n", "jpeg": lambda b: b[:3] == b"\xff\xd8\xff",
         "webp": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"}


def _half_transparent(w=300, h=200) -> bytes:
    img = Image.new("RGBA", (w, h), (20, 90, 200, 255))
    img.paste((255, 0, 0, 0), (0, 0, w // 2, h))          # left half fully transparent (its colour must not show)
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["png", "jpeg", "webp"])
@pytest.mark.parametrize("source", ["PNG", "JPEG", "WEBP"])
def test_every_result_converts_to_every_format_at_its_own_size(fmt, source):
    out = io.BytesIO()
    Image.new("RGB", (1536, 1024), (30, 140, 60)).save(out, source)
    data = imaging.convert(out.getvalue(), fmt, {"prompt": "a fox"})
    assert MAGIC[fmt](data)
    assert Image.open(io.BytesIO(data)).size == (1536, 1024)


def test_jpeg_flattens_transparency_onto_white_and_png_webp_keep_it():
    src = _half_transparent()
    jpeg = Image.open(io.BytesIO(imaging.convert(src, "jpeg")))
    assert jpeg.mode == "RGB" and jpeg.size == (300, 200)
    assert all(c >= 250 for c in jpeg.getpixel((40, 100)))               # white, not the hidden red
    r, g, b = jpeg.getpixel((250, 100))
    assert abs(r - 20) < 8 and abs(g - 90) < 8 and abs(b - 200) < 8      # the opaque half unchanged
    for fmt in ("png", "webp"):
        img = Image.open(io.BytesIO(imaging.convert(src, fmt)))
        assert img.mode == "RGBA" and img.getpixel((40, 100))[3] == 0 and img.getpixel((250, 100))[3] == 255
