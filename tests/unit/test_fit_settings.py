"""Settings read from an image, fitted to a provider: kept when valid, mapped to the nearest documented value, or
named in a note; never dropped without a word."""

from __future__ import annotations

from easel.providers.catalog import BUILTIN
from easel.providers.fit_settings import fit

A1111 = {"Steps": "28", "Sampler": "Euler a", "Seed": "42", "image_size": "832x1216", "size": "832x1216",
         "model": "sd_xl_base_1.0"}


def test_valid_easel_settings_pass_through_unchanged():
    got = fit(BUILTIN["openai-hk"], {"provider": "openai-hk", "model": "gpt-image-1.5", "size": "1280x720",
                                     "quality": "low", "n": 3, "image_size": "1280x720", "created": "x"}, edit=False)
    assert got.params == {"model": "gpt-image-1.5", "size": "1280x720", "quality": "low", "n": 3}
    assert got.notes == []


def test_a_pixel_size_maps_to_a_ratio_and_tier_on_gccai():
    got = fit(BUILTIN["gccai"], {"size": "3520x2336", "quality": "high", "model": "gpt-image-2"}, edit=False)
    assert got.params == {"model": "gpt-image-2-official", "size": "3:2", "resolution": "4k", "quality": "high"}
    assert got.notes == ["Model gpt-image-2 → gpt-image-2-official: gccai's name for it.",
                         "Size 3520x2336 → 3:2 at 4k: gccai takes an aspect ratio and a resolution."]


def test_qcode_gets_its_nearest_fixed_size_and_an_unoffered_quality_is_named():
    got = fit(BUILTIN["qcode"], {"size": "16:9", "resolution": "2k", "quality": "auto", "n": 9}, edit=False)
    assert got.params == {"size": "1536x1024", "n": 4}
    assert got.notes == [
        "Size 16:9 → 1536x1024: QCode takes only 1024x1024 / 1024x1536 / 1536x1024.",
        "Quality auto is not offered by QCode (low / medium / high); the form keeps its own.",
        "Images (n) 9 → 4: QCode returns at most 4."]


def test_a_size_breaking_the_pixel_rules_becomes_the_nearest_valid_one():
    got = fit(BUILTIN["openai-hk"], {"size": "512x512"}, edit=False)
    assert got.params == {"size": "816x816"}
    assert got.notes == ["Size 512x512 → 816x816: the nearest size that passes openai-hk's size rules (pixel_range)."]


def test_a1111_settings_name_what_is_not_used():
    got = fit(BUILTIN["demo"], A1111, edit=False, negative_prompt="lowres", source="a1111")
    assert got.params == {"size": "832x1216"}
    assert got.notes == [
        "Model sd_xl_base_1.0 is an AUTOMATIC1111 checkpoint, not a Demo (offline simulator) model; the form keeps "
        "its own.",
        "The negative prompt is not filled: gpt-image-2 takes none (write what to avoid in the prompt).",
        "Not Easel settings, shown above but not filled: Steps, Sampler, Seed."]


def test_extras_are_kept_where_offered_and_named_where_not():
    assert fit(BUILTIN["demo"], {"background": "transparent"}, edit=False).params == \
        {"extras": {"background": "transparent"}}
    got = fit(BUILTIN["icodeeasy"], {"background": "transparent"}, edit=False)
    assert (got.params, got.notes) == ({}, ["Background transparent is not offered by icodeeasy."])
