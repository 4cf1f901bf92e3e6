"""The size a provider documents nearest to a pixel size: one rule for every place that maps settings across
providers (the Compare page's columns, PNG Info's "Use these settings").

- ratio providers (gccai, icodeeasy): the nearest aspect ratio, at the resolution tier whose pixel count is
  nearest (ties: the lower tier);
- fixed-size providers (QCode): the listed size nearest in shape, then in area;
- pixel-rule providers (OpenAI family): the nearest size that passes the rules;
- anything else: the size as asked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from easel.providers import sizes
from easel.providers.catalog import Profile

__all__ = ["Snapped", "nearest_size"]


@dataclass(frozen=True)
class Snapped:
    size: str                       # what to send: "3:2", "1536x1024"
    resolution: str | None          # ratio providers: the tier; else None
    pixels: tuple[int, int]         # what should come back
    how: str                        # "exact" | "ratio" | "fixed" | "rules" | "as_asked"
    choices: tuple[str, ...] = ()   # fixed providers: the sizes it takes (for the note)
    broken: str = ""                # pixel-rule providers: the rules the asked size broke (for the note)


def nearest_size(profile: Profile, width: int, height: int, *, edit: bool) -> Snapped:
    allowed = profile.allowed_sizes(edit=edit)
    asked = sizes.format_pixels((width, height))
    if profile.size_mode == "ratio":
        ratio = sizes.nearest_ratio(width, height, tuple(r for r in allowed if r != "auto"))
        area = width * height

        def tier_distance(res: str) -> tuple[float, int]:
            tw, th = sizes.ratio_pixels(ratio, res)
            return abs(math.log(tw * th / area)), profile.resolutions.index(res)

        res = min(profile.resolutions, key=tier_distance)
        return Snapped(ratio, res, sizes.ratio_pixels(ratio, res), "ratio")
    if profile.size_mode == "fixed":
        fixed = tuple(s for s in allowed if sizes.parse_pixels(s))
        if asked in fixed:
            return Snapped(asked, None, (width, height), "exact", fixed)

        def shape_distance(s: str) -> tuple[float, float]:
            sw, sh = sizes.parse_pixels(s) or (1, 1)
            return abs(math.log((width / height) / (sw / sh))), abs(math.log(sw * sh / (width * height)))

        got = min(fixed, key=shape_distance)
        return Snapped(got, None, sizes.parse_pixels(got), "fixed", fixed)
    if profile.pixel_rules:
        errors = sizes.pixel_rule_errors(width, height)
        if not errors:
            return Snapped(asked, None, (width, height), "exact")
        got = sizes.nearest_valid_pixels(width, height)
        return Snapped(sizes.format_pixels(got), None, got, "rules", broken=", ".join(e.rule for e in errors))
    return Snapped(asked, None, (width, height), "as_asked")
