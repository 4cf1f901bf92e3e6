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

The change notes are kept (the comparison's plan in the store, `notes` in comparison.json) and shown. Kept, they
are English sentences; each is a Text made from one of the templates below (easel.core.i18n_text), so the page
shows it translated with `i18n_text.shown(note)`, from the Text itself or, read back from the store, from the
English sentence it matches. Parameter values (sizes, qualities, provider names, a doc's reason) stay as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from easel.core.i18n import N_
from easel.core.i18n_text import Template
from easel.providers import sizes
from easel.providers.size_snap import nearest_size
from easel.providers.catalog import BUILTIN, Profile
from easel.providers.request import ImageInput, ImageRequest

__all__ = ["CompareSettings", "MappedRequest", "map_settings", "short_label", "QUALITY_ORDER"]

QUALITY_ORDER = ("low", "medium", "high")

SIZE_AUTO_EDIT_ONLY = Template(N_("size auto → {size} ({provider} takes auto on edits only)"))
SIZE_AUTO_NONE = Template(N_("size auto → {size} ({provider} has no auto size)"))
SIZE_RATIO = Template(N_("size {asked} → {sent} at {tier} ({provider} takes ratios)"))
SIZE_RATIO_PIXELS = Template(N_("size {asked} → {sent} at {tier} = {pixels} ({provider} takes ratios)"))
SIZE_FIXED = Template(N_("size {asked} → {sent} ({provider} takes only {choices})"))
SIZE_RULES = Template(N_("size {asked} → {sent} ({provider}'s size rules: {broken})"))
QUALITY_CHANGED = Template(N_("quality {asked} → {got} ({provider} takes {choices})"))
MASK_DROPPED = Template(N_("mask dropped: {reason}"), texts=("reason",))
NO_MASK = Template(N_("{provider} documents no mask."))
INPUTS_CUT = Template(N_("input images {asked} → {kept} (the first kept; {provider} takes at most {kept})"))
REFERENCES_DROPPED = Template(N_("references after the first dropped ({provider} applies a mask to single-image "
                                 "edits only)"))
N_CLAMPED = Template(N_("n {asked} → {kept} ({provider} takes at most {kept})"))
FORMAT_EDITS_ONLY = Template(N_("output_format {format} not sent ({provider} takes it on edits only)"))
FORMAT_NOT_TAKEN = Template(N_("output_format {format} not sent ({provider} does not take it)"))
SENT_AT = Template(N_("{size} at {tier}"), patterns={"size": r"[0-9]+:[0-9]+|auto", "tier": r"[0-9]+K"})
RUNS_AS_TASK = Template(N_("runs as a task: every {provider} request is one (submit, then poll)"))


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
        return SENT_AT(size=r.size, tier=_tier_label(r.resolution)) if r.resolution else (r.size or "")


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
        notes.append((SIZE_AUTO_EDIT_ONLY if "auto" in profile.edit_sizes else SIZE_AUTO_NONE)(
            size=fallback, provider=profile.label))
        return fallback, None, sizes.parse_pixels(fallback)
    snap = nearest_size(profile, *wh, edit=edit)
    if snap.how == "ratio":
        common = dict(asked=size, sent=snap.size, tier=_tier_label(snap.resolution), provider=profile.label)
        notes.append(SIZE_RATIO(**common) if snap.pixels == wh else
                     SIZE_RATIO_PIXELS(**common, pixels=sizes.format_pixels(snap.pixels)))
    elif snap.how == "fixed":
        notes.append(SIZE_FIXED(asked=size, sent=snap.size, provider=profile.label, choices=", ".join(snap.choices)))
    elif snap.how == "rules":
        notes.append(SIZE_RULES(asked=size, sent=snap.size, provider=profile.label, broken=snap.broken))
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
    notes.append(QUALITY_CHANGED(asked=quality, got=got, provider=profile.label, choices=" / ".join(allowed)))
    return got


def map_settings(profile: Profile, s: CompareSettings) -> MappedRequest:
    """The request this provider gets for the shared settings, and what changed on the way."""
    profile = replace(profile, label=short_label(profile))     # notes name the provider, not "(simulated)"
    notes: list[str] = []
    images = list(s.images)
    mask = s.mask
    if mask is not None and profile.mask is None:
        notes.append(MASK_DROPPED(reason=profile.mask_note or NO_MASK(provider=profile.label)))
        mask = None
    if len(images) > profile.max_references:
        notes.append(INPUTS_CUT(asked=len(images), kept=profile.max_references, provider=profile.label))
        images = images[:profile.max_references]
    if mask is not None and profile.mask_single_image_only and len(images) > 1:
        notes.append(REFERENCES_DROPPED(provider=profile.label))
        images = images[:1]
    edit = bool(images) or mask is not None
    size, resolution, expected = _map_size(profile, s.size or "auto", edit=edit, notes=notes)
    quality = _map_quality(profile, s.quality or "medium", edit=edit, notes=notes)
    n = s.n
    if n > profile.n_max:
        notes.append(N_CLAMPED(asked=n, kept=profile.n_max, provider=profile.label))
        n = profile.n_max
    extras: dict[str, object] = {}
    if s.output_format:
        if "output_format" in profile.allowed_extras(edit=edit):
            extras["output_format"] = s.output_format
        else:
            edits_only = "output_format" in profile.edit_only_extras
            notes.append((FORMAT_EDITS_ONLY if edits_only else FORMAT_NOT_TAKEN)(format=s.output_format,
                                                                                 provider=profile.label))
    async_ = profile.async_mode == "always"
    if async_:
        notes.append(RUNS_AS_TASK(provider=profile.label))
    req = ImageRequest(prompt=s.prompt, size=size, resolution=resolution, quality=quality, n=n, images=images,
                       mask=mask, extras=extras, async_=async_, edit=edit, stream=False)
    return MappedRequest(req, notes, expected)
