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


class DeferredText(str):
    """A message kept for a later run (a toast held while a dialog is open). Its value is the English text,
    which is what session state, tests and logs read; `translated()` says it again in the language of the run
    that shows it. Session state never holds translated text: the language may change before it is shown."""

    def __new__(cls, singular: str, plural: str | None = None, count: int = 1, /, **params):
        self = super().__new__(cls, (plural if plural is not None and count != 1 else singular).format(**params))
        self.singular, self.plural, self.count, self.params = singular, plural, count, params
        return self

    # Named like gettext's functions, so pybabel extracts their messages (a plural with its plural form).
    @classmethod
    def gettext(cls, message: str, /, **params) -> "DeferredText":
        return cls(message, **params)

    @classmethod
    def ngettext(cls, singular: str, plural: str, count: int, /, **params) -> "DeferredText":
        return cls(singular, plural, count, **params)

    def translated(self) -> str:
        from easel.core.i18n import _, ngettext

        text = _(self.singular) if self.plural is None else ngettext(self.singular, self.plural, self.count)
        return text.format(**self.params)


def shown_text(message: str) -> str:
    """A queued message in this run's language (a plain string is shown as it was queued)."""
    return message.translated() if isinstance(message, DeferredText) else message
