"""PNG Info: the prompt and settings an image carries, read back; and the same written into the images Easel
hands out (downloads, ZIPs, `easel generate --out`).

Read, in this order: Easel's `easel` chunk; an older Easel download (a `parameters` chunk holding JSON beside a
`prompt` chunk); AUTOMATIC1111's `parameters` text. PNG text chunks of every kind (tEXt, iTXt, zTXt) are read.
JPEG and WebP are read from EXIF: Easel's JSON in ImageDescription, A1111's text in UserComment.
The formats themselves (build, format, parse, chunk bytes) are easel/core/png_text.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from easel.core import png_text
from easel.media import imaging

__all__ = ["ImageInfo", "read_info", "job_chunks", "download", "stamp"]

_USER_COMMENT = 0x9286
_IMAGE_DESCRIPTION = 0x010E
_EXIF_IFD = 0x8769


@dataclass(frozen=True)
class ImageInfo:
    """What an image says about how it was made. `source`: "easel", "a1111" or "none"."""

    source: str
    prompt: str = ""
    negative_prompt: str = ""
    settings: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"source": self.source, "prompt": self.prompt, "negative_prompt": self.negative_prompt,
                "settings": self.settings}


NONE = ImageInfo("none")


def _from_texts(texts: dict[str, str]) -> ImageInfo:
    if png_text.EASEL_CHUNK in texts:
        parsed = png_text.parse_easel_text(texts[png_text.EASEL_CHUNK])
        if parsed is not None:
            return ImageInfo("easel", parsed[0], "", parsed[1])
    parameters = texts.get(png_text.A1111_CHUNK)
    if parameters:
        try:
            legacy = json.loads(parameters)
        except ValueError:
            legacy = None
        if isinstance(legacy, dict):        # an Easel download from before the `easel` chunk
            settings = {k: v for k, v in texts.items() if k not in ("prompt", "parameters", "software")}
            settings.update(png_text.settings_from_job(texts.get("provider"), legacy))
            return ImageInfo("easel", texts.get("prompt") or legacy.get("prompt") or "", "",
                             png_text.safe_settings(settings))
        prompt, negative, params = png_text.parse_a1111(parameters)
        return ImageInfo("a1111", prompt, negative, png_text.a1111_settings(params))
    return NONE


def _user_comment(raw) -> str | None:
    """EXIF UserComment: an 8-byte charset tag, then the text (A1111 writes "UNICODE\\0" and UTF-16)."""
    if isinstance(raw, str):
        return raw.strip("\0 ") or None
    if not isinstance(raw, bytes) or len(raw) < 8:
        return None
    tag, body = raw[:8], raw[8:]
    if tag.startswith(b"UNICODE"):
        # The EXIF spec leaves UCS-2's byte order open; A1111 (piexif) writes big-endian. A BOM decides otherwise.
        encoding = "utf-16" if body[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-16-be"
        return body.decode(encoding, "replace").strip("\0 ") or None
    return body.decode("utf-8", "replace").strip("\0 ") or None


def _exif_texts(img) -> dict[str, str]:
    try:
        exif = img.getexif()
    except Exception:               # noqa: BLE001 - a malformed EXIF block means no metadata, not a broken image
        return {}
    texts: dict[str, str] = {}
    description = exif.get(_IMAGE_DESCRIPTION)
    if isinstance(description, str):
        try:
            doc = json.loads(description)
        except ValueError:
            doc = None
        if isinstance(doc, dict):
            texts.update({str(k): v for k, v in doc.items() if isinstance(v, str)})
    try:
        comment = _user_comment(exif.get_ifd(_EXIF_IFD).get(_USER_COMMENT))
    except Exception:               # noqa: BLE001
        comment = None
    if comment and png_text.A1111_CHUNK not in texts:
        texts[png_text.A1111_CHUNK] = comment
    return texts


def read_info(data: bytes, *, what: str = "upload") -> ImageInfo:
    """The prompt and settings in an image's metadata; source "none" when it has none. Raises UploadError
    (corrupt_image, unsupported_image_type, empty_image…) for bytes that are not a readable image."""
    img = imaging.open_image(data, what=what)
    if img.format == "PNG":
        texts = {str(k): v for k, v in getattr(img, "text", {}).items() if isinstance(v, str)}
    else:
        texts = _exif_texts(img)
    return _from_texts(texts)


def job_chunks(row, job) -> dict[str, str]:
    """The text chunks for one stored image (`ImageRow`) of `job` (a JobRow, or None when it is gone)."""
    return png_text.image_chunks(row, job.prompt if job else None, job.provider if job else None,
                                 job.params if job else None)


def download(data: bytes, fmt: str, chunks: dict[str, str]) -> bytes:
    """The image as PNG / JPEG / WebP carrying `chunks`: as PNG text chunks, or for JPEG and WebP in EXIF
    (ImageDescription as JSON, which A1111-style viewers skip, and A1111's text in UserComment)."""
    return imaging.convert(data, fmt, chunks)


def stamp(data: bytes, chunks: dict[str, str]) -> bytes:
    """A stored PNG's own bytes with `chunks` added (not re-encoded); other formats are returned as they are."""
    if not data.startswith(png_text.PNG_SIGNATURE):
        return data
    return png_text.stamp_png_bytes(data, chunks)
