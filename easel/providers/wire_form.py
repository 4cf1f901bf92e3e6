"""The request a provider's dialect builds, read back into a form any language can write out (`WireForm`).

View as code (easel/providers/codegen.py) and the API reference render from this, never from a second
description of the wire: `wire_form` asks the dialect for its httpx.Request (`build_submit`) and reads back the
method, the URL, and the JSON body or the multipart parts, with every upload replaced by the name of the file
a snippet reads (input-1.png, mask.png; `snippet_files` gives their bytes).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from easel.providers.catalog import Profile
from easel.providers.dialects import get_dialect
from easel.providers.request import ImageRequest

__all__ = ["WireForm", "FilePart", "DataUrl", "wire_form", "snippet_files", "endpoint_url", "json_body"]


@dataclass(frozen=True)
class DataUrl:
    """Where the dialect put an upload inline as a data URL: the file it came from, and its type."""

    filename: str
    mime: str


@dataclass(frozen=True)
class FilePart:
    """A multipart file part: its field name, the file the snippet reads, and the type it is sent as."""

    field: str
    filename: str
    mime: str


@dataclass
class WireForm:
    """The dialect's request, read back: method, full URL (with query), and a JSON body or multipart parts."""

    method: str
    url: str
    json: object = None                                   # with DataUrl markers in place of uploads
    fields: list[tuple[str, str]] = field(default_factory=list)   # multipart text parts, in order
    files: list[FilePart] = field(default_factory=list)           # multipart file parts, in order

    @property
    def multipart(self) -> bool:
        return self.json is None


def _input_name(i: int, mime: str | None) -> str:
    ext = {"image/jpeg": ".jpg", "image/webp": ".webp"}.get(mime or "", ".png")
    return f"input-{i}{ext}"


def snippet_files(req: ImageRequest) -> dict[str, bytes]:
    """The files a snippet reads, by name: each uploaded input image in order, then the mask."""
    files = {_input_name(i, img.mime): img.data for i, img in enumerate(req.images, 1) if img.data is not None}
    if req.mask is not None and req.mask.data is not None:
        files["mask.png"] = req.mask.data
    return files


def _build(profile: Profile, req: ImageRequest, base_url: str | None):
    return get_dialect(profile.dialect).build_submit(profile, req, (base_url or profile.base_url).rstrip("/"),
                                                     async_=req.async_)


def endpoint_url(profile: Profile, req: ImageRequest, base_url: str | None = None) -> str:
    """The URL the dialect posts this request to (query included, e.g. icodeeasy's ?async=1)."""
    return str(_build(profile, req, base_url).url)


def json_body(profile: Profile, req: ImageRequest, base_url: str | None = None) -> dict | None:
    """The JSON body the dialect sends, exactly (uploads as their real data URLs); None for a multipart request."""
    request = _build(profile, req, base_url)
    if "json" not in request.headers.get("content-type", ""):
        return None
    return json.loads(request.content)


def _uploads(req: ImageRequest) -> list[tuple]:
    """(input, snippet file name, mime) for every upload, mask last."""
    out = [(img, _input_name(i, img.mime), img.mime or "image/png")
           for i, img in enumerate(req.images, 1) if img.data is not None]
    if req.mask is not None and req.mask.data is not None:
        out.append((req.mask, "mask.png", "image/png"))
    return out


def _mark_data_urls(value, by_url: dict[str, DataUrl]):
    if isinstance(value, dict):
        return {k: _mark_data_urls(v, by_url) for k, v in value.items()}
    if isinstance(value, list):
        return [_mark_data_urls(v, by_url) for v in value]
    if isinstance(value, str) and value in by_url:
        return by_url[value]
    return value


_DISPOSITION = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def _parse_multipart(content: bytes, content_type: str) -> list[tuple[str, str | None, str | None, bytes]]:
    """(name, filename, content type, bytes) of each part of a multipart/form-data body, in order."""
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    if not boundary:
        raise ValueError("multipart request without a boundary")
    delimiter = b"--" + boundary.group(1).encode()
    parts = []
    for chunk in content.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, body = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        headers = {}
        for line in head.decode("utf-8").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        params = dict(_DISPOSITION.findall(headers.get("content-disposition", "")))
        parts.append((params.get("name", ""), params.get("filename"), headers.get("content-type"),
                      body.removesuffix(b"\r\n")))
    return parts


def _with_stand_ins(req: ImageRequest) -> ImageRequest:
    images = [replace(img, data=f"easel-upload-{i}".encode()) if img.data is not None else img
              for i, img in enumerate(req.images, 1)]
    mask = req.mask
    if mask is not None and mask.data is not None:
        mask = replace(mask, data=b"easel-upload-mask")
    return replace(req, images=images, mask=mask)


def wire_form(profile: Profile, req: ImageRequest, base_url: str | None = None) -> WireForm:
    """The request the dialect builds for `req`, read back into a form every snippet language can write out.

    The dialect is given the request with each upload's bytes replaced by a short unique stand-in (same name
    and type): where it puts an upload does not depend on its content, and reading back a 20 MB image as a
    data URL on every rerun of a page would cost about a second. The snippets read the real files."""
    req = _with_stand_ins(req)
    request = _build(profile, req, base_url)
    uploads = _uploads(req)
    form = WireForm(method=request.method, url=str(request.url))
    content_type = request.headers.get("content-type", "")
    if "multipart/form-data" in content_type:
        for name, filename, mime, data in _parse_multipart(request.content, content_type):
            if filename is None:
                form.fields.append((name, data.decode("utf-8")))
                continue
            # Which upload this part carries, by its bytes: the snippet reads that file.
            match = next(((fname, m) for img, fname, m in uploads if img.data == data), None)
            if match is None:
                raise ValueError(f"multipart part {name!r} carries bytes that are not one of the request's uploads")
            form.files.append(FilePart(name, match[0], mime or match[1]))
        return form
    body = json.loads(request.content) if request.content else {}
    by_url = {img.data_url(): DataUrl(fname, mime) for img, fname, mime in uploads}
    form.json = _mark_data_urls(body, by_url)
    return form
