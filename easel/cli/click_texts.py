"""Click's own words ("Usage:", "Options", "Missing option", …) in the terminal's language.

Click asks Python's `gettext.gettext` for each of its texts, in whatever text domain the process has bound. The
CLI binds Easel's catalog to that domain and sets `LANGUAGE` to the language EASEL_LANG or LANG chose, so Click
and Easel speak the same language. The texts Click uses are listed here so that `pybabel extract` puts them in
the catalog, copied exactly from Click 8's source (their placeholders are Click's own).
"""

from __future__ import annotations

import gettext
import os

from easel.core.i18n import DOMAIN, LOCALE_DIR, N_, language_from_env

__all__ = ["speak_in_terminal_language", "CLICK_TEXTS"]

CLICK_TEXTS = [
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Show this message and exit."), N_("Error: {message}"),
    N_("Try '{command} {option}' for help."), N_("Missing option"), N_("Missing argument"), N_("Missing command."),
    N_("Missing parameter: {param_name}"), N_("No such option {name!r}."), N_("No such command {name!r}."),
    N_("Invalid value for {param_hint}: {message}"), N_("Invalid value: {message}"), N_("default: {default}"),
    N_("Aborted!"), N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a directory."), N_("file"),
    N_("directory"), N_("path"),
]


def speak_in_terminal_language() -> str:
    """Point Click's gettext lookups at Easel's catalog in the language the environment asks for; return it."""
    lang = language_from_env()
    # gettext reads LANGUAGE first, so EASEL_LANG (which gettext does not know) wins over LANG here too.
    os.environ["LANGUAGE"] = lang
    gettext.bindtextdomain(DOMAIN, str(LOCALE_DIR))
    gettext.textdomain(DOMAIN)
    return lang
