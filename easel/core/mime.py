"""What an image's bytes say it is, and data URLs: shared by requests, storage and the simulator."""

from __future__ import annotations

import base64
import binascii
import re

from easel.core.errors import ValidationError
from easel.core.i18n import N_

__all__ = ["sniff_mime", "decode_data_url"]

_SNIFF = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"RIFF", "image/webp"),      # confirmed below by the WEBP tag at offset 8
)
_DATA_URL_RE = re.compile(r"^data:(image/[a-zA-Z0-9.+-]+);base64,(.*)$", re.S)


def sniff_mime(data: bytes) -> str | None:
    """The image type from its first bytes, never from a file name or a client's claim."""
    for magic, mime in _SNIFF:
        if data.startswith(magic):
            if mime == "image/webp" and data[8:12] != b"WEBP":
                return None
            return mime
    return None


def decode_data_url(url: str) -> tuple[str, bytes]:
    m = _DATA_URL_RE.match(url.strip())
    if not m:
        raise ValidationError(N_("A data URL must look like data:image/<type>;base64,<data>."), code="invalid_data_url")
    try:
        return m.group(1), base64.b64decode(m.group(2), validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(N_("The data URL's base64 is invalid."), code="invalid_data_url") from None
