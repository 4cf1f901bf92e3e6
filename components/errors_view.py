"""How the UI shows an error: plain words first, the machine code after them in small text.

`EaselError.user_message()` ("QCode: This key reached its daily image cap … [image_daily_limit, HTTP 429]") stays
what the CLI prints and the usage log stores. Pages show the same error in two parts instead:

    ┌ error box ────────────────────────────────────────────────────────────────┐
    │ QCode: This key reached its daily image cap (QCode: 100 images per key …) │
    └───────────────────────────────────────────────────────────────────────────┘
      image_daily_limit · HTTP 429                                   ← st.caption

API
---
`show_error(err, *, code=None, icon=None, level="error")`
    Draw `err` where the call is made: the plain message in `st.error` (or `st.warning` with `level="warning"`),
    then, if there is one, the code line in `st.caption` right under it (the two in one tight container). Both
    are markdown-escaped, so a message quoting a prompt or a provider's reply stays text. `code` overrides the
    code line (for a message and code kept apart, e.g. `show_error(sess.problem, code=sess.code)`). `icon` is
    passed to st.error/st.warning (e.g. ":material/error:"). Returns `(plain_message, code_text)`.

`error_parts(err) -> (plain_message, code_text)`
    Pure; no Streamlit. `err` may be:
      - an `EaselError`: message is `"<provider>: <message>"` (the provider only when the error names one),
        code is `"<code> · HTTP <status>"` (`" · HTTP …"` only when there is a status);
      - a string (English as stored, translated by `translate_logged`): a trailing `[code]` or `[code, HTTP 429]` tag, as `user_message()` and the usage log's
        `error_message` end with, is split off into the code; any other string is all message, code "";
      - anything else: `str(err)`, code "".

Typical uses (for the pages):

    except EaselError as e:
        show_error(e, icon=":material/error:")

    show_error(job_error_text(job))           # a stored job's "message [code, HTTP nnn]"
    st.session_state["x.error"] = e.user_message()   # kept as a string across reruns …
    show_error(st.session_state["x.error"])           # … and still shown in two parts

Language: the message is shown in the viewer's language, the code line never changes. An `EaselError` renders its
own message id and params (`err.message`); a string — a stored job's English `error_message`, or a
`user_message()`/`log_message()` kept in session_state — goes through `easel.core.errors.translate_logged`, which
matches Easel's own English sentences back to their catalog entries and leaves the provider's words verbatim
after the translated "Provider said:". So keep English in session_state (`e.log_message()`), or the error itself.

A test reads the two parts back with `at.error[i].value` (escaped message) and the `at.caption` that follows it
(escaped code); `error_parts` gives the unescaped pair to compare with.
"""

from __future__ import annotations

import re

import streamlit as st

from easel.core.errors import EaselError, translate_logged
from easel.core.i18n_text import shown
from easel.core.i18n import _

from components import md_escape

__all__ = ["error_parts", "show_error"]

SEP = " · "

# The tag user_message() ends with: "[code]" or "[code, HTTP 429]". Codes are short machine words.
_TAG = re.compile(r"\s*\[(?P<code>[A-Za-z][A-Za-z0-9_.:\-]{0,79})(?:,\s*HTTP\s+(?P<status>\d{3}))?\]\s*$")


def _code_text(code: str | None, status: int | str | None) -> str:
    parts = [str(code)] if code else []
    if status not in (None, ""):
        parts.append(f"HTTP {status}")
    return SEP.join(parts)


def error_parts(err: EaselError | str | object) -> tuple[str, str]:
    """(plain message, code text) for an EaselError or a string; see the module docstring."""
    if isinstance(err, EaselError):
        # A label Easel wrote ("Demo (offline simulator)", "QCode (simulated)") has an entry; a provider's name none.
        where = f"{shown(err.provider)}: " if err.provider else ""
        return " ".join(f"{where}{err.message}".split()), _code_text(err.code, err.status)
    text = " ".join(str(err if err is not None else "").split())
    match = _TAG.search(text)
    if match and match.start() > 0:
        return translate_logged(text[: match.start()].rstrip()), _code_text(match["code"], match["status"])
    return translate_logged(text), ""


def show_error(err: EaselError | str | object, *, code: str | None = None, icon: str | None = None,
               level: str = "error") -> tuple[str, str]:
    """Draw `err` as a plain message (st.error, or st.warning with level="warning") and its code in a caption."""
    message, found = error_parts(err)
    code = found if code is None else code
    box = st.warning if level == "warning" else st.error
    with st.container(gap="xxsmall"):          # the code sits right under its message
        box(md_escape(message or code or _("Something went wrong.")), icon=icon)
        if code and message:
            st.caption(md_escape(code))
    return message, code
