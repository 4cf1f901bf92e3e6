"""Sizes: the docs' ratio × resolution → pixel tables, and the pixel rules.

Everything here is data copied from ../shared/providers/ plus pure functions over it.
"""

from __future__ import annotations

import math
import re

from easel.core.errors import render_message
from easel.core.i18n import DEFAULT_LANGUAGE, N_

__all__ = [
    "GCCAI_PIXELS", "GCCAI_ALTERNATE_PIXELS", "ICODEEASY_RATIOS", "GCCAI_RATIOS", "QCODE_SIZES",
    "OPENAI_HK_PRESETS", "parse_pixels", "format_pixels", "ratio_pixels", "check_openai_pixels", "pixel_rule_errors",
    "nearest_ratio", "nearest_valid_pixels", "PixelRuleError",
]

# gccai.txt, "Size × Resolution Mapping" (15 ratios × 3 tiers). The doc gives two values for 3:1 and 1:3 at
# 1k ("1881×836 / 1536×512", "887×1774 / 512×1536"). Reading: the second of each pair is the one whose
# shape really is 3:1 / 1:3, so it is the canonical mapping; the first is kept as an accepted pixel string
# (the doc itself offers "1881x836 / 887x1774" as direct pixel examples).
GCCAI_PIXELS: dict[str, dict[str, tuple[int, int]]] = {
    "1:1": {"1k": (1024, 1024), "2k": (2048, 2048), "4k": (2880, 2880)},
    "3:2": {"1k": (1536, 1024), "2k": (2048, 1360), "4k": (3520, 2336)},
    "2:3": {"1k": (1024, 1536), "2k": (1360, 2048), "4k": (2336, 3520)},
    "4:3": {"1k": (1024, 768), "2k": (2048, 1536), "4k": (3312, 2480)},
    "3:4": {"1k": (768, 1024), "2k": (1536, 2048), "4k": (2480, 3312)},
    "5:4": {"1k": (1280, 1024), "2k": (2560, 2048), "4k": (3216, 2576)},
    "4:5": {"1k": (1024, 1280), "2k": (2048, 2560), "4k": (2576, 3216)},
    "16:9": {"1k": (1536, 864), "2k": (2048, 1152), "4k": (3840, 2160)},
    "9:16": {"1k": (864, 1536), "2k": (1152, 2048), "4k": (2160, 3840)},
    "2:1": {"1k": (2048, 1024), "2k": (2688, 1344), "4k": (3840, 1920)},
    "1:2": {"1k": (1024, 2048), "2k": (1344, 2688), "4k": (1920, 3840)},
    "3:1": {"1k": (1536, 512), "2k": (3072, 1024), "4k": (3840, 1280)},
    "1:3": {"1k": (512, 1536), "2k": (1024, 3072), "4k": (1280, 3840)},
    "21:9": {"1k": (2016, 864), "2k": (2688, 1152), "4k": (3840, 1648)},
    "9:21": {"1k": (864, 2016), "2k": (1152, 2688), "4k": (1648, 3840)},
}
GCCAI_ALTERNATE_PIXELS: dict[str, tuple[int, int]] = {"3:1": (1881, 836), "1:3": (887, 1774)}
GCCAI_RATIOS = ("auto",) + tuple(GCCAI_PIXELS)

# icodeeasy.txt lists 13 ratios plus auto, "Both 1k and 2k support all ratios", but gives no pixel table.
# Reading: icodeeasy fronts the same OpenAI model as gccai, so its ratios map through gccai's 1k/2k columns.
ICODEEASY_RATIOS = ("1:1", "3:2", "2:3", "4:3", "3:4", "5:4", "4:5", "16:9", "9:16", "2:1", "1:2", "21:9", "9:21", "auto")

# qcode.txt: generations take exactly these three; edits add "auto" (follow the input's aspect).
QCODE_SIZES = ("1024x1024", "1024x1536", "1536x1024")

