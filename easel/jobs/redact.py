"""What the log may keep of an error: never a URL, because a result URL is a credential."""

from __future__ import annotations

import re

__all__ = ["scrub"]

_URL_RE = re.compile(r"https?://\S+")


def scrub(text: str) -> str:
    """Drop URLs from text bound for the log."""
    return _URL_RE.sub("<url>", text)
