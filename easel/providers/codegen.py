"""'View as code': the exact request a profile would send, as curl, Python httpx and (openai dialect) the OpenAI SDK.

The key never appears: every snippet reads it from EASEL_<ID>_API_KEY. Image bytes never appear either:
uploads are named files (input-1.png, mask.png) the reader supplies, because pasting megabytes of base64
into a code block helps nobody. Everything else (URL, fields, values) follows DESIGN.md's wire forms, and a
test compares these bodies with what the real client sends to the simulator.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

from easel.providers.catalog import Profile
from easel.providers.request import ImageRequest

__all__ = ["Snippet", "snippets", "endpoint_url", "json_body", "form_fields", "env_var"]


class Snippet(tuple):
    """(label, language, code)."""

    def __new__(cls, label: str, language: str, code: str):
        return super().__new__(cls, (label, language, code))

    label = property(lambda self: self[0])
    language = property(lambda self: self[1])
    code = property(lambda self: self[2])


def env_var(profile: Profile) -> str:
    return f"EASEL_{profile.env_id}_API_KEY"


def endpoint_url(profile: Profile, req: ImageRequest, base_url: str | None = None) -> str:
    base = (base_url or profile.base_url).rstrip("/")
    path = "/images/edits" if (req.is_edit and profile.dialect != "gccai") else "/images/generations"
    url = base + profile.path_prefix + path
    if profile.dialect == "icodeeasy" and req.async_:
        url += "?async=1"
    return url


def _input_name(i: int, img) -> str:
    ext = {"image/jpeg": ".jpg", "image/webp": ".webp"}.get(img.mime or "", ".png")
    return f"input-{i}{ext}"


def _extras(profile: Profile, req: ImageRequest) -> dict:
    allowed = profile.allowed_extras(edit=req.is_edit)
    return {k: v for k, v in req.extras.items() if k in allowed and v not in (None, "")}


def json_body(profile: Profile, req: ImageRequest) -> dict:
    """The JSON body for JSON requests (openai generations, icodeeasy, gccai); uploads as placeholders."""
    if profile.dialect == "openai":
        body: dict = {"model": req.model, "prompt": req.prompt, "n": req.n, "size": req.size, "quality": req.quality}
        body.update(_extras(profile, req))
        if profile.response_format_param:
            body["response_format"] = profile.response_format_param
        return body
    body = {"model": req.model, "prompt": req.prompt}
    if profile.dialect == "icodeeasy":
        body.update({"n": req.n, "size": req.size, "resolution": req.resolution, "quality": req.quality})
    else:
        body.update({"size": req.size, "resolution": req.resolution, "quality": req.quality, "n": req.n})
        body.update(_extras(profile, req))
    if req.images:
        body["image_urls"] = [img.url if img.is_url else f"<data URL of {_input_name(i, img)}>"
                              for i, img in enumerate(req.images, 1)]
    if profile.dialect == "gccai" and req.mask is not None:
        body["mask_url"] = "<data URL of mask.png>"
    return body


def form_fields(profile: Profile, req: ImageRequest) -> list[tuple[str, str]]:
    """The multipart text fields of an openai-dialect edit, in order."""
    fields = [("model", req.model), ("prompt", req.prompt), ("n", str(req.n)), ("size", req.size),
              ("quality", req.quality)]
    fields += [(k, str(v)) for k, v in _extras(profile, req).items()]
    if profile.response_format_param:
        fields.append(("response_format", profile.response_format_param))
    return fields


def _multipart(profile: Profile, req: ImageRequest) -> bool:
    return profile.dialect == "openai" and req.is_edit


def _curl(profile: Profile, req: ImageRequest, url: str) -> str:
    lines = [f"curl -sS {shlex.quote(url)}", f'  -H "Authorization: Bearer ${env_var(profile)}"']
    if _multipart(profile, req):
        for name, value in form_fields(profile, req):
            lines.append(f"  -F {shlex.quote(f'{name}={value}')}")
        for i, img in enumerate(req.images, 1):
            lines.append(f"  -F {shlex.quote(f'{profile.multipart_image_field}=@{_input_name(i, img)}')}")
        if req.mask is not None:
            lines.append("  -F 'mask=@mask.png;type=image/png'")
    else:
        body = json.dumps(json_body(profile, req), ensure_ascii=False, indent=2)
        lines.append('  -H "Content-Type: application/json"')
        lines.append(f"  -d {shlex.quote(body)}")
    code = " \\\n".join(lines)
    return code + _poll_note(profile, req, "#")


def _poll_note(profile: Profile, req: ImageRequest, comment: str) -> str:
    base = profile.base_url.rstrip("/") + profile.path_prefix
    if profile.dialect == "gccai":
        return (f"\n{comment} The reply carries a task id; poll GET {base}/tasks/<task_id> "
                f"(or POST {base}/tasks/batch) until status is completed.")
    if profile.dialect == "icodeeasy" and req.async_:
        return f"\n{comment} The 202 reply carries a task_id; poll GET {base}/images/tasks/<task_id>."
    return ""


def _py_literal(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=4)


def _httpx(profile: Profile, req: ImageRequest, url: str) -> str:
    head = [
        "import base64",
        "import os",
        "",
        "import httpx",
        "",
        f'headers = {{"Authorization": f"Bearer {{os.environ[\'{env_var(profile)}\']}}"}}',
    ]
    timeout = "httpx.Timeout(connect=10, read=300, write=60, pool=10)"
    if _multipart(profile, req):
        data = _py_literal(dict(form_fields(profile, req)))
        files = [f'    ("{profile.multipart_image_field}", ("{_input_name(i, img)}", open("{_input_name(i, img)}", "rb"), '
                 f'"{img.mime or "image/png"}")),' for i, img in enumerate(req.images, 1)]
        if req.mask is not None:
            files.append('    ("mask", ("mask.png", open("mask.png", "rb"), "image/png")),')
        body = [f"data = {data}", "files = [", *files, "]",
                f"r = httpx.post({url!r}, headers=headers, data=data, files=files, timeout={timeout})"]
    else:
        payload = json_body(profile, req)
        body = []
        if any(not img.is_url for img in req.images) or (profile.dialect == "gccai" and req.mask is not None):
            body += ["", "def data_url(path, mime='image/png'):",
                     "    return f'data:{mime};base64,' + base64.b64encode(open(path, 'rb').read()).decode()", ""]
            literal = _py_literal(payload)
            for i, img in enumerate(req.images, 1):
                if not img.is_url:
                    name = _input_name(i, img)
                    literal = literal.replace(json.dumps(f"<data URL of {name}>"),
                                              f"data_url({name!r}, {img.mime or 'image/png'!r})")
            literal = literal.replace(json.dumps("<data URL of mask.png>"), "data_url('mask.png')")
        else:
            literal = _py_literal(payload)
        body += [f"payload = {literal}",
                 f"r = httpx.post({url!r}, headers=headers, json=payload, timeout={timeout})"]
    tail = ["r.raise_for_status()", "print(r.json())"]
    return "\n".join(head + body + tail) + _poll_note(profile, req, "#")


def _sdk(profile: Profile, req: ImageRequest) -> str | None:
    """The OpenAI SDK form, only where it sends the same request: the openai dialect, and for QCode
    (which repeats a plain `image` field) only single-image edits."""
    if profile.dialect != "openai":
        return None
    if req.is_edit and profile.multipart_image_field != "image[]" and len(req.images) > 1:
        return None
    sdk_base = profile.base_url.rstrip("/") + profile.path_prefix
    args = [f"model={req.model!r}", f"prompt={req.prompt!r}", f"n={req.n}", f"size={req.size!r}",
            f"quality={req.quality!r}"]
    args += [f"{k}={v!r}" for k, v in _extras(profile, req).items()]
    if profile.response_format_param:
        args.append(f"response_format={profile.response_format_param!r}")
    lines = ["import base64", "import os", "", "from openai import OpenAI", "",
             f"client = OpenAI(api_key=os.environ[{env_var(profile)!r}], base_url={sdk_base!r}, timeout=300)"]
    if req.is_edit:
        images = [f"open({_input_name(i, img)!r}, 'rb')" for i, img in enumerate(req.images, 1)]
        image_arg = images[0] if len(images) == 1 else "[" + ", ".join(images) + "]"
        args.insert(1, f"image={image_arg}")
        if req.mask is not None:
            args.insert(2, "mask=open('mask.png', 'rb')")
        call = "client.images.edit("
    else:
        call = "client.images.generate("
    lines.append("result = " + call + "\n    " + ",\n    ".join(args) + ",\n)")
    lines += ["for i, item in enumerate(result.data, 1):",
              "    open(f'easel-{i}.png', 'wb').write(base64.b64decode(item.b64_json))"]
    return "\n".join(lines)


def snippets(profile: Profile, req: ImageRequest, *, base_url: str | None = None) -> list[Snippet]:
    """curl, Python httpx and, where the dialect allows, the OpenAI SDK, for a validated (resolved) request."""
    if base_url:
        profile = replace(profile, base_url=base_url.rstrip("/"))
    url = endpoint_url(profile, req)
    out = [Snippet("curl", "bash", _curl(profile, req, url)), Snippet("Python (httpx)", "python", _httpx(profile, req, url))]
    sdk = _sdk(profile, req)
    if sdk:
        out.append(Snippet("OpenAI SDK", "python", sdk))
    return out
