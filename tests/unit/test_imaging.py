"""imaging: the pixel cap, clear errors for corrupt files, thumbnails, conversions with metadata."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image

from easel.media import imaging
from easel.core.errors import ResponseError, UploadError
from easel.core.mime import sniff_mime


def encode(img: Image.Image, fmt="PNG") -> bytes:
    out = io.BytesIO()
    img.save(out, fmt)
    return out.getvalue()


def bomb() -> bytes:
    return encode(Image.new("1", (6000, 4000)))       # 24 MP in a few kB


def test_open_image_decodes_and_reports_size():
    img = imaging.open_image(encode(Image.new("RGB", (30, 20), "red")))
    assert img.size == (30, 20) and img.getpixel((0, 0)) == (255, 0, 0)
    assert imaging.image_size(encode(Image.new("RGB", (7, 9)), "JPEG")) == (7, 9)


def test_the_pixel_cap_is_twice_the_largest_documented_output():
    assert imaging.MAX_PIXELS == 8_294_400 * 2


def test_a_bomb_upload_is_an_upload_error_and_a_bomb_result_a_response_error():
    with pytest.raises(UploadError) as up:
        imaging.open_image(bomb())
    assert up.value.code == "decompression_bomb"
    assert up.value.message == ("The uploaded file is 6000×4000 = 24,000,000 pixels, over the safety cap of "
                                "16,588,800; it was not opened.")
    with pytest.raises(ResponseError, match="The result image is 6000×4000") as res:
        imaging.image_size(bomb(), what="result")
    assert res.value.code == "decompression_bomb"


def test_an_image_at_the_cap_opens_lazily_without_error():
    assert imaging.image_size(encode(Image.new("1", (4000, 4000)))) == (4000, 4000)


@pytest.mark.parametrize("data, code", [
    (b"", "empty_image"),
    (b"GIF89a\x01\x00\x01\x00", "unsupported_image_type"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "corrupt_image"),
])
def test_unreadable_files_name_the_problem(data, code):
    with pytest.raises(UploadError) as e:
        imaging.open_image(data)
    assert e.value.code == code and e.value.message.startswith("The uploaded file ")


def test_a_truncated_png_fails_on_decode():
    data = encode(Image.effect_noise((64, 64), 50).convert("RGB"))
    with pytest.raises(ResponseError, match="corrupt or truncated") as e:
        imaging.open_image(data[: len(data) // 2], what="result")
    assert e.value.code == "corrupt_image"


def test_thumbnail_is_png_within_max_side_keeping_shape_and_alpha_when_transparent():
    src = encode(Image.new("RGBA", (1536, 1024), (0, 0, 255, 0)))
    thumb = imaging.thumbnail(src)
    assert sniff_mime(thumb) == "image/png"
    img = Image.open(io.BytesIO(thumb))
    assert img.size == (384, 256) and img.mode == "RGBA" and img.getpixel((5, 5))[3] == 0
    small = Image.open(io.BytesIO(imaging.thumbnail(encode(Image.new("RGB", (100, 50))), max_side=384)))
    assert small.size == (100, 50)          # never enlarged


def test_thumbnail_of_an_opaque_image_is_jpeg_even_with_an_alpha_channel():
    for src in (encode(Image.new("RGB", (1024, 1536), (200, 10, 10))),
                encode(Image.new("RGBA", (1024, 1536), (200, 10, 10, 255)))):
        thumb = imaging.thumbnail(src)
        assert sniff_mime(thumb) == "image/jpeg"
        assert Image.open(io.BytesIO(thumb)).size == (256, 384)


def test_png_conversion_carries_prompt_and_params_but_never_a_key():
    src = encode(Image.new("RGB", (16, 16)), "JPEG")
    meta = {"prompt": "一只橘猫 on a windowsill", "params": {"size": "1:1", "n": 1}, "provider": "icodeeasy",
            "api_key": "sk_test_secret", "Authorization": "Bearer sk_test_secret", "key_fingerprint": "fp-1"}
    data = imaging.convert(src, "png", meta)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.size == (16, 16)
    assert img.text == {"prompt": "一只橘猫 on a windowsill", "params": '{"n": 1, "size": "1:1"}', "provider": "icodeeasy"}
    assert b"sk_test_secret" not in data


@pytest.mark.parametrize("fmt, mime", [("jpeg", "image/jpeg"), ("jpg", "image/jpeg"), ("webp", "image/webp")])
def test_jpeg_and_webp_carry_metadata_in_exif(fmt, mime):
    src = encode(Image.new("RGBA", (10, 10), (255, 0, 0, 0)))
    data = imaging.convert(src, fmt, {"prompt": "fox", "secret_token": "sk_test_x"})
    assert sniff_mime(data) == mime and b"sk_test_x" not in data
    img = Image.open(io.BytesIO(data))
    assert json.loads(img.getexif()[0x010E]) == {"prompt": "fox"}
    if mime == "image/jpeg":
        assert img.mode == "RGB" and img.getpixel((5, 5))[0] > 240      # transparency flattened onto white


def test_convert_rejects_unknown_formats():
    with pytest.raises(UploadError, match="png, jpeg, webp; got gif"):
        imaging.convert(encode(Image.new("RGB", (4, 4))), "gif")


def test_to_png_keeps_png_bytes_and_converts_others():
    png = encode(Image.new("RGBA", (5, 5)))
    assert imaging.to_png(png) == png
    converted = imaging.to_png(encode(Image.new("RGB", (5, 6)), "WEBP"))
    assert sniff_mime(converted) == "image/png" and Image.open(io.BytesIO(converted)).size == (5, 6)


def test_decode_limit_is_twice_the_largest_documented_output():
    from easel.media import imaging
    from easel.providers import sizes

    assert imaging.MAX_PIXELS == 2 * sizes.MAX_PIXELS


# --- downscaling a too-large image to the providers' limit ----------------------------------------------------

LIMIT = dict(max_side=3840, max_pixels=8_294_400)        # easel.providers.sizes.MAX_SIDE / MAX_PIXELS


@pytest.mark.parametrize("size", [(7680, 4320), (6000, 4000), (4032, 3024), (20000, 400), (300, 9000), (3841, 2160),
                                  (5000, 5000), (4001, 2999)])
def test_fit_within_is_within_both_limits_and_keeps_the_aspect_ratio(size):
    w, h = imaging.fit_within(*size, **LIMIT)
    assert max(w, h) <= 3840 and w * h <= 8_294_400
    # Rounding down costs under one pixel on each side, so the ratio is kept to that precision.
    assert abs(w / h - size[0] / size[1]) <= (size[0] / size[1]) * (1 / min(w, h) + 1 / max(w, h))
    # As large as allowed: one more pixel on the long side would break a limit or the ratio.
    s = w / size[0]
    assert max(w, h) == 3840 or (w + 1) * (h + 1) > 8_294_400 or s > 0.999


def test_fit_within_gives_the_exact_4k_frame_and_never_enlarges():
    assert imaging.fit_within(7680, 4320, **LIMIT) == (3840, 2160)
    assert imaging.fit_within(1536, 1024, **LIMIT) == (1536, 1024)
    assert imaging.fit_within(3840, 2160, **LIMIT) == (3840, 2160)


def test_downscale_opens_an_image_over_the_guard_and_shrinks_it_to_the_limit():
    big = encode(Image.new("RGB", (7680, 4320), (10, 200, 30)))
    with pytest.raises(UploadError, match="safety cap"):
        imaging.open_image(big)                       # too large to use as it is ...
    small = imaging.downscale(big, **LIMIT)           # ... but fine to shrink
    assert small.size == (3840, 2160) and small.original == (7680, 4320) and small.mime == "image/png"
    img = Image.open(io.BytesIO(small.data))
    assert img.size == (3840, 2160) and img.getpixel((100, 100)) == (10, 200, 30)


def test_downscale_keeps_jpeg_as_jpeg_and_transparency_in_png():
    jpg = imaging.downscale(encode(Image.new("RGB", (5000, 4000), "orange"), "JPEG"), **LIMIT)
    assert jpg.mime == "image/jpeg" and jpg.width * jpg.height <= 8_294_400 and abs(jpg.width / jpg.height - 1.25) < 0.001
    png = imaging.downscale(encode(Image.new("RGBA", (4000, 4000), (0, 0, 255, 0))), **LIMIT)
    assert png.mime == "image/png" and Image.open(io.BytesIO(png.data)).getpixel((5, 5))[3] == 0


def test_downscale_to_a_byte_limit_goes_lossy_then_smaller_until_it_fits():
    noise = encode(Image.effect_noise((1536, 1024), 80).convert("RGB"))
    assert len(noise) > 2**20
    small = imaging.downscale(noise, **LIMIT, max_bytes=2**20)
    assert len(small.data) <= 2**20 and small.mime == "image/jpeg"
    assert abs(small.width / small.height - 1.5) < 0.01


def test_downscale_refuses_a_bomb_and_corrupt_files_by_name():
    from easel.simulator import render

    with pytest.raises(UploadError) as e:
        imaging.downscale(render.bomb_png(), **LIMIT)     # 30000×30000: beyond what Easel decodes even to shrink
    assert e.value.code == "decompression_bomb" and "over the safety cap of 66,355,200 pixels (the cap for opening an image to downscale it)" in e.value.message
    with pytest.raises(UploadError) as e:
        imaging.downscale(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, **LIMIT)
    assert e.value.code == "corrupt_image"
    assert imaging.DOWNSCALE_MAX_PIXELS == 4 * imaging.MAX_PIXELS


def test_the_simulators_pictures_draw_chinese_and_korean_prompts_as_letters_not_boxes():
    """A Demo result shows its prompt; Pillow's own font draws every CJK or Hangul character as the same empty box,
    so two different characters rendering the same would mean tofu (scripts/install.sh installs the CJK font)."""
    from PIL import ImageDraw

    from easel.simulator import render

    font = render._font(32)
    masks = []
    for ch in ("猫", "犬", "고", "양"):
        img = Image.new("L", (48, 48), 0)
        ImageDraw.Draw(img).text((4, 4), ch, fill=255, font=font)
        masks.append(img.tobytes())
    assert len(set(masks)) == 4
