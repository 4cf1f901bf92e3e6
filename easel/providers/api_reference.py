"""The inline API reference of a provider, built from its profile and its dialect, so it cannot drift from what
Easel sends: the parameter table lists exactly the fields the dialect puts on the wire, the defaults are the
values Easel sends when the form is left alone, and the examples are `codegen` snippets of a default request.

The table's words (allowed values, "required", "not sent") are for reading only, never stored: they are
translated here, in the current language, while names, types and values on the wire stay as sent.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from easel.core.i18n import N_, _, ngettext
from easel.providers import codegen, entries, sizes
from easel.providers.catalog import EXTRA_OPTIONS, Profile
from easel.providers.request import ImageInput, ImageRequest

__all__ = ["ParamRow", "parameter_rows", "example_request", "examples", "endpoint_line"]

EXAMPLE_PROMPT = "A cyberpunk Tokyo street at night, neon reflecting in rain puddles"
_NOT_SENT = N_("not sent (provider default)")


@dataclass(frozen=True)
class ParamRow:
    name: str
    type: str
    allowed: str
    default: str


def _tiny_png(mode: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new(mode, (8, 8)).save(out, "PNG")
    return out.getvalue()


_INTEGER_EXTRAS = {"output_compression": 50, "partial_images": 1}


def _sample(name: str):
    """A valid-looking value for an optional field, so that the dialect puts it on the wire."""
    choices = EXTRA_OPTIONS.get(name)
    if choices:
        return choices[0]
    return _INTEGER_EXTRAS.get(name, "end-user-1")      # any other field without choices is free text (user)


def example_request(profile: Profile, *, edit: bool, everything: bool = False, base_url: str | None = None,
                    image_count: int = 1) -> ImageRequest:
    """The request the form makes when left alone (with an input image, and the mask, on an edit); with
    `everything`, every optional field the provider takes is set too, so that all of them reach the wire.
    The quality is the form's first choice on `base_url` (low on a CDN entry, easel.providers.entries)."""
    images, mask = [], None
    if edit:
        images = [ImageInput(data=_tiny_png("RGB"), name=f"input-{i}.png", mime="image/png") for i in range(image_count)]
        if profile.mask and everything and len(images) == 1:
            mask = ImageInput(data=_tiny_png("RGBA"), name="mask.png", mime="image/png")
    extras = {k: _sample(k) for k in profile.allowed_extras(edit=edit)} if everything else {}
    quality = entries.default_quality(profile, base_url or profile.base_url, profile.allowed_qualities(edit=edit))
    # The Edit page starts at size auto where the provider offers it: an edit keeps its source's shape.
    size = "auto" if edit and "auto" in profile.allowed_sizes(edit=True) else None
    return ImageRequest(prompt=EXAMPLE_PROMPT, images=images, mask=mask, extras=extras, edit=edit,
                        quality=quality, size=size).resolved(profile)


def _fields(profile: Profile, req: ImageRequest) -> dict[str, tuple[str, object]]:
    """name → (type, value) of every field the dialect sends for `req`, in wire order."""
    form = codegen.wire_form(profile, req)
    out: dict[str, tuple[str, object]] = {}
    if form.multipart:
        for name, value in form.fields:
            out.setdefault(name, ("integer" if value.isdigit() else "string", value))
        for part in form.files:
            out.setdefault(part.field, ("file", None))
        return out
    for name, value in (form.json or {}).items():
        kind = ("array" if isinstance(value, list) else "integer" if isinstance(value, int) and not isinstance(value, bool)
                else "boolean" if isinstance(value, bool) else "string")
        out[name] = (kind, value)
    return out


def _size_rule(profile: Profile, edit: bool) -> str:
    allowed = profile.allowed_sizes(edit=edit)
    if profile.size_mode == "pixels" and profile.pixel_rules:
        return _("WIDTHxHEIGHT: multiples of {multiple}, longest side ≤ {max_side}, ratio ≤ 3:1, {min_pixels}–"
                 "{max_pixels} pixels; or auto").format(multiple=sizes.SIDE_MULTIPLE, max_side=sizes.MAX_SIDE,
                                                        min_pixels=f"{sizes.MIN_PIXELS:,}",
                                                        max_pixels=f"{sizes.MAX_PIXELS:,}")
    if profile.size_mode == "ratio":
        return _("{sizes} (or a pixel string from the doc's table)").format(sizes=" / ".join(allowed))
    return " / ".join(allowed) if allowed else "WIDTHxHEIGHT"


