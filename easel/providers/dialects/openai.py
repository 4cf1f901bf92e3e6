"""The OpenAI Images dialect: OpenAI itself, the Demo, QCode and openai-hk.

Generations are JSON; edits are multipart with the input images (in order) and an optional `mask` part.
Results arrive as `b64_json` (QCode, openai-hk with response_format=b64_json, gpt-image models).

Each endpoint gets only the fields its doc lists for it (Profile.allowed_extras): OpenAI's spec puts
`moderation` on CreateImageRequest only and `input_fidelity` on CreateImageEditRequest only; QCode lists its
extras and `user` on edits only. The image part's name follows Profile.image_field: see its comment.
"""

from __future__ import annotations

import httpx

from easel.providers.catalog import Profile
from easel.core.errors import ValidationError
from easel.core.i18n import N_
from easel.core.models import RawImage, TaskStatus, Usage, WireResult
from easel.providers.request import ImageRequest
from easel.providers.dialects._common import (USER_AGENT, endpoint_url, expect_dict, form_value, json_request, load_json, parse_error, strip_data_prefix)

__all__ = ["build_submit", "parse_submit", "build_poll", "parse_poll", "parse_error", "fields"]


def fields(profile: Profile, req: ImageRequest) -> dict[str, object]:
    """The non-file fields, in wire order: model, prompt, n, size, quality, allowed extras, response_format."""
    body: dict[str, object] = {"model": req.model or profile.default_model, "prompt": req.prompt, "n": req.n,
                               "size": req.size or profile.default_size_for(edit=req.is_edit),
                               "quality": req.quality or profile.default_quality}
    allowed = profile.allowed_extras(edit=req.is_edit)
    for key in allowed:
        value = req.extras.get(key)
        if value is not None and value != "":
            body[key] = value
    if req.stream:      # OpenAI's streaming mode; dialects/sse.py reads the events that come back
        body["stream"] = True
        if req.partial_images is not None:
            body["partial_images"] = req.partial_images
    # OpenAI's gpt-image models always answer b64_json and reject the parameter, so it goes only where a
    # profile names it (openai-hk defaults to url, a credential we would rather not hold).
    if profile.response_format_param:
        body["response_format"] = profile.response_format_param
    return body


def build_submit(profile: Profile, req: ImageRequest, base_url: str, *, async_: bool = False) -> httpx.Request:
    if async_:
        raise ValidationError(N_("{label} has no async mode; run it as a normal request."), dict(label=profile.label),
                              code="async_not_supported")
    body = fields(profile, req)
    if not req.is_edit:
        return json_request("POST", endpoint_url(base_url, profile.path_prefix, "/images/generations"), body)
    if not req.images:
        raise ValidationError(N_("An edit needs at least one input image."), code="edit_without_image")
    files = []
    image_field = profile.image_field(len(req.images))
    for i, img in enumerate(req.images, 1):
        if img.data is None:
            raise ValidationError(N_("{label}'s edits take uploaded files only, so image {index} must be uploaded, "
                                     "not a URL."), dict(label=profile.label, index=i),
                                  code="url_references_not_supported")
        files.append((image_field, img.file_tuple()))
    if req.mask is not None:
        files.append(("mask", ("mask.png", req.mask.data or b"", "image/png")))
    data = {key: form_value(value) for key, value in body.items()}
    request = httpx.Request("POST", endpoint_url(base_url, profile.path_prefix, "/images/edits"), data=data,
                            files=files, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
    request.read()   # materialize the multipart body so it can be inspected and sent more than once
    return request


def parse_submit(profile: Profile, response: httpx.Response) -> WireResult:
    body = expect_dict(load_json(response, profile.label), "response", profile.label)
    items = body.get("data")
    if not isinstance(items, list):
        from easel.core.errors import ResponseError

        raise ResponseError(N_("The provider's response has no data list of images."), code="unexpected_response",
                            provider=profile.label)
    images = []
    for item in items:
        if not isinstance(item, dict):
            continue
        b64 = item.get("b64_json")
        images.append(RawImage(b64=strip_data_prefix(b64) if isinstance(b64, str) and b64 else None,
                               url=item.get("url") or None, revised_prompt=item.get("revised_prompt")))
    return WireResult(images=images, provider_request_id=response.headers.get("x-request-id") or body.get("id"),
                      usage=parse_usage(body.get("usage")))


def parse_usage(usage: object) -> Usage | None:
    if not isinstance(usage, dict):
        return None
    details = usage.get("input_tokens_details") if isinstance(usage.get("input_tokens_details"), dict) else {}
    image_tokens = int(details.get("image_tokens") or 0)
    # Without a breakdown, every input token is a text token (the cheaper reading).
    text_tokens = int(details.get("text_tokens") if "text_tokens" in details else
                      max(int(usage.get("input_tokens") or 0) - image_tokens, 0))
    return Usage(text_tokens=text_tokens, image_tokens=image_tokens, output_tokens=int(usage.get("output_tokens") or 0))


def build_poll(profile: Profile, task_ids: list[str], base_url: str) -> list[httpx.Request]:
    raise ValidationError(N_("{label} has no tasks to poll."), dict(label=profile.label), code="async_not_supported")


def parse_poll(profile: Profile, response: httpx.Response) -> list[TaskStatus]:
    raise ValidationError(N_("{label} has no tasks to poll."), dict(label=profile.label), code="async_not_supported")
