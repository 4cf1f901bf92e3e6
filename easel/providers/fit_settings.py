"""Settings read from an image (PNG Info), fitted to the provider the form is set to: every value is kept, mapped
to the nearest thing the provider documents, or named in a note saying why it was not used. Nothing is dropped
without a word.

The result's `params` are in the shape of a stored job's parameters (what components/params.load_params takes),
so every value in it is one the form offers for this provider.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from easel.providers import sizes
from easel.providers.catalog import EXTRA_OPTIONS, Profile
from easel.providers.size_snap import nearest_size

__all__ = ["Fitted", "fit"]

# Settings that describe the file, not the request: shown in the table, never filled into a form.
_DESCRIPTIVE = {"image_size", "created", "revised_prompt", "provider", "edit", "software"}


@dataclass
class Fitted:
    params: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)      # one plain sentence per value mapped or not used


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


def _asked_pixels(profile: Profile, settings: dict, out: Fitted) -> tuple[int, int] | None:
    """The pixels the settings describe; None, with a note when a size was given, when they describe none."""
    wh = _pixels_of(settings)
    if wh is None and settings.get("size"):
        out.notes.append(f"Size {settings['size']} is not offered by {profile.label}; the form keeps its own.")
    return wh


def _fit_ratio(profile: Profile, settings: dict, allowed: tuple[str, ...], out: Fitted, *, edit: bool) -> None:
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
    wh = _asked_pixels(profile, settings, out)
    if wh is None:
        return
    # The nearest ratio at the tier whose pixel count is nearest: 1536x1024 is 3:2 at 1k, 3520x2336 at 4k.
    snap = nearest_size(profile, *wh, edit=edit)
    ratio, tier = snap.size, snap.resolution
    out.params["size"], out.params["resolution"] = ratio, tier
    out.notes.append(f"Size {size or f'{wh[0]}x{wh[1]}'} → {ratio} at {tier}: {profile.label} takes an aspect "
                     "ratio and a resolution.")


def _fit_pixels(profile: Profile, settings: dict, allowed: tuple[str, ...], out: Fitted, *, edit: bool) -> None:
    size = settings.get("size")
    if size in allowed:
        out.params["size"] = size
        return
    wh = _asked_pixels(profile, settings, out)
    if wh is None:
        return
    asked = f"{wh[0]}x{wh[1]}"
    snap = nearest_size(profile, *wh, edit=edit)
    if snap.how == "fixed":
        out.params["size"] = snap.size
        out.notes.append(f"Size {size or asked} → {snap.size}: {profile.label} takes only {' / '.join(snap.choices)}.")
        return
    if snap.how == "rules":
        out.params["size"] = snap.size
        out.notes.append(f"Size {asked} → {snap.size}: the nearest size that passes {profile.label}'s "
                         f"size rules ({snap.broken}).")
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
        _fit_ratio(profile, settings, allowed, out, edit=edit)
    else:
        _fit_pixels(profile, settings, allowed, out, edit=edit)
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
