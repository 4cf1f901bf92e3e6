"""ImageRequest: the one request model behind every page and the CLI, and its validation against a profile."""

from __future__ import annotations

import base64
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from easel.media.imaging import image_size
from easel.providers import sizes, upload_rules
from easel.providers.catalog import EXTRA_OPTIONS, MAX_TEXT_EXTRA, TEXT_EXTRAS, Profile
from easel.core.errors import Message, UploadError, ValidationError
from easel.core.i18n import N_
from easel.core.mime import decode_data_url, sniff_mime

__all__ = ["ImageInput", "ImageRequest", "validate", "sniff_mime", "decode_data_url"]

@dataclass
class ImageInput:
    """One input image: bytes we hold (upload, file, decoded data URL) or a URL passed through untouched."""

    data: bytes | None = None
    url: str | None = None
    name: str = "image.png"
    mime: str | None = None

    @classmethod
    def from_bytes(cls, data: bytes, name: str = "image.png") -> "ImageInput":
        return cls(data=data, name=name, mime=sniff_mime(data))

    @classmethod
    def from_path(cls, path: str | Path) -> "ImageInput":
        p = Path(path)
        return cls.from_bytes(p.read_bytes(), p.name)

    @classmethod
    def from_ref(cls, ref: str) -> "ImageInput":
        """A CLI or form value: an https/http URL, a data URL, or a local path."""
        if ref.startswith("data:"):
            mime, data = decode_data_url(ref)
            return cls(data=data, name="image" + _ext(mime), mime=sniff_mime(data) or mime)
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", ref):
            return cls(url=ref, name=ref.rsplit("/", 1)[-1] or "image.png")
        return cls.from_path(ref)

    @property
    def is_url(self) -> bool:
        return self.url is not None and self.data is None

    def data_url(self) -> str:
        assert self.data is not None
        return f"data:{self.mime or 'image/png'};base64,{base64.b64encode(self.data).decode()}"

    def file_tuple(self) -> tuple[str, bytes, str]:
        assert self.data is not None
        return (self.name, self.data, self.mime or "image/png")


def _ext(mime: str | None) -> str:
    return {"image/png": ".png", "image/jpeg": ".jpg", "image/webp": ".webp"}.get(mime or "", ".png")


@dataclass
class ImageRequest:
    prompt: str
    size: str | None = None
    resolution: str | None = None
    quality: str | None = None
    n: int = 1
    model: str | None = None
    images: list[ImageInput] = field(default_factory=list)   # references / edit sources, in order
    mask: ImageInput | None = None
    extras: dict[str, object] = field(default_factory=dict)
    async_: bool = False
    edit: bool = False          # the user asked for an edit (Edit page / CLI --mask): use the edits endpoint
    stream: bool = False        # OpenAI's streaming mode: partial images arrive before the final one
    partial_images: int | None = None   # 0–3 with stream; None = not sent (the spec's default, 0)

    @property
    def is_edit(self) -> bool:
        return self.edit or bool(self.images) or self.mask is not None

    @property
    def endpoint(self) -> str:
        return "edits" if self.is_edit else "generations"

    def describe(self) -> dict:
        """The request's parameters without image bytes: what the log and 'Retry with the same settings' keep."""
        d = asdict(self)
        d["images"] = [{"name": i.name, "mime": i.mime, "url": i.url, "bytes": len(i.data or b"")} for i in self.images]
        d["mask"] = None if self.mask is None else {"name": self.mask.name, "bytes": len(self.mask.data or b"")}
        return d

    def resolved(self, profile: Profile) -> "ImageRequest":
        """A copy with the profile's defaults filled in, so the log and the wire agree on what was asked."""
        from dataclasses import replace

        return replace(
            self,
            model=self.model or profile.default_model,
            size=self.size or profile.default_size_for(edit=self.is_edit),
            resolution=(self.resolution or profile.default_resolution) if profile.size_mode == "ratio" else None,
            quality=self.quality or (profile.edit_qualities[0] if self.is_edit and profile.edit_qualities else profile.default_quality),
        )


def validate(req: ImageRequest, profile: Profile) -> ImageRequest:
    """Check a request against a provider's documented rules before any network call; return it resolved.

    Every failure names the rule it breaks, so the user knows what to change.
    """
    r = req.resolved(profile)
    if not r.prompt or not r.prompt.strip():
        raise ValidationError(N_("A prompt is required."), code="prompt_required")
    _check_model(r, profile)
    if not 1 <= r.n <= profile.n_max:
        raise ValidationError(N_("{label} takes n from 1 to {n_max}; got {n}."),
                              dict(label=profile.label, n_max=profile.n_max, n=r.n), code="n_out_of_range")
    _check_size(r, profile)
    qualities = profile.allowed_qualities(edit=r.is_edit)
    if r.quality not in qualities:
        raise ValidationError(N_("{label} takes quality {allowed}; got {quality}."),
                              dict(label=profile.label, allowed=" / ".join(qualities), quality=r.quality),
                              code="unsupported_quality")
    _check_images(r, profile)
    _check_extras(r, profile)
    _check_stream(r, profile)
    if r.async_ and not profile.supports_async:
        raise ValidationError(*_no_async_message(profile), code="async_not_supported")
    if profile.async_mode == "always":
        r.async_ = True
    return r


