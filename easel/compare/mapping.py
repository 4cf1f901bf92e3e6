"""One set of settings mapped onto one provider's nearest valid values, with a note for every change.

The readings (docs/DESIGN.md, "Compare"):
- Size is asked in pixels (or `auto`). A free-pixel provider with openai-hk's rules (Demo, openai-hk, OpenAI)
  gets the nearest size that passes them (sizes.nearest_valid_pixels). A ratio provider (gccai, icodeeasy) gets
  the documented ratio nearest the shape, at the resolution tier whose pixel area is nearest the asked area
  (log distance, the smaller tier on a tie), as its own table maps it (sizes.ratio_pixels). QCode gets the one
  of its three sizes with the nearest shape. `auto` stays `auto` where the provider takes it, else 1024x1024.
- A quality the provider lacks becomes its default quality when `auto` was asked, else the nearest of
  low < medium < high that it has.
- n is clamped to the provider's most; options it does not take (output_format) are dropped, not sent.
- More input images than the provider takes: the first ones are kept. A mask the provider cannot take is
  dropped (the doc's reason quoted); QCode's mask is for single-image edits, so extra references go.
- Streaming is off in a comparison: one final image per column is what is compared. A provider whose every
  request is a task (gccai) runs as one, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from easel.providers import sizes
from easel.providers.size_snap import nearest_size
from easel.providers.catalog import BUILTIN, Profile
from easel.providers.request import ImageInput, ImageRequest

__all__ = ["CompareSettings", "MappedRequest", "map_settings", "short_label", "QUALITY_ORDER"]

QUALITY_ORDER = ("low", "medium", "high")


@dataclass(frozen=True)
class CompareSettings:
    """What the user asks once, for every column."""

    prompt: str
    size: str = "1024x1024"                 # WIDTHxHEIGHT, or auto
    quality: str = "medium"                 # low | medium | high | auto
    n: int = 1
    output_format: str | None = None        # png | jpeg | webp; None = each provider's default
    images: tuple[ImageInput, ...] = ()
    mask: ImageInput | None = None

    def describe(self) -> dict:
        """The settings without image bytes, for the store and the manifest."""
        return {"prompt": self.prompt, "size": self.size, "quality": self.quality, "n": self.n,
                "output_format": self.output_format, "images": [i.name for i in self.images],
                "mask": self.mask.name if self.mask is not None else None}


@dataclass
class MappedRequest:
    request: ImageRequest
    notes: list[str] = field(default_factory=list)
    expected_size: tuple[int, int] | None = None      # the pixels the provider should return; None for auto

    @property
    def sent_size(self) -> str:
        r = self.request
        return f"{r.size} at {r.resolution.upper()}" if r.resolution else (r.size or "")


def short_label(profile: Profile) -> str:
    """The provider's own name: 'gccai' for the Demo playing gccai, 'Demo' for the Demo itself."""
    if profile.simulated and not profile.custom and profile.id in BUILTIN:
        return "Demo" if profile.id == "demo" else BUILTIN[profile.id].label
    return profile.label


def _tier_label(res: str) -> str:
    return res.upper()


def _map_size(profile: Profile, size: str, *, edit: bool, notes: list[str]) -> tuple[str, str | None,
                                                                                    tuple[int, int] | None]:
    """(size to send, resolution or None, expected pixels or None)."""
    allowed = profile.allowed_sizes(edit=edit)
    wh = sizes.parse_pixels(size)
    if wh is None:                                             # auto
        if "auto" in allowed:
            return "auto", (profile.default_resolution if profile.size_mode == "ratio" else None), None
        fallback = profile.default_size
        notes.append(f"size auto → {fallback} ({profile.label} takes auto on edits only)" if "auto" in
                     profile.edit_sizes else f"size auto → {fallback} ({profile.label} has no auto size)")
        return fallback, None, sizes.parse_pixels(fallback)
    snap = nearest_size(profile, *wh, edit=edit)
    if snap.how == "ratio":
        exact = "" if snap.pixels == wh else f" = {sizes.format_pixels(snap.pixels)}"
        notes.append(f"size {size} → {snap.size} at {_tier_label(snap.resolution)}{exact} ({profile.label} takes ratios)")
    elif snap.how == "fixed":
        notes.append(f"size {size} → {snap.size} ({profile.label} takes only {', '.join(snap.choices)})")
    elif snap.how == "rules":
        notes.append(f"size {size} → {snap.size} ({profile.label}'s size rules: {snap.broken})")
    elif snap.how == "as_asked":
        return size, None, wh
    return snap.size, snap.resolution, snap.pixels


def _map_quality(profile: Profile, quality: str, *, edit: bool, notes: list[str]) -> str:
    allowed = profile.allowed_qualities(edit=edit)
    if quality in allowed:
        return quality
    if quality == "auto" or quality not in QUALITY_ORDER:
        got = profile.default_quality if profile.default_quality in allowed else allowed[0]
    else:
        ranked = [q for q in allowed if q in QUALITY_ORDER]
        got = min(ranked, key=lambda q: (abs(QUALITY_ORDER.index(q) - QUALITY_ORDER.index(quality)),
                                         -QUALITY_ORDER.index(q)))
    notes.append(f"quality {quality} → {got} ({profile.label} takes {' / '.join(allowed)})")
    return got


def map_settings(profile: Profile, s: CompareSettings) -> MappedRequest:
    """The request this provider gets for the shared settings, and what changed on the way."""
    profile = replace(profile, label=short_label(profile))     # notes name the provider, not "(simulated)"
    notes: list[str] = []
    images = list(s.images)
    mask = s.mask
    if mask is not None and profile.mask is None:
        notes.append(f"mask dropped: {profile.mask_note or profile.label + ' documents no mask.'}")
        mask = None
    if len(images) > profile.max_references:
        notes.append(f"input images {len(images)} → {profile.max_references} (the first kept; {profile.label} "
                     f"takes at most {profile.max_references})")
        images = images[:profile.max_references]
    if mask is not None and profile.mask_single_image_only and len(images) > 1:
        notes.append(f"references after the first dropped ({profile.label} applies a mask to single-image edits "
                     "only)")
        images = images[:1]
    edit = bool(images) or mask is not None
    size, resolution, expected = _map_size(profile, s.size or "auto", edit=edit, notes=notes)
    quality = _map_quality(profile, s.quality or "medium", edit=edit, notes=notes)
    n = s.n
    if n > profile.n_max:
        notes.append(f"n {n} → {profile.n_max} ({profile.label} takes at most {profile.n_max})")
        n = profile.n_max
    extras: dict[str, object] = {}
    if s.output_format:
        if "output_format" in profile.allowed_extras(edit=edit):
            extras["output_format"] = s.output_format
        else:
            why = "takes it on edits only" if "output_format" in profile.edit_only_extras else "does not take it"
            notes.append(f"output_format {s.output_format} not sent ({profile.label} {why})")
    async_ = profile.async_mode == "always"
    if async_:
        notes.append(f"runs as a task: every {profile.label} request is one (submit, then poll)")
    req = ImageRequest(prompt=s.prompt, size=size, resolution=resolution, quality=quality, n=n, images=images,
                       mask=mask, extras=extras, async_=async_, edit=edit, stream=False)
    return MappedRequest(req, notes, expected)