def _allowed(profile: Profile, name: str, edit: bool) -> str:
    mb = profile.max_upload_bytes // (1024 * 1024)
    if name == "model":
        return " / ".join(profile.models)
    if name == "prompt":
        return _("text")
    if name == "size":
        return _size_rule(profile, edit)
    if name == "resolution":
        return " / ".join(profile.resolutions)
    if name == "quality":
        return " / ".join(profile.allowed_qualities(edit=edit))
    if name == "n":
        return f"1–{profile.n_max}"
    if name in ("image", "image[]"):
        if profile.max_references > 1:
            return _("1–{max} PNG / JPEG / WebP files, each ≤ {mb} MB, the field repeated per image").format(
                max=profile.max_references, mb=mb)
        return _("1–{max} PNG / JPEG / WebP files, each ≤ {mb} MB").format(max=profile.max_references, mb=mb)
    if name == "image_urls":
        if profile.https_only_urls:
            return _("up to {max} https URLs or data URLs").format(max=profile.max_references)
        return _("up to {max} URLs or data URLs").format(max=profile.max_references)
    if name in ("mask", "mask_url"):
        if profile.mask_single_image_only:
            return _("PNG with alpha (transparent = repaint), the input's size; single-image edits only")
        return _("PNG with alpha (transparent = repaint), the input's size")
    if name == "response_format" and profile.response_format_param:
        return profile.response_format_param
    choices = EXTRA_OPTIONS.get(name)
    if choices:
        return " / ".join(choices)
    if name == "output_compression":
        return "0–100 (JPEG / WebP)"
    if name == "user":
        return _("text: an end-user identifier passed through (for upstream abuse detection)")
    return _("text")


def _shown(value: object) -> str:
    if isinstance(value, list):
        return ngettext("{n} item", "{n} items", len(value)).format(n=len(value))
    return str(value)


def parameter_rows(profile: Profile, *, edit: bool, base_url: str | None = None) -> list[ParamRow]:
    """One row per field the dialect sends on this endpoint: name, type, allowed values, and what Easel sends
    when the form is left alone (or that it is not sent, leaving the provider's own default)."""
    everything = _fields(profile, example_request(profile, edit=edit, everything=True, base_url=base_url))
    defaults = _fields(profile, example_request(profile, edit=edit, base_url=base_url))
    rows = []
    for name, (kind, _value) in everything.items():
        default = defaults.get(name)
        if name in ("prompt", "image", "image[]", "image_urls", "mask", "mask_url"):
            shown = _("required") if name in defaults and name != "mask" else _("optional")
        else:
            shown = _shown(default[1]) if default is not None else _(_NOT_SENT)
        rows.append(ParamRow(name, kind, _allowed(profile, name, edit), shown))
    if edit and profile.max_references > 1:
        _name_image_fields(profile, rows, base_url)
    if profile.async_mode == "optional":
        rows.append(ParamRow("async (query)", "integer", _("1: answer 202 with a task_id to poll"),
                             _("not sent (waits)")))
    return rows


def _name_image_fields(profile: Profile, rows: list[ParamRow], base_url: str | None) -> None:
    """Where one input image and several travel under different multipart names (the OpenAI SDK's `image` and
    `image[]`), the row says both, read from the wire of a one-image and a two-image edit."""
    form = codegen.wire_form(profile, example_request(profile, edit=True, base_url=base_url, image_count=2))
    several = [p.field for p in form.files if p.field != "mask"]
    for i, row in enumerate(rows):
        if row.type == "file" and row.name != "mask" and several and several[0] != row.name:
            mb = profile.max_upload_bytes // (1024 * 1024)
            rows[i] = ParamRow(f"{row.name} / {several[0]}", "file",
                               _("one image as '{one}'; 2–{max} as repeated '{several}'; PNG / JPEG / WebP, each ≤ "
                                 "{mb} MB").format(one=row.name, max=profile.max_references, several=several[0],
                                                   mb=mb), row.default)


def endpoint_line(profile: Profile, *, edit: bool, base_url: str | None = None) -> str:
    """'POST https://…/images/edits · multipart/form-data'."""
    from dataclasses import replace

    prof = replace(profile, base_url=base_url.rstrip("/")) if base_url else profile
    form = codegen.wire_form(prof, example_request(prof, edit=edit, base_url=base_url))
    body = "multipart/form-data" if form.multipart else "application/json"
    return f"{form.method} {form.url} · {body}"


def examples(profile: Profile, *, edit: bool, base_url: str | None = None) -> dict[str, codegen.Snippet]:
    """curl, Python (the OpenAI SDK where it sends the same request, else httpx) and JavaScript fetch, for the
    default request."""
    req = example_request(profile, edit=edit, base_url=base_url)
    by_label = {s.label: s for s in codegen.snippets(profile, req, base_url=base_url)}
    return {"curl": by_label["curl"], "Python": by_label.get("OpenAI SDK") or by_label["Python (httpx)"],
            "JavaScript": by_label["JavaScript (fetch)"]}
