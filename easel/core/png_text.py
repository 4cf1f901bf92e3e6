"""The settings text an image carries: Easel's own `easel` chunk (JSON), AUTOMATIC1111's `parameters` text, and
the PNG text chunks that hold them, written into a PNG by copying it chunk by chunk (never decoded).

Pure bytes and strings, no Pillow, so every layer that hands out a PNG can stamp it: the gallery ZIP
(easel/store/zip_export.py) sits below the media layer. Reading an image of any kind is easel/media/png_info.py.

A1111's format, as its `parse_generation_parameters` reads it: the prompt (one or more lines), an optional line
starting "Negative prompt:" (it and every line after it, bar the last, are the negative prompt), then a last line
of `Key: value, Key: value, …` where a value holding a comma, colon or quote is written as a JSON string. A last
line with fewer than three `Key: value` pairs is part of the prompt, as A1111 reads it.
"""

from __future__ import annotations

import json
import re
import struct
import zlib
from typing import BinaryIO

__all__ = ["EASEL_CHUNK", "A1111_CHUNK", "SOFTWARE_CHUNK", "safe_settings", "settings_from_job", "easel_text",
           "parse_easel_text", "format_a1111", "parse_a1111", "a1111_settings", "chunks_for", "text_chunk",
           "stamp_png", "stamp_png_bytes", "image_chunks", "PNG_SIGNATURE", "TEXT_KEYWORDS"]

EASEL_CHUNK = "easel"
A1111_CHUNK = "parameters"
SOFTWARE_CHUNK = "Software"
TEXT_KEYWORDS = (EASEL_CHUNK, A1111_CHUNK, SOFTWARE_CHUNK)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_TYPES = (b"tEXt", b"iTXt", b"zTXt")
_COPY = 64 * 1024

# A setting whose name says credential, or whose value is a URL (a result URL is a bearer credential), is never
# written: the key stays in the session and the fingerprint in the database.
_SECRET_WORDS = ("key", "secret", "authorization", "password", "bearer", "token", "fingerprint", "url", "cookie")
_URL_VALUE = re.compile(r"^\s*(https?|data):", re.I)

# The request fields that say how an image was made (easel.providers.request.ImageRequest), in table order.
_REQUEST_FIELDS = ("model", "size", "resolution", "quality", "n")

# Easel's setting names in A1111's spelling, both ways. "Size" is A1111's pixel size (width x height), so it
# carries the image's own pixels; the size that was asked (a ratio, "auto") goes as "Requested size".
_A1111_NAMES = {"image_size": "Size", "model": "Model", "quality": "Quality", "provider": "Provider",
                "resolution": "Resolution", "n": "Batch size", "size": "Requested size"}
_FROM_A1111 = {v: k for k, v in _A1111_NAMES.items()}
_A1111_PARAM = re.compile(r'\s*(\w[\w \-/]+):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')


def _secret_name(name: str) -> bool:
    return any(word in name.lower() for word in _SECRET_WORDS)


def safe_settings(settings: dict) -> dict:
    """The settings without anything that could be a credential: names with key/secret/token/fingerprint/url…,
    URL values, and the same inside nested dicts."""
    out: dict = {}
    for name, value in settings.items():
        if value is None or _secret_name(str(name)):
            continue
        if isinstance(value, dict):
            value = safe_settings(value)
            if not value:
                continue
        elif isinstance(value, str) and _URL_VALUE.match(value):
            continue
        out[str(name)] = value
    return out