# openai-hk.txt, "Common size combinations": (label, 1K, 2K, 4K).
OPENAI_HK_PRESETS: dict[str, dict[str, tuple[int, int]]] = {
    "1:1": {"1k": (1024, 1024), "2k": (2048, 2048), "4k": (2880, 2880)},
    "16:9": {"1k": (1280, 720), "2k": (2048, 1152), "4k": (3840, 2160)},
    "9:16": {"1k": (720, 1280), "2k": (1152, 2048), "4k": (2160, 3840)},
    "5:4": {"1k": (1040, 832), "2k": (2080, 1664), "4k": (3200, 2560)},
    "4:5": {"1k": (832, 1040), "2k": (1664, 2080), "4k": (2560, 3200)},
    "4:3": {"1k": (1024, 768), "2k": (2048, 1536), "4k": (3264, 2448)},
    "3:4": {"1k": (768, 1024), "2k": (1536, 2048), "4k": (2448, 3264)},
    "3:2": {"1k": (1008, 672), "2k": (2064, 1376), "4k": (3504, 2336)},
    "2:3": {"1k": (672, 1008), "2k": (1376, 2064), "4k": (2336, 3504)},
    "21:9": {"1k": (1344, 576), "2k": (2016, 864), "4k": (3808, 1632)},
}

# openai-hk.txt, "size constraints".
MAX_SIDE = 3840
SIDE_MULTIPLE = 16
MAX_RATIO = 3.0
MIN_PIXELS = 655_360
MAX_PIXELS = 8_294_400

_PIXELS_RE = re.compile(r"^\s*(\d{2,5})\s*[xX×*]\s*(\d{2,5})\s*$")


class PixelRuleError(ValueError):
    """A pixel size breaks a rule; `rule` names it for the message, `detail` is the message without the size.

    Both are English message ids with params (see easel.core.errors): `str(e)` is English, `e.message` and
    `e.detail` speak the current language, `render(lang)` / `render_detail(lang)` any."""

    def __init__(self, rule: str, message: str, params: dict | None = None, detail: str | None = None):
        self.rule = rule
        self.msgid, self.detail_msgid, self.params = message, detail or message, dict(params or {})
        super().__init__(self.render(DEFAULT_LANGUAGE))

    def render(self, lang: str | None = None) -> str:
        return render_message(self.msgid, self.params, lang)

    def render_detail(self, lang: str | None = None) -> str:
        return render_message(self.detail_msgid, self.params, lang)

    @property
    def message(self) -> str:
        return self.render()

    @property
    def detail(self) -> str:
        return self.render_detail()


