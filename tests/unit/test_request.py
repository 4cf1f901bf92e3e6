"""request.validate: every rule a provider doc states fails before the network, with a message naming it."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings, strategies as st
from PIL import Image

from easel.providers import sizes
from easel.providers.catalog import BUILTIN
from easel.core.errors import UploadError, ValidationError
from easel.providers.request import ImageInput, ImageRequest, validate


def png(w=8, h=8) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (w, h)).save(out, "PNG")
    return out.getvalue()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "JPEG")
    return out.getvalue()


def fails(profile_id, req, code, *needles, cls=ValidationError):
    with pytest.raises(cls) as e:
        validate(req, BUILTIN[profile_id])
    assert e.value.code == code
    for needle in needles:
        assert needle in e.value.message
    return e.value


@settings(max_examples=300, deadline=None)
@given(st.integers(16, 5000), st.integers(16, 5000))
def test_openai_hk_pixel_sizes_fail_with_the_rule_in_code_and_message(w, h):
    req = ImageRequest("p", size=f"{w}x{h}")
    try:
        sizes.check_openai_pixels(w, h)
    except sizes.PixelRuleError as rule:
        err = fails("openai-hk", req, f"size_{rule.rule}", f"size rule: {rule.rule}", f"{w}x{h}")
        assert err.retryable is False
    else:
        assert validate(req, BUILTIN["openai-hk"]).size == f"{w}x{h}"


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=1, max_size=12).filter(lambda s: s.strip() and s not in ("1024x1024", "1024x1536", "1536x1024")))
def test_qcode_accepts_only_its_three_sizes(size):
    fails("qcode", ImageRequest("p", size=size), "unsupported_size", "1024x1024, 1024x1536, 1536x1024", f"got {size}")


def test_qcode_auto_size_is_for_edits_only():
    fails("qcode", ImageRequest("p", size="auto"), "unsupported_size")
    r = validate(ImageRequest("p", size="auto", images=[ImageInput.from_bytes(png())]), BUILTIN["qcode"])
    assert (r.size, r.quality) == ("auto", "auto")


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(list(sizes.GCCAI_PIXELS)), st.sampled_from(["1k", "2k", "4k"]))
def test_gccai_accepts_every_table_entry_as_ratio_or_pixels(ratio, tier):
    profile = BUILTIN["gccai"]
    assert validate(ImageRequest("p", size=ratio, resolution=tier), profile).size == ratio
    px = sizes.format_pixels(sizes.ratio_pixels(ratio, tier))
    assert validate(ImageRequest("p", size=px, resolution=tier), profile).size == px


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300))
def test_gccai_rejects_pixel_sizes_outside_its_table(a, b):
    w, h = a * 16 + 3, b * 16 + 5            # never a table entry: the table's sides are multiples of 16 or the alternates
    fails("gccai", ImageRequest("p", size=f"{w}x{h}"), "unsupported_size", "size × resolution table", f"{w}x{h}")


def test_ratio_providers_check_resolution():
    fails("icodeeasy", ImageRequest("p", resolution="4k"), "unsupported_resolution", "1k / 2k", "4k")
    fails("icodeeasy", ImageRequest("p", size="7:5"), "unsupported_size", "aspect ratio")


@given(st.integers(-5, 20))
def test_n_range_names_the_limit(n):
    for pid in ("qcode", "icodeeasy", "gccai", "openai-hk"):
        profile = BUILTIN[pid]
        if 1 <= n <= profile.n_max:
            assert validate(ImageRequest("p", n=n), profile).n == n
        else:
            fails(pid, ImageRequest("p", n=n), "n_out_of_range", f"n from 1 to {profile.n_max}", f"got {n}")


def test_prompt_model_quality_rules():
    fails("qcode", ImageRequest("   "), "prompt_required", "prompt is required")
    fails("gccai", ImageRequest("p", model="gpt-image-2"), "unsupported_model", "gpt-image-2-official")
    fails("qcode", ImageRequest("p", quality="auto"), "unsupported_quality", "low / medium / high")


def test_reference_rules():
    fails("qcode", ImageRequest("p", images=[ImageInput.from_bytes(png())] * 9), "too_many_images", "at most 8")
    fails("icodeeasy", ImageRequest("p", images=[ImageInput(url="http://example.com/a.png")]), "https_only",
          "only https://")
    fails("openai-hk", ImageRequest("p", images=[ImageInput(url="https://example.com/a.png")]),
          "url_references_not_supported", "uploaded", "never fetches")
    fails("qcode", ImageRequest("p", images=[ImageInput.from_bytes(b"GIF89a....")]), "unsupported_image_type",
          "not a PNG, JPEG or WebP", cls=UploadError)


def test_mask_rules_come_from_each_doc():
    img, mask = ImageInput.from_bytes(png()), ImageInput.from_bytes(png())
    fails("icodeeasy", ImageRequest("p", images=[img], mask=mask), "mask_not_supported", "no mask parameter")
    fails("qcode", ImageRequest("p", images=[img, img], mask=mask), "mask_single_image_only", "single-image edits")
    fails("qcode", ImageRequest("p", mask=mask), "mask_without_image")
    fails("openai-hk", ImageRequest("p", images=[img], mask=ImageInput.from_bytes(jpeg())), "mask_not_png",
          "PNG", cls=UploadError)
    assert validate(ImageRequest("p", images=[img], mask=mask), BUILTIN["gccai"]).mask is mask


def test_extras_are_checked_per_profile_and_endpoint():
    fails("qcode", ImageRequest("p", extras={"input_fidelity": "high"}), "unsupported_option", "on edits only")
    fails("icodeeasy", ImageRequest("p", extras={"background": "opaque"}), "unsupported_option", "background")
    fails("gccai", ImageRequest("p", extras={"output_compression": 101}), "invalid_option", "0 to 100")
    fails("gccai", ImageRequest("p", extras={"moderation": "none"}), "invalid_option", "auto, low")


def test_async_rules():
    fails("qcode", ImageRequest("p", async_=True), "async_not_supported", "no async mode")
    assert validate(ImageRequest("p"), BUILTIN["gccai"]).async_ is True
    assert validate(ImageRequest("p"), BUILTIN["icodeeasy"]).async_ is False
    assert validate(ImageRequest("p", async_=True), BUILTIN["icodeeasy"]).async_ is True