def settings_from_job(provider: str | None, params: dict | None, *, width: int | None = None,
                      height: int | None = None, revised_prompt: str | None = None,
                      created: str | None = None) -> dict:
    """What an image says about how it was made: the provider, the request's fields (model, size, resolution,
    quality, n, the provider's extras), streaming, and the image's own pixel size. Never the input images or mask
    (their URLs and names), never the end-user id (it names a person, and does not change the picture)."""
    params = params or {}
    settings: dict = {"provider": provider} if provider else {}
    for name in _REQUEST_FIELDS:
        if params.get(name) not in (None, ""):
            settings[name] = params[name]
    for name, value in sorted((params.get("extras") or {}).items()):
        if name != "user" and value not in (None, ""):
            settings[name] = value
    if params.get("stream"):
        settings["stream"] = True
        if params.get("partial_images") is not None:
            settings["partial_images"] = params["partial_images"]
    if params.get("edit") or params.get("images") or params.get("mask"):
        settings["edit"] = True
    if width and height:
        settings["image_size"] = f"{width}x{height}"
    if revised_prompt:
        settings["revised_prompt"] = revised_prompt
    if created:
        settings["created"] = created
    return safe_settings(settings)


# --- Easel's own chunk ------------------------------------------------------------------------------------
def easel_text(prompt: str, settings: dict) -> str:
    return json.dumps({"software": "Easel", "prompt": prompt, "settings": safe_settings(settings)},
                      ensure_ascii=False)


def parse_easel_text(text: str) -> tuple[str, dict] | None:
    """(prompt, settings) from an `easel` chunk; None when it is not Easel's JSON."""
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("prompt", ""), str):
        return None
    settings = doc.get("settings")
    return doc.get("prompt") or "", settings if isinstance(settings, dict) else {}


# --- AUTOMATIC1111's `parameters` ---------------------------------------------------------------------------
def _a1111_value(value) -> str:
    text = json.dumps(value) if isinstance(value, bool) else str(value)
    text = " ".join(text.split()) if "\n" in text else text
    return json.dumps(text, ensure_ascii=False) if any(c in text for c in ',:"') else text


def _a1111_name(name: str) -> str:
    return _A1111_NAMES.get(name) or name.replace("_", " ").capitalize()


def format_a1111(prompt: str, settings: dict, negative_prompt: str | None = None) -> str:
    """Settings as A1111 writes them, so its PNG Info tab and compatible viewers show them. The revised prompt
    and the creation time are Easel's own and stay in the `easel` chunk."""
    pairs = [f"{_a1111_name(k)}: {_a1111_value(v)}" for k, v in safe_settings(settings).items()
             if k not in ("revised_prompt", "created")]
    pairs.append("Software: Easel")
    lines = [prompt.strip()]
    if negative_prompt:
        lines.append(f"Negative prompt: {negative_prompt.strip()}")
    return "\n".join([*lines, ", ".join(pairs)])


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def parse_a1111(text: str) -> tuple[str, str, dict[str, str]]:
    """(prompt, negative prompt, {Key: value}) from a `parameters` text, keys and values as written (quoted
    values unquoted)."""
    *lines, last = text.strip().replace("\r\n", "\n").split("\n")
    if len(_A1111_PARAM.findall(last)) < 3:
        lines.append(last)
        last = ""
    prompt: list[str] = []
    negative: list[str] = []
    for line in lines:
        line = line.strip()
        if not negative and line.startswith("Negative prompt:"):
            negative.append(line[len("Negative prompt:"):].strip())
        elif negative:
            negative.append(line)
        else:
            prompt.append(line)
    params = {k.strip(): _unquote(v) for k, v in _A1111_PARAM.findall(last)}
    return "\n".join(prompt), "\n".join(negative), params


def a1111_settings(params: dict[str, str]) -> dict:
    """A1111's keys as settings: the ones Easel writes back under Easel's names (Size → image_size and, when no
    size was asked, size), every other one (Steps, Sampler, CFG scale, Seed…) as it is."""
    settings: dict = {}
    ours = params.get("Software") == "Easel"
    for key, value in params.items():
        if ours and key == "Software":
            continue
        name = _FROM_A1111.get(key) or (key.lower().replace(" ", "_") if ours else key)
        if name in ("n", "partial_images", "output_compression") and value.isdigit():
            value = int(value)
        elif ours and value in ("true", "false"):
            value = value == "true"
        settings[name] = value
    if "image_size" in settings and "size" not in settings:
        settings["size"] = settings["image_size"].replace(" ", "")
    return settings


