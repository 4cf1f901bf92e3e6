"""Settings read from an image (PNG Info), fitted to the provider the form is set to: every value is kept, mapped
to the nearest thing the provider documents, or named in a note saying why it was not used. Nothing is dropped
without a word.

The result's `params` are in the shape of a stored job's parameters (what components/params.load_params takes),
so every value in it is one the form offers for this provider.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from easel.providers import sizes
from easel.providers.catalog import EXTRA_OPTIONS, Profile

__all__ = ["Fitted", "fit"]

# Settings that describe the file, not the request: shown in the table, never filled into a form.
_DESCRIPTIVE = {"image_size", "created", "revised_prompt", "provider", "edit", "software"}


@dataclass
class Fitted:
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)      # one plain sentence per value mapped or not used


def _log_shape(wh: tuple[int, int]) -> float:
    return math.log(wh[0] / wh[1])


def _pixels_of(settings: dict) -> tuple[int, int] | None:
    """The pixel size the settings describe: the size asked when it is pixels, else the image's own, else a
    ratio at its resolution."""
    for value in (settings.get("size"), settings.get("image_size")):
        wh = sizes.parse_pixels(str(value or ""))
        if wh:
            return wh
    size, resolution = settings.get("size"), settings.get("resolution") or "1k"
    if isinstance(size, str) and ":" in size:
        try:
            return sizes.ratio_pixels(size, str(resolution))
        except sizes.PixelRuleError:
            return None
    return None


def _fit_ratio(profile: Profile, settings: dict, allowed: tuple[str, ...], out: Fitted) -> None:
    size = settings.get("size")
    resolution = settings.get("resolution")
    if size in allowed:
        out.params["size"] = size
        if resolution in profile.resolutions:
            out.params["resolution"] = resolution
        elif resolution:
            out.notes.append(f"Resolution {resolution} is not offered by {profile.label} "
                             f"({' / '.join(profile.resolutions)}); the form keeps its own.")
        return
    wh = _pixels_of(settings)
    if wh is None:
        if size:
            out.notes.append(f"Size {size} is not offered by {profile.label}; the form keeps its own.")
        return
    ratio = sizes.nearest_ratio(*wh, ratios=tuple(r for r in allowed if r != "auto"))
    # The tier whose pixel count is nearest the image's: 1536x1024 is 3:2 at 1k, 3520x2336 at 4k.
    tier = min(profile.resolutions, key=lambda r: abs(math.log(
        (sizes.ratio_pixels(ratio, r)[0] * sizes.ratio_pixels(ratio, r)[1]) / (wh[0] * wh[1]))))
    out.params["size"], out.params["resolution"] = ratio, tier
    out.notes.append(f"Size {size or f'{wh[0]}x{wh[1]}'} → {ratio} at {tier}: {profile.label} takes an aspect "
                     "ratio and a resolution.")


def _fit_pixels(profile: Profile, settings: dict, allowed: tuple[str, ...], out: Fitted) -> None:
    size = settings.get("size")
    if size in allowed:
        out.params["size"] = size
        return
    wh = _pixels_of(settings)
    if wh is None:
        if size:
            out.notes.append(f"Size {size} is not offered by {profile.label}; the form keeps its own.")
        return
    asked = f"{wh[0]}x{wh[1]}"
    if profile.size_mode == "fixed":
        fixed = [s for s in allowed if sizes.parse_pixels(s)]
        best = min(fixed, key=lambda s: (abs(_log_shape(wh) - _log_shape(sizes.parse_pixels(s))), s))
        out.params["size"] = best
        out.notes.append(f"Size {size or asked} → {best}: {profile.label} takes only {' / '.join(fixed)}.")
        return
    if profile.pixel_rules and sizes.pixel_rule_errors(*wh):
        fixed_wh = sizes.nearest_valid_pixels(*wh)
        out.params["size"] = sizes.format_pixels(fixed_wh)
        rules = ", ".join(e.rule for e in sizes.pixel_rule_errors(*wh))
        out.notes.append(f"Size {asked} → {out.params['size']}: the nearest size that passes {profile.label}'s "
                         f"size rules ({rules}).")
        return
    out.params["size"] = asked
    if size and size != asked:
        out.notes.append(f"Size {size} → {asked}: {profile.label} takes pixel sizes.")


def fit(profile: Profile, settings: dict, *, edit: bool, negative_prompt: str = "", source: str = "easel") -> Fitted:
    """`settings` (PNG Info's, Easel's names or A1111's as-is) as form values for `profile`. `source` "a1111":
    its Model is a Stable Diffusion checkpoint, never sent as an image model."""
    out = Fitted()
    model = settings.get("model")
    if model and source == "a1111":
        out.notes.append(f"Model {model} is an AUTOMATIC1111 checkpoint, not a {profile.label} model; the form "
                         "keeps its own.")
    elif model in profile.models or (profile.open_models and isinstance(model, str) and model):
        out.params["model"] = model
    elif model and (alias := next((m for m in profile.models if str(m).startswith(f"{model}-")), None)):
        out.params["model"] = alias         # gccai names gpt-image-2 "gpt-image-2-official"
        out.notes.append(f"Model {model} → {alias}: {profile.label}'s name for it.")
    elif model:
        out.notes.append(f"Model {model} is not offered by {profile.label} ({' / '.join(profile.models)}); "
                         "the form keeps its own.")
    allowed = profile.allowed_sizes(edit=edit)
    if profile.size_mode == "ratio":
        _fit_ratio(profile, settings, allowed, out)
    else:
        _fit_pixels(profile, settings, allowed, out)
        if settings.get("resolution") and ":" not in str(settings.get("size") or ""):
            out.notes.append(f"Resolution {settings['resolution']} is not a {profile.label} setting: the size "
                             "above says it.")
    quality = settings.get("quality")
    qualities = profile.allowed_qualities(edit=edit)
    if quality in qualities:
        out.params["quality"] = quality
    elif quality:
        out.notes.append(f"Quality {quality} is not offered by {profile.label} ({' / '.join(qualities)}); "
                         "the form keeps its own.")
    n = settings.get("n")
    if isinstance(n, int) and n >= 1:
        out.params["n"] = min(n, profile.n_max)
        if n > profile.n_max:
            out.notes.append(f"Images (n) {n} → {profile.n_max}: {profile.label} returns at most {profile.n_max}.")
    extras = {}
    for name in EXTRA_OPTIONS:
        value = settings.get(name)
        if value in (None, ""):
            continue
        choices = EXTRA_OPTIONS[name]
        if name in profile.allowed_extras(edit=edit) and (choices is None or value in choices):
            extras[name] = value
        else:
            out.notes.append(f"{name.replace('_', ' ').capitalize()} {value} is not offered by {profile.label}.")
    if extras:
        out.params["extras"] = extras
    if settings.get("stream"):
        out.params["stream"] = True
        out.params["partial_images"] = settings.get("partial_images")
    if negative_prompt:
        out.notes.append("The negative prompt is not filled: gpt-image-2 takes none (write what to avoid in the "
                         "prompt).")
    used = {"model", "size", "resolution", "quality", "n", "stream", "partial_images", *EXTRA_OPTIONS}
    other = [k for k in settings if k not in used and k not in _DESCRIPTIVE]
    if other:
        out.notes.append(f"Not Easel settings, shown above but not filled: {', '.join(other)}.")
    return out