# A typed model name: what the OpenAI spec's `model` (a free string) allows in practice, without spaces or
# control characters that would only come from a paste gone wrong.
_MODEL_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/@+-]{0,127}$")


def _check_model(r: ImageRequest, profile: Profile) -> None:
    if r.model in profile.models:
        return
    if profile.open_models:
        # The spec types `model` as any string, and GET /models may list more than the profile: a typed name is
        # sent as typed and the provider has the last word on it.
        if not _MODEL_NAME_RE.match(r.model or ""):
            raise ValidationError(N_("A model name is letters, digits and . _ - : / @ +, at most 128 characters; "
                                     "got {model}."), dict(model=repr(r.model)), code="invalid_model_name")
        return
    raise ValidationError(N_("{label} offers the models {models}; not {model}."),
                          dict(label=profile.label, models=", ".join(profile.models), model=r.model),
                          code="unsupported_model")


def _no_async_message(profile: Profile) -> tuple[str, dict]:
    """(message id, params) of the refusal of an async request."""
    # Messages never name Easel's internal doc files (openai-hk.txt): the Demo's user never chose openai-hk.
    if profile.simulated and profile.id == "demo":
        return (N_("{label} answers at once and has no async mode. To try a provider's task flow with no key, "
                   "simulate one that has it: gccai or icodeeasy (the Demo's Simulate choice in the sidebar, or "
                   "`--simulate gccai` with `easel generate --provider demo`)."), dict(label=profile.label))
    return N_("{label} has no async mode; run it as a normal request."), dict(label=profile.label)


def _check_size(r: ImageRequest, profile: Profile) -> None:
    allowed = profile.allowed_sizes(edit=r.is_edit)
    size = r.size or ""
    if profile.size_mode == "fixed":
        if size not in allowed:
            raise ValidationError(N_("{label} supports only the sizes {allowed}; got {size}."),
                                  dict(label=profile.label, allowed=", ".join(allowed), size=size),
                                  code="unsupported_size")
        return
    if profile.size_mode == "ratio":
        if r.resolution not in profile.resolutions:
            raise ValidationError(N_("{label} takes resolution {allowed}; got {resolution}."),
                                  dict(label=profile.label, allowed=" / ".join(profile.resolutions),
                                       resolution=r.resolution), code="unsupported_resolution")
        if size in allowed:
            return
        wh = sizes.parse_pixels(size)
        if wh is None:
            raise ValidationError(
                N_("{label} takes an aspect ratio ({allowed}) or a pixel string like 1536x1024; got {size}."),
                dict(label=profile.label, allowed=", ".join(allowed), size=repr(size)), code="unsupported_size")
        if profile.dialect == "gccai":
            table = {v for row in sizes.GCCAI_PIXELS.values() for v in row.values()} | set(sizes.GCCAI_ALTERNATE_PIXELS.values())
            if wh not in table:
                raise ValidationError(
                    N_("gccai accepts pixel sizes from its size × resolution table only; {size} is not in it."),
                    dict(size=size), code="unsupported_size")
        return
    # free pixel sizes
    if size == "auto":
        return
    wh = sizes.parse_pixels(size)
    if wh is None:
        raise ValidationError(N_("Size must be WIDTHxHEIGHT in pixels, or auto; got {size}."), dict(size=repr(size)),
                              code="unsupported_size")
    if profile.pixel_rules:
        try:
            sizes.check_openai_pixels(*wh)
        except sizes.PixelRuleError as e:
            raise ValidationError(N_("{detail} ({label} size rule: {rule})"),
                                  dict(detail=e, label=profile.label, rule=e.rule), code=f"size_{e.rule}") from None


