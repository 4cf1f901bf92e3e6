"""Settings read from an image (PNG Info), fitted to the provider the form is set to: every value is kept, mapped
to the nearest thing the provider documents, or named in a note saying why it was not used. Nothing is dropped
without a word.

The result's `params` are in the shape of a stored job's parameters (what components/params.load_params takes),
so every value in it is one the form offers for this provider.

The notes are English (they go into the CLI's JSON and Compare's plan as they are); a page shows one in the
viewer's language with `easel.core.i18n_text.shown(note)`, which finds its catalog entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from easel.core.i18n import N_
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


# One sentence per option, as the note has always read ("Background transparent is not offered by icodeeasy.").
_OPTION_NOT_OFFERED = {
    "background": N_("Background {value} is not offered by {label}."),
    "output_format": N_("Output format {value} is not offered by {label}."),
    "output_compression": N_("Output compression {value} is not offered by {label}."),
    "input_fidelity": N_("Input fidelity {value} is not offered by {label}."),
    "moderation": N_("Moderation {value} is not offered by {label}."),
}


def _asked_pixels(profile: Profile, settings: dict, out: Fitted) -> tuple[int, int] | None:
    """The pixels the settings describe; None, with a note when a size was given, when they describe none."""
    wh = _pixels_of(settings)
    if wh is None and settings.get("size"):
        out.notes.append(N_("Size {size} is not offered by {label}; the form keeps its own.").format(
            size=settings["size"], label=profile.label))
    return wh


def _fit_ratio(profile: Profile, settings: dict, allowed: tuple[str, ...], out: Fitted, *, edit: bool) -> None:
    size = settings.get("size")
    resolution = settings.get("resolution")
    if size in allowed:
        out.params["size"] = size
        if resolution in profile.resolutions:
            out.params["resolution"] = resolution
        elif resolution:
            out.notes.append(N_("Resolution {resolution} is not offered by {label} ({allowed}); the form keeps its "
                                "own.").format(resolution=resolution, label=profile.label,
                                               allowed=" / ".join(profile.resolutions)))
        return
    wh = _asked_pixels(profile, settings, out)
    if wh is None:
        return
    # The nearest ratio at the tier whose pixel count is nearest: 1536x1024 is 3:2 at 1k, 3520x2336 at 4k.
    snap = nearest_size(profile, *wh, edit=edit)
    ratio, tier = snap.size, snap.resolution
    out.params["size"], out.params["resolution"] = ratio, tier
    out.notes.append(N_("Size {size} → {ratio} at {tier}: {label} takes an aspect ratio and a resolution.").format(
        size=size or f"{wh[0]}x{wh[1]}", ratio=ratio, tier=tier, label=profile.label))


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
        out.notes.append(N_("Size {size} → {snapped}: {label} takes only {allowed}.").format(
            size=size or asked, snapped=snap.size, label=profile.label, allowed=" / ".join(snap.choices)))
        return
    if snap.how == "rules":
        out.params["size"] = snap.size
        out.notes.append(N_("Size {size} → {snapped}: the nearest size that passes {label}'s size rules "
                            "({rules}).").format(size=asked, snapped=snap.size, label=profile.label,
                                                 rules=snap.broken))
        return
    out.params["size"] = asked
    if size and size != asked:
        out.notes.append(N_("Size {size} → {snapped}: {label} takes pixel sizes.").format(
            size=size, snapped=asked, label=profile.label))


def fit(profile: Profile, settings: dict, *, edit: bool, negative_prompt: str = "", source: str = "easel") -> Fitted:
    """`settings` (PNG Info's, Easel's names or A1111's as-is) as form values for `profile`. `source` "a1111":
    its Model is a Stable Diffusion checkpoint, never sent as an image model."""
    out = Fitted()
    model = settings.get("model")
    if model and source == "a1111":
        out.notes.append(N_("Model {model} is an AUTOMATIC1111 checkpoint, not a {label} model; the form keeps its "
                            "own.").format(model=model, label=profile.label))
    elif model in profile.models or (profile.open_models and isinstance(model, str) and model):
        out.params["model"] = model
    elif model and (alias := next((m for m in profile.models if str(m).startswith(f"{model}-")), None)):
        out.params["model"] = alias         # gccai names gpt-image-2 "gpt-image-2-official"
        out.notes.append(N_("Model {model} → {alias}: {label}'s name for it.").format(
            model=model, alias=alias, label=profile.label))
    elif model:
        out.notes.append(N_("Model {model} is not offered by {label} ({allowed}); the form keeps its own.").format(
            model=model, label=profile.label, allowed=" / ".join(profile.models)))
    allowed = profile.allowed_sizes(edit=edit)
    if profile.size_mode == "ratio":
        _fit_ratio(profile, settings, allowed, out, edit=edit)
    else:
        _fit_pixels(profile, settings, allowed, out, edit=edit)
        if settings.get("resolution") and ":" not in str(settings.get("size") or ""):
            out.notes.append(N_("Resolution {resolution} is not a {label} setting: the size above says it.").format(
                resolution=settings["resolution"], label=profile.label))
    quality = settings.get("quality")
    qualities = profile.allowed_qualities(edit=edit)
    if quality in qualities:
        out.params["quality"] = quality
    elif quality:
        out.notes.append(N_("Quality {quality} is not offered by {label} ({allowed}); the form keeps its own.").format(
            quality=quality, label=profile.label, allowed=" / ".join(qualities)))
    n = settings.get("n")
    if isinstance(n, int) and n >= 1:
        out.params["n"] = min(n, profile.n_max)
        if n > profile.n_max:
            out.notes.append(N_("Images (n) {n} → {n_max}: {label} returns at most {n_max}.").format(
                n=n, n_max=profile.n_max, label=profile.label))
    extras = {}
    for name in EXTRA_OPTIONS:
        value = settings.get(name)
        if value in (None, ""):
            continue
        choices = EXTRA_OPTIONS[name]
        if name in profile.allowed_extras(edit=edit) and (choices is None or value in choices):
            extras[name] = value
        else:
            out.notes.append(_OPTION_NOT_OFFERED[name].format(value=value, label=profile.label))
    if extras:
        out.params["extras"] = extras
    if settings.get("stream"):
        out.params["stream"] = True
        out.params["partial_images"] = settings.get("partial_images")
    if negative_prompt:
        out.notes.append(N_("The negative prompt is not filled: gpt-image-2 takes none (write what to avoid in the "
                            "prompt)."))
    used = {"model", "size", "resolution", "quality", "n", "stream", "partial_images", *EXTRA_OPTIONS}
    other = [k for k in settings if k not in used and k not in _DESCRIPTIVE]
    if other:
        out.notes.append(N_("Not Easel settings, shown above but not filled: {names}.").format(names=", ".join(other)))
    return out
