"""'View as code': the request Easel would send, as curl, Python httpx, the OpenAI SDK and JavaScript fetch.

Every snippet is rendered from the request the provider's dialect builds (`build_submit`), not from a second
description of the wire: the dialect's httpx.Request is read back (URL, JSON body or multipart parts) into a
`WireForm` (easel/providers/wire_form.py), and each language writes that form out. So when a dialect changes which fields it sends, the
snippets change with it. tests/integration/test_codegen_wire.py runs every snippet against the simulator and
compares what arrives with what Easel's own client sends.

The key never appears: every snippet reads it from EASEL_<ID>_API_KEY. Image bytes never appear either:
uploads are files the reader keeps beside the script (input-1.png, mask.png; `snippet_files` gives them), read
as multipart parts or turned into data URLs where the dialect sends data URLs.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

from easel.providers.catalog import Profile
from easel.providers.request import ImageRequest
from easel.providers.wire_form import (DataUrl, FilePart, WireForm, endpoint_url, json_body, snippet_files,
                                       wire_form)

__all__ = ["Snippet", "WireForm", "FilePart", "DataUrl", "snippets", "wire_form", "snippet_files", "endpoint_url",
           "json_body", "env_var", "sdk_unavailable_reason"]


class Snippet(tuple):
    """(label, language, code)."""

    def __new__(cls, label: str, language: str, code: str):
        return super().__new__(cls, (label, language, code))

    label = property(lambda self: self[0])
    language = property(lambda self: self[1])
    code = property(lambda self: self[2])


def env_var(profile: Profile) -> str:
    return f"EASEL_{profile.env_id}_API_KEY"


# --- literals ---------------------------------------------------------------------------------------------

def _string(s: str) -> str:
    # A JSON string literal is also a valid Python and JavaScript string literal.
    return json.dumps(s, ensure_ascii=False)


def _literal(value, lang: str, marker, indent: int = 0) -> str:
    """`value` as a Python ("py") or JavaScript ("js") literal; DataUrl markers become `marker(DataUrl)`."""
    pad, inner = " " * indent, " " * (indent + 4)
    if isinstance(value, DataUrl):
        return marker(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_string(str(k))}: {_literal(v, lang, marker, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if not value:
            return "[]"
        items = [f"{inner}{_literal(v, lang, marker, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    if isinstance(value, bool):
        return ("True" if value else "False") if lang == "py" else ("true" if value else "false")
    if value is None:
        return "None" if lang == "py" else "null"
    if isinstance(value, str):
        return _string(value)
    return json.dumps(value)


def _has_data_urls(value) -> bool:
    if isinstance(value, DataUrl):
        return True
    if isinstance(value, dict):
        return any(_has_data_urls(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_data_urls(v) for v in value)
    return False


def _poll_note(profile: Profile, form: WireForm, comment: str) -> str:
    base = form.url.split("?", 1)[0]
    base = base[: base.rfind("/images/")] if "/images/" in base else base
    if profile.dialect == "gccai":
        return (f"\n{comment} The reply carries a task id; poll GET {base}/tasks/<task_id> "
                f"(or POST {base}/tasks/batch) until status is completed.")
    if profile.dialect == "icodeeasy" and "async=" in form.url:
        return f"\n{comment} The 202 reply carries a task_id; poll GET {base}/images/tasks/<task_id>."
    return ""


# --- curl -------------------------------------------------------------------------------------------------

def _heredoc_escape(text: str) -> str:
    # In an unquoted heredoc only \, $ and ` are special; escaped, the JSON arrives byte for byte.
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("`", "\\`")


def _curl(profile: Profile, form: WireForm) -> str:
    lines = [f"curl -sS -X {form.method} {shlex.quote(form.url)}",
             f'  -H "Authorization: Bearer ${env_var(profile)}"']
    heredoc = None
    if form.multipart:
        # --form-string: a value is sent literally (with -F a leading @ or < or a ";type=" would be read).
        lines += [f"  --form-string {shlex.quote(f'{name}={value}')}" for name, value in form.fields]
        lines += [f"  -F {shlex.quote(f'{p.field}=@{p.filename};type={p.mime}')}" for p in form.files]
    else:
        lines.append('  -H "Content-Type: application/json"')
        if _has_data_urls(form.json):
            tokens: dict[str, DataUrl] = {}

            def token(value):
                if isinstance(value, DataUrl):
                    tokens[f"EASELDATAURL{len(tokens)}X"] = value
                    return f"EASELDATAURL{len(tokens) - 1}X"
                if isinstance(value, dict):
                    return {k: token(v) for k, v in value.items()}
                return [token(v) for v in value] if isinstance(value, list) else value

            text = _heredoc_escape(json.dumps(token(form.json), ensure_ascii=False, indent=2))
            for t, d in tokens.items():
                text = text.replace(t, f"data:{d.mime};base64,$(base64 < {shlex.quote(d.filename)} | tr -d '\\n')")
            lines.append("  --data-binary @- <<EASEL_JSON")
            heredoc = text + "\nEASEL_JSON"
        else:
            lines.append(f"  --data-raw {shlex.quote(json.dumps(form.json, ensure_ascii=False, indent=2))}")
    code = " \\\n".join(lines) + ("\n" + heredoc if heredoc else "")
    return code + _poll_note(profile, form, "#")


# --- Python httpx -----------------------------------------------------------------------------------------

def _results_py(profile: Profile, var: str) -> list[str]:
    if profile.dialect == "openai" and profile.response == "b64_json":
        return [f"for i, item in enumerate({var}['data'], 1):",
                "    open(f'easel-{i}.png', 'wb').write(base64.b64decode(item['b64_json'].split(',')[-1]))"]
    return [f"print(json.dumps({var}, indent=2, ensure_ascii=False))"]


def _py_data_url(d: DataUrl) -> str:
    return f"data_url({_string(d.filename)}, {_string(d.mime)})"


def _streams(form: WireForm) -> bool:
    """The request asks for server-sent events (stream: true) rather than one JSON answer."""
    if form.multipart:
        return ("stream", "true") in form.fields
    return isinstance(form.json, dict) and form.json.get("stream") is True


def _save_py(value: str) -> str:
    return f"open(f'easel-{{i}}.png', 'wb').write(base64.b64decode({value}.split(',')[-1]))"


def _httpx(profile: Profile, form: WireForm) -> str:
    lines = ["import base64", "import json", "import os", "", "import httpx", "",
             f"headers = {{'Authorization': 'Bearer ' + os.environ[{_string(env_var(profile))}]}}",
             "timeout = httpx.Timeout(connect=10, read=300, write=60, pool=10)"]
    target = f"{_string(form.method)}, {_string(form.url)}, headers=headers"
    if form.multipart:
        data = "[\n" + "\n".join(f"    ({_string(n)}, {_string(v)})," for n, v in form.fields) + "\n]"
        files = "[\n" + "\n".join(
            f"    ({_string(p.field)}, ({_string(p.filename)}, open({_string(p.filename)}, 'rb'), {_string(p.mime)})),"
            for p in form.files) + "\n]"
        lines += [f"data = {data}", f"files = {files}"]
        # A list of pairs keeps the fields in the dialect's order; repeated names go as file-less parts.
        unique = len({n for n, _ in form.fields}) == len(form.fields)
        args = f"{target}, data=dict(data), files=files" if unique else \
            f"{target}, files=[(n, (None, v)) for n, v in data] + files"
    else:
        if _has_data_urls(form.json):
            lines += ["", "", "def data_url(path, mime):",
                      "    return f'data:{mime};base64,' + base64.b64encode(open(path, 'rb').read()).decode()", "", ""]
        lines.append(f"payload = {_literal(form.json, 'py', _py_data_url)}")
        args = f"{target}, json=payload"
    if _streams(form):
        lines += [f"with httpx.stream({args}, timeout=timeout) as r:",
                  "    r.raise_for_status()",
                  "    i = 0",
                  "    for line in r.iter_lines():            # server-sent events: partial images, then the final one",
                  "        if not line.startswith('data:'):",
                  "            continue",
                  "        event = json.loads(line[5:])",
                  "        print(event.get('type'))",
                  "        if event.get('b64_json') and str(event.get('type', '')).endswith('completed'):",
                  "            i += 1",
                  "            " + _save_py("event['b64_json']")]
    else:
        lines += [f"r = httpx.request({args}, timeout=timeout)", "r.raise_for_status()", *_results_py(profile, "r.json()")]
    return "\n".join(lines) + _poll_note(profile, form, "#")


# --- OpenAI SDK -------------------------------------------------------------------------------------------

# The keyword arguments openai-python's images.generate / images.edit take; any other field goes in extra_body.
_SDK_PARAMS = {
    "generations": {"prompt", "background", "model", "moderation", "n", "output_compression", "output_format",
                    "partial_images", "quality", "response_format", "size", "stream", "style", "user"},
    "edits": {"prompt", "background", "input_fidelity", "model", "n", "output_compression", "output_format",
              "partial_images", "quality", "response_format", "size", "stream", "user"},
}
_SDK_INTS = {"n", "output_compression", "partial_images"}


def _endpoint_of(form: WireForm) -> str | None:
    path = form.url.split("?", 1)[0]
    for name in ("generations", "edits"):
        if path.endswith("/images/" + name):
            return name
    return None


def sdk_unavailable_reason(profile: Profile, form: WireForm) -> str | None:
    """Why the OpenAI SDK cannot send this request as Easel does, or None when it can."""
    if profile.dialect != "openai" or _endpoint_of(form) is None or "?" in form.url:
        return f"{profile.label} speaks its own {profile.dialect} dialect, not the OpenAI Images API."
    images = [p.field for p in form.files if p.field != "mask"]
    # The SDK sends one image as `image` and a list as `image[]`; a provider that wants otherwise needs httpx.
    expected = ["image"] if len(images) == 1 else ["image[]"] * len(images)
    if images != expected:
        return (f"{profile.label} takes {'this image' if len(images) == 1 else 'these images'} as "
                f"'{images[0]}' fields, where the OpenAI SDK sends '{expected[0]}'; use the httpx or curl form.")
    return None


def _sdk_value(name: str, value):
    if isinstance(value, str) and name in _SDK_INTS and value.isdigit():
        return int(value)
    if isinstance(value, str) and name == "stream" and value in ("true", "false"):
        return value == "true"
    return value


def _sdk(profile: Profile, form: WireForm) -> str | None:
    if sdk_unavailable_reason(profile, form) is not None:
        return None
    endpoint = _endpoint_of(form)
    sdk_base = form.url[: form.url.rfind("/images/")]
    body = dict(form.fields) if form.multipart else dict(form.json or {})
    known = _SDK_PARAMS[endpoint]
    args = [f"{k}={_literal(_sdk_value(k, v), 'py', None, 4)}" for k, v in body.items() if k in known]
    extra = {k: v for k, v in body.items() if k not in known}
    if form.multipart:
        def file_arg(p: FilePart) -> str:
            return f"({_string(p.filename)}, open({_string(p.filename)}, 'rb'), {_string(p.mime)})"

        images = [file_arg(p) for p in form.files if p.field != "mask"]
        args.insert(0, "image=" + (images[0] if len(images) == 1 else "[" + ", ".join(images) + "]"))
        args += [f"mask={file_arg(p)}" for p in form.files if p.field == "mask"]
    if extra:
        args.append(f"extra_body={_literal(extra, 'py', None, 4)}")
    call = "client.images.edit(" if endpoint == "edits" else "client.images.generate("
    lines = ["import base64", "import os", "", "from openai import OpenAI", "",
             f"client = OpenAI(api_key=os.environ[{_string(env_var(profile))}], base_url={_string(sdk_base)}, "
             "timeout=300)",
             "result = " + call + "\n    " + ",\n    ".join(args) + ",\n)"]
    if _streams(form):
        lines += ["i = 0", "for event in result:                       # partial images, then the final one",
                  "    print(event.type)",
                  "    if event.type.endswith('completed'):",
                  "        i += 1",
                  "        " + _save_py("event.b64_json")]
    elif profile.response == "b64_json":
        lines += ["for i, item in enumerate(result.data, 1):",
                  "    open(f'easel-{i}.png', 'wb').write(base64.b64decode(item.b64_json.split(',')[-1]))"]
    else:
        lines += ["for item in result.data:", "    print(item.url)"]
    return "\n".join(lines)


# --- JavaScript fetch -------------------------------------------------------------------------------------

def _js_data_url(d: DataUrl) -> str:
    return f"{_string('data:' + d.mime + ';base64,')} + (await readFile({_string(d.filename)})).toString(\"base64\")"


def _javascript(profile: Profile, form: WireForm) -> str:
    lines = ["// Node 18+ (fetch, FormData and Blob are built in): save as easel.mjs and run `node easel.mjs`.",
             "// In a browser, append File objects from an <input type=\"file\"> instead of readFile."]
    needs_files = bool(form.files) or _has_data_urls(form.json)
    if needs_files:
        lines.append('import { readFile } from "node:fs/promises";')
    lines += ["", f"const headers = {{ Authorization: `Bearer ${{process.env.{env_var(profile)}}}` }};"]
    if form.multipart:
        lines.append("const body = new FormData();")
        lines += [f"body.append({_string(n)}, {_string(v)});" for n, v in form.fields]
        lines += [f"body.append({_string(p.field)}, new Blob([await readFile({_string(p.filename)})], "
                  f"{{ type: {_string(p.mime)} }}), {_string(p.filename)});" for p in form.files]
        lines.append("// No Content-Type header: fetch sets multipart/form-data with its boundary.")
    else:
        lines += ['headers["Content-Type"] = "application/json";',
                  f"const body = JSON.stringify({_literal(form.json, 'js', _js_data_url)});"]
    lines.append(f"const r = await fetch({_string(form.url)}, {{ method: {_string(form.method)}, headers, body }});")
    if _streams(form):
        lines += ["if (!r.ok) throw new Error(`HTTP ${r.status}: ${await r.text()}`);",
                  'const { writeFile } = await import("node:fs/promises");',
                  "let i = 0;",
                  "// Server-sent events: partial images, then the final one.",
                  'for (const line of (await r.text()).split("\\n")) {',
                  '  if (!line.startsWith("data:")) continue;',
                  "  const event = JSON.parse(line.slice(5));",
                  "  console.log(event.type);",
                  '  if (event.b64_json && String(event.type).endsWith("completed")) {',
                  '    await writeFile(`easel-${++i}.png`, Buffer.from(event.b64_json.split(",").pop(), "base64"));',
                  "  }",
                  "}"]
        return "\n".join(lines)
    lines += ["const json = await r.json();",
              "if (!r.ok) throw new Error(`HTTP ${r.status}: ${JSON.stringify(json)}`);"]
    if profile.dialect == "openai" and profile.response == "b64_json":
        lines += ['const { writeFile } = await import("node:fs/promises");',
                  "for (const [i, item] of json.data.entries()) {",
                  '  await writeFile(`easel-${i + 1}.png`, Buffer.from(item.b64_json.split(",").pop(), "base64"));',
                  "}"]
    else:
        lines.append("console.log(JSON.stringify(json, null, 2));")
    return "\n".join(lines) + _poll_note(profile, form, "//")


def snippets(profile: Profile, req: ImageRequest, *, base_url: str | None = None) -> list[Snippet]:
    """curl, Python httpx, JavaScript fetch and, where it sends the same request, the OpenAI SDK, for a validated
    (resolved) request."""
    if base_url:
        profile = replace(profile, base_url=base_url.rstrip("/"))
    form = wire_form(profile, req)
    out = [Snippet("curl", "bash", _curl(profile, form)), Snippet("Python (httpx)", "python", _httpx(profile, form))]
    sdk = _sdk(profile, form)
    if sdk:
        out.append(Snippet("OpenAI SDK", "python", sdk))
    out.append(Snippet("JavaScript (fetch)", "javascript", _javascript(profile, form)))
    return out
