"""Property tests for the size tables and openai-hk's pixel rules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings, strategies as st

from easel.providers import sizes

RATIOS = list(sizes.GCCAI_PIXELS)


def ratio_value(r: str) -> float:
    a, b = (int(x) for x in r.split(":"))
    return a / b


@pytest.mark.parametrize("ratio", RATIOS)
@pytest.mark.parametrize("tier", ["1k", "2k", "4k"])
def test_every_table_entry_matches_its_ratio_and_tier(ratio, tier):
    w, h = sizes.ratio_pixels(ratio, tier)
    # Orientation follows the ratio.
    r = ratio_value(ratio)
    assert (w > h) == (r > 1) and (w < h) == (r < 1) and (w == h) == (r == 1)
    # The doc says sides are approximated on multiples of 16.
    assert w % 16 == 0 and h % 16 == 0
    # Within 5 % of the ratio's shape (the doc approximates, e.g. 2048×1360 for 3:2).
    assert abs(math.log((w / h) / r)) < 0.05
    # Tier baselines: 1k ≈ 1024, 2k ≈ 2048, 4k ≤ 3840 on the long side.
    assert max(w, h) <= {"1k": 2048, "2k": 3072, "4k": 3840}[tier]
    assert min(w, h) >= {"1k": 512, "2k": 1024, "4k": 1280}[tier]


@pytest.mark.parametrize("ratio", RATIOS)
def test_tiers_grow_monotonically(ratio):
    a, b, c = (sizes.ratio_pixels(ratio, t) for t in ("1k", "2k", "4k"))
    assert a[0] * a[1] < b[0] * b[1] < c[0] * c[1]


@pytest.mark.parametrize("ratio", RATIOS)
def test_mirrored_ratios_mirror_their_pixels(ratio):
    a, b = ratio.split(":")
    for tier in ("1k", "2k", "4k"):
        w, h = sizes.ratio_pixels(ratio, tier)
        assert sizes.ratio_pixels(f"{b}:{a}", tier) == (h, w)


def test_auto_is_1_1_and_unknown_ratio_names_the_rule():
    assert sizes.ratio_pixels("auto", "2k") == (2048, 2048)
    with pytest.raises(sizes.PixelRuleError) as e:
        sizes.ratio_pixels("7:5", "1k")
    assert e.value.rule == "ratio_table" and "7:5" in str(e.value)


def test_docs_direct_pixel_examples_for_3_1_are_kept_as_alternates():
    assert sizes.GCCAI_ALTERNATE_PIXELS == {"3:1": (1881, 836), "1:3": (887, 1774)}
    assert sizes.ratio_pixels("3:1", "1k") == (1536, 512)


@pytest.mark.parametrize("label", list(sizes.OPENAI_HK_PRESETS))
def test_every_openai_hk_preset_passes_its_own_rules(label):
    for w, h in sizes.OPENAI_HK_PRESETS[label].values():
        sizes.check_openai_pixels(w, h)


def reference_rule(w: int, h: int) -> str | None:
    """openai-hk.txt's constraints, written out independently, in the order the checker applies them."""
    if max(w, h) > 3840:
        return "max_side"
    if w % 16 or h % 16:
        return "multiple_of_16"
    if max(w, h) / min(w, h) > 3:
        return "max_ratio"
    if not 655_360 <= w * h <= 8_294_400:
        return "pixel_range"
    return None


sides = st.integers(min_value=16, max_value=5000)


@settings(max_examples=400, deadline=None)
@given(sides, sides)
def test_openai_pixel_rules_agree_with_the_doc(w, h):
    expected = reference_rule(w, h)
    if expected is None:
        sizes.check_openai_pixels(w, h)
        return
    with pytest.raises(sizes.PixelRuleError) as e:
        sizes.check_openai_pixels(w, h)
    assert e.value.rule == expected
    assert f"{w}x{h}" in str(e.value)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 240), st.integers(1, 240))
def test_multiples_of_16_within_bounds_are_accepted(a, b):
    w, h = a * 16, b * 16
    if reference_rule(w, h) is None:
        sizes.check_openai_pixels(w, h)


@given(st.integers(10, 99999), st.integers(10, 99999), st.sampled_from(["x", "X", "×", "*"]))
def test_parse_pixels_round_trips(w, h, sep):
    assert sizes.parse_pixels(f"{w}{sep}{h}") == (w, h)
    assert sizes.format_pixels((w, h)) == f"{w}x{h}"


@given(st.sampled_from(RATIOS), st.sampled_from(["1k", "2k", "4k"]))
def test_nearest_ratio_recovers_the_table_ratio(ratio, tier):
    assert sizes.nearest_ratio(*sizes.ratio_pixels(ratio, tier)) == ratio