def parse_pixels(size: str) -> tuple[int, int] | None:
    """'1536x1024' → (1536, 1024); anything else (a ratio, 'auto') → None."""
    m = _PIXELS_RE.match(size or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


def format_pixels(wh: tuple[int, int]) -> str:
    return f"{wh[0]}x{wh[1]}"


def ratio_pixels(ratio: str, resolution: str) -> tuple[int, int]:
    """The pixel size a ratio + resolution tier produces, from gccai's table ('auto' is 1:1 in both docs)."""
    key = "1:1" if ratio == "auto" else ratio
    try:
        return GCCAI_PIXELS[key][resolution.lower()]
    except KeyError:
        raise PixelRuleError("ratio_table", N_("No pixel size is documented for ratio {ratio} at {resolution}."),
                             dict(ratio=ratio, resolution=resolution)) from None


def pixel_rule_errors(width: int, height: int) -> list[PixelRuleError]:
    """Every openai-hk size rule that width × height breaks, in the order `check_openai_pixels` checks them."""
    pixels = width * height
    # The figures go in as written in the doc (grouped by thousands, as all three locales group them).
    params = dict(size=f"{width}x{height}", max_side=MAX_SIDE, multiple=SIDE_MULTIPLE, pixels=f"{pixels:,}",
                  min_pixels=f"{MIN_PIXELS:,}", max_pixels=f"{MAX_PIXELS:,}")
    errors = []

    def broken(rule: str, message: str, detail: str) -> None:
        errors.append(PixelRuleError(rule, message, params, detail))

    if max(width, height) > MAX_SIDE:
        broken("max_side", N_("{size}: the longest side must be ≤ {max_side} px."),
               N_("the longest side must be ≤ {max_side} px."))
    if width % SIDE_MULTIPLE or height % SIDE_MULTIPLE:
        broken("multiple_of_16", N_("{size}: both sides must be multiples of {multiple}."),
               N_("both sides must be multiples of {multiple}."))
    if min(width, height) <= 0 or max(width, height) / min(width, height) > MAX_RATIO:
        broken("max_ratio", N_("{size}: the aspect ratio must not exceed 3:1."),
               N_("the aspect ratio must not exceed 3:1."))
    if not MIN_PIXELS <= pixels <= MAX_PIXELS:
        broken("pixel_range", N_("{size} is {pixels} pixels; it must be between {min_pixels} and {max_pixels}."),
               N_("the total must be between {min_pixels} and {max_pixels} pixels; it is {pixels}."))
    return errors


def check_openai_pixels(width: int, height: int) -> None:
    """openai-hk's size constraints, also used for gpt-image-2 on the generic OpenAI API and the Demo.
    Raises the first rule broken."""
    errors = pixel_rule_errors(width, height)
    if errors:
        raise errors[0]


def _pixel_rule_ok(width: int, height: int) -> bool:
    return not pixel_rule_errors(width, height)


def nearest_valid_pixels(width: int, height: int) -> tuple[int, int]:
    """The size closest to width × height that passes `check_openai_pixels`; a valid size is returned as it is.

    The shape is kept first: the ratio is clamped to 3:1 (or 1:3), then the area to the pixel range, then the
    long side to 3840 px. That ideal is rounded to multiples of 16, down or up on each side, keeping the valid
    pair nearest to it (the shape weighing more than the scale); only if none of the four is valid are further
    multiples tried. The result keeps the asked shape (clamped to 1:3…3:1) within 3.5 %: at the smallest sizes
    the short side is about 470 px, where one step of 16 px is 3.4 %.
    """
    if width <= 0 or height <= 0:
        raise ValueError(f"A size needs positive sides; got {width}x{height}.")
    if _pixel_rule_ok(width, height):
        return width, height
    ratio = min(max(width / height, 1 / MAX_RATIO), MAX_RATIO)
    area = min(max(width * height, MIN_PIXELS), MAX_PIXELS)
    ideal_w, ideal_h = math.sqrt(area * ratio), math.sqrt(area / ratio)
    shrink = min(1.0, MAX_SIDE / max(ideal_w, ideal_h))
    ideal_w, ideal_h = ideal_w * shrink, ideal_h * shrink

    def around(x: float, reach: int) -> range:
        base = int(x // SIDE_MULTIPLE)
        lo = max(1, base - reach)
        return range(lo * SIDE_MULTIPLE, (base + reach + 1) * SIDE_MULTIPLE + 1, SIDE_MULTIPLE)

    def distance(wh: tuple[int, int]) -> tuple[float, int, int]:
        # In log terms: how far each side moves, plus the shape error again, so a different shape costs more than
        # a size a little larger or smaller (which reads as the same picture), and a side already on a multiple
        # of 16 stays put: moving one costs 0.1 more, above the ≈ 0.07 the other side's rounding can cost at the
        # smallest sizes (1360x484 becomes 1360x496, not 1376x480). Exact ties happen (506x1472: moving one side
        # or both costs the same in log terms); they go to the size that moves fewer sides, then the larger.
        a, b = math.log(wh[0] / ideal_w), math.log(wh[1] / ideal_h)
        moved_aligned = sum(got != asked and asked % SIDE_MULTIPLE == 0
                            for got, asked in ((wh[0], width), (wh[1], height)))
        moved = (wh[0] != width) + (wh[1] != height)
        return round(abs(a) + abs(b) + abs(a - b) + 0.1 * moved_aligned, 9), moved, -wh[0] * wh[1]

    # First the multiples just below and above each ideal side; further out only if none of those four is valid.
    for reach in (0, 3, 12, MAX_SIDE // SIDE_MULTIPLE):
        found = [(w, h) for w in around(ideal_w, reach) for h in around(ideal_h, reach) if _pixel_rule_ok(w, h)]
        if found:
            return min(found, key=distance)
    raise AssertionError("unreachable: 1024x1024 is always valid")  # pragma: no cover


def nearest_ratio(width: int, height: int, ratios: tuple[str, ...] = tuple(GCCAI_PIXELS)) -> str:
    """The documented ratio closest to a pixel shape (for 'auto' estimates that follow an input image)."""
    import math

    def distance(r: str) -> float:
        a, b = (int(x) for x in r.split(":"))
        return abs(math.log((width / height) / (a / b)))

    return min((r for r in ratios if r != "auto"), key=distance)