def chunks_for(prompt: str, settings: dict) -> dict[str, str]:
    """Every text chunk a PNG from Easel carries: Easel's JSON, A1111's `parameters`, and Software."""
    return {EASEL_CHUNK: easel_text(prompt, settings), A1111_CHUNK: format_a1111(prompt, settings),
            SOFTWARE_CHUNK: "Easel"}


def image_chunks(row, job_prompt: str | None, job_provider: str | None, params: dict | None) -> dict[str, str]:
    """The chunks for one stored image (an easel.store.rows.ImageRow) of a job whose prompt, provider and
    parameters are given (None when the job row is gone: the image's own columns stand in)."""
    from datetime import datetime, timezone

    created = datetime.fromtimestamp(row.created_at, timezone.utc).isoformat(timespec="seconds")
    if params is None:
        params = {"model": row.model, "size": row.size, "quality": row.quality}
    settings = settings_from_job(row.provider or job_provider, params, width=row.width, height=row.height,
                                 revised_prompt=row.revised_prompt, created=created)
    return chunks_for(row.prompt or job_prompt or "", settings)


# --- PNG chunks ---------------------------------------------------------------------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def text_chunk(keyword: str, value: str) -> bytes:
    """tEXt when the value is Latin-1 (the PNG spec's text encoding), else uncompressed iTXt in UTF-8 (a Chinese
    prompt)."""
    key = keyword.encode("latin-1")
    try:
        return _chunk(b"tEXt", key + b"\0" + value.encode("latin-1"))
    except UnicodeEncodeError:
        return _chunk(b"iTXt", key + b"\0\0\0\0\0" + value.encode("utf-8"))


def _copy(src: BinaryIO, dst: BinaryIO | None, n: int) -> bool:
    """Copy (or with no `dst`, skip) n bytes; False when the file ends first."""
    while n > 0:
        piece = src.read(min(n, _COPY))
        if not piece:
            return False
        if dst is not None:
            dst.write(piece)
        n -= len(piece)
    return True


def stamp_png(src: BinaryIO, dst: BinaryIO, chunks: dict[str, str]) -> None:
    """Copy a PNG from `src` to `dst` with `chunks` as text chunks right after IHDR (before any image data, where
    every reader looks), dropping text chunks the file already had under those keywords. Streams 64 KB at a time,
    so memory does not grow with the image. Raises ValueError, before writing anything, for bytes that are not a
    PNG; a file that ends mid-chunk is copied as far as it goes (what it had is handed out, never less)."""
    head = src.read(8)
    if head != PNG_SIGNATURE:
        raise ValueError("not a PNG")
    dst.write(head)
    drop = {k.encode("latin-1") for k in chunks}
    stamped = False
    while True:
        header = src.read(8)
        if not header:
            return
        if len(header) < 8:
            dst.write(header)
            return
        length, kind = struct.unpack(">I", header[:4])[0], header[4:]
        if kind in _TEXT_TYPES:
            start = src.read(min(length, 80))
            if start.split(b"\0", 1)[0] in drop:
                if not _copy(src, None, length - len(start) + 4):      # the old value and its CRC
                    return
                continue
            dst.write(header + start)
            if not _copy(src, dst, length - len(start) + 4):
                return
        else:
            dst.write(header)
            if not _copy(src, dst, length + 4):
                return
        if kind == b"IHDR" and not stamped:
            dst.write(b"".join(text_chunk(k, v) for k, v in chunks.items()))
            stamped = True


def stamp_png_bytes(data: bytes, chunks: dict[str, str]) -> bytes:
    import io

    out = io.BytesIO()
    stamp_png(io.BytesIO(data), out, chunks)
    return out.getvalue()