def _check_images(r: ImageRequest, profile: Profile) -> None:
    if r.images and profile.max_references == 0:
        raise ValidationError(N_("{label} takes no input images."), dict(label=profile.label),
                              code="references_not_supported")
    if len(r.images) > profile.max_references:
        raise ValidationError(N_("{label} takes at most {max} input images; got {count}."),
                              dict(label=profile.label, max=profile.max_references, count=len(r.images)),
                              code="too_many_images")
    total = 0
    first_size = None
    for i, img in enumerate(r.images, 1):
        if img.is_url:
            url = img.url or ""
            if not profile.reference_urls:
                raise ValidationError(
                    N_("{label}'s edits take uploaded files only (multipart), so image {index} must be uploaded, not "
                       "a URL. Easel never fetches a URL on your behalf."), dict(label=profile.label, index=i),
                    code="url_references_not_supported")
            if profile.https_only_urls and not url.lower().startswith("https://"):
                raise ValidationError(N_("{label} accepts only https:// reference URLs (http is rejected); image "
                                         "{index} is {url}."), dict(label=profile.label, index=i, url=url[:40]),
                                      code="https_only")
            if not url.lower().startswith(("https://", "http://")):
                raise ValidationError(N_("Reference image {index} must be an https URL."), dict(index=i),
                                      code="invalid_url")
            continue
        data = img.data or b""
        if not sniff_mime(data):
            raise UploadError(N_("Image {index} ({name}) is not a PNG, JPEG or WebP."), dict(index=i, name=img.name),
                              code="unsupported_image_type")
        # The pages' uploaders ask the same rules first, so the UI and the CLI refuse a file in the same words.
        size = upload_rules.check_image(data, img.name, profile)
        first_size = first_size or size
        total += len(data)
    if total > profile.max_total_upload_bytes:
        raise UploadError(N_("Uploads total {total} MB; {label} takes at most {max} MB in all."),
                          dict(total=f"{total / 1e6:.1f}", label=profile.label,
                               max=profile.max_total_upload_bytes // (1024 * 1024)), code="image_too_large")
    if r.mask is not None:
        if profile.mask is None:
            # mask_note is a catalog note marked with N_ where it is written.
            raise ValidationError(*((profile.mask_note, None) if profile.mask_note else
                                    (N_("{label} documents no mask."), dict(label=profile.label))),
                                  code="mask_not_supported")
        if not r.images:
            raise ValidationError(N_("A mask needs the image it applies to."), code="mask_without_image")
        if profile.mask_single_image_only and len(r.images) > 1:
            raise ValidationError(N_("{label} applies a mask to single-image edits only, as its documentation says."),
                                  dict(label=profile.label), code="mask_single_image_only")
        if sniff_mime(r.mask.data or b"") != "image/png":
            raise UploadError(N_("The mask must be a PNG with an alpha channel."), code="mask_not_png")
        if first_size is not None and not r.images[0].is_url:
            upload_rules.check_mask_size(image_size(r.mask.data or b""), first_size,
                                         mask_name=r.mask.name, image_name=r.images[0].name)


def _check_extras(r: ImageRequest, profile: Profile) -> None:
    allowed = profile.allowed_extras(edit=r.is_edit)
    for key, value in r.extras.items():
        if value is None or value == "":
            continue
        if key not in allowed:
            msgid = (N_("{label} takes {key} on edits only.") if key in profile.edit_only_extras else
                     N_("{label} takes {key} on generations only.") if key in profile.generation_only_extras else
                     N_("{label} does not take {key}."))
            raise ValidationError(msgid, dict(label=profile.label, key=key), code="unsupported_option")
        if key in TEXT_EXTRAS:
            if not isinstance(value, str) or len(value) > MAX_TEXT_EXTRA or not value.isprintable():
                raise ValidationError(N_("{key} must be one line of printable text, at most {max} characters."),
                                      dict(key=key, max=MAX_TEXT_EXTRA), code="invalid_option")
            continue
        choices = EXTRA_OPTIONS.get(key)
        if choices is None:
            if not isinstance(value, int) or not 0 <= value <= 100:
                raise ValidationError(N_("{key} must be a whole number from 0 to 100."), dict(key=key),
                                      code="invalid_option")
        elif value not in choices:
            raise ValidationError(N_("{key} must be one of {choices}."), dict(key=key, choices=", ".join(choices)),
                                  code="invalid_option")


def _check_stream(r: ImageRequest, profile: Profile) -> None:
    from easel.providers.catalog import PARTIAL_IMAGES_MAX, stream_unsupported_reason

    if not r.stream:
        if r.partial_images not in (None, 0):
            raise ValidationError(N_("partial_images applies to streamed requests only; turn streaming on."),
                                  code="partial_images_without_stream")
        return
    reason = stream_unsupported_reason(profile)
    if reason is not None:
        raise ValidationError(N_("{label} cannot stream partial images. {detail}"),
                              dict(label=profile.label, detail=Message(reason)), code="stream_not_supported")
    if r.async_:
        raise ValidationError(N_("A streamed request cannot also be a provider task; choose one."),
                              code="stream_with_async")
    # Reading of OpenAI's spec: stream events carry partial_image_index but no image index, so partials of
    # several images could not be told apart. Easel streams one image per request.
    if r.n != 1:
        raise ValidationError(N_("Streaming previews show one image: set Images (n) to 1 (the stream's events do "
                                 "not say which of several images a partial belongs to)."), code="stream_n_not_1")
    p = r.partial_images
    if p is not None and (isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= PARTIAL_IMAGES_MAX):
        raise ValidationError(N_("partial_images must be a whole number from 0 to {max} (OpenAI's spec)."),
                              dict(max=PARTIAL_IMAGES_MAX), code="invalid_partial_images")
