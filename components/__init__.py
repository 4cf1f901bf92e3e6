"""Reusable Streamlit widgets. Pages call these; `easel/` stays free of Streamlit."""

from __future__ import annotations

import re

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


def md_escape(text: str) -> str:
    """Text safe to pass where Streamlit renders markdown (captions, labels, toasts): every markdown
    character is backslash-escaped, so a prompt like `![x](http://host/t.png)` stays text and fetches nothing."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", " ")


def truncate(text: str | None, limit: int = 80) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
