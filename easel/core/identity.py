"""Who is acting: the signed-in person of a browser session, a named local user of the CLI, or the single user.

Decided per call, as easel.core.i18n decides the language:
  1. a person pinned with `use_person()` (the CLI, a batch row sent for its owner, tests);
  2. the resolver the UI installed with `set_person_resolver()` (the browser session's `st.user`);
  3. `EASEL_USER` (the CLI's named local user, e.g. `EASEL_USER=ana@example.com easel generate …`);
  4. the single user, id "".

Team mode is on when `.streamlit/secrets.toml` has an `[auth]` section: Streamlit's own OpenID Connect sign-in
(`st.login`). Admins are listed by e-mail under `[team] admins = [...]`. Without `[auth]` the web app is the single
user, exactly as before sign-in existed, and sees every row.

Workspaces: a job, comparison, batch, board or share link carries its owner's id. A named person sees their own
rows, the rows shared with the team (`shared = 1`), and rows without an owner (made by the single user, e.g.
before sign-in was turned on, which belong to the whole team). The single user sees everything.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
from dataclasses import dataclass
from typing import Callable, Iterator

from easel.core import config

__all__ = ["Person", "SINGLE", "current", "use_person", "set_person_resolver", "person_from_env", "auth_configured",
           "admin_emails", "person", "visible_sql", "owner_id"]


@dataclass(frozen=True)
class Person:
    id: str = ""            # the lower-cased e-mail (or OIDC subject); "" = the single user
    name: str = ""          # what the sidebar shows; the id when the provider gave no name
    admin: bool = False

    @property
    def single(self) -> bool:
        return not self.id

    @property
    def label(self) -> str:
        return self.name or self.id


SINGLE = Person()

_pinned: contextvars.ContextVar[Person | None] = contextvars.ContextVar("easel_person", default=None)
_resolver: Callable[[], Person | None] | None = None


def auth_configured() -> bool:
    """Whether secrets.toml turns on sign-in (an [auth] section, as st.login reads it)."""
    return bool(config.load_secrets().get("auth"))


def admin_emails() -> frozenset[str]:
    team = config.load_secrets().get("team") or {}
    admins = team.get("admins") or []
    if isinstance(admins, str):
        admins = [admins]
    return frozenset(str(a).strip().lower() for a in admins if str(a).strip())


def person(person_id: str, name: str = "") -> Person:
    """A named person, with the admin flag from secrets.toml."""
    pid = (person_id or "").strip().lower()
    if not pid:
        return SINGLE
    return Person(pid, name or pid, pid in admin_emails())


def person_from_env(environ: dict | None = None) -> Person:
    env = os.environ if environ is None else environ
    return person(env.get("EASEL_USER") or "")


def set_person_resolver(resolver: Callable[[], Person | None] | None) -> None:
    """The UI installs a function that returns the browser session's signed-in person (None outside a session)."""
    global _resolver
    _resolver = resolver


def current() -> Person:
    pinned = _pinned.get()
    if pinned is not None:
        return pinned
    if _resolver is not None:
        try:
            found = _resolver()
        except Exception:  # noqa: BLE001 - asked outside a session: fall back to the environment
            found = None
        if found is not None:
            return found
    return person_from_env()


def owner_id() -> str:
    """The owner a new row gets: the current person's id ("" for the single user)."""
    return current().id


@contextlib.contextmanager
def use_person(who: Person) -> Iterator[Person]:
    token = _pinned.set(who)
    try:
        yield who
    finally:
        _pinned.reset(token)


def visible_sql(viewer: Person | None, table: str = "jobs") -> tuple[str, list]:
    """The SQL condition (and its args) for the rows of `table` (with columns owner, shared) `viewer` may read;
    ("", []) when everything is visible (no viewer: the process itself; or the single user)."""
    if viewer is None or viewer.single:
        return "", []
    return f"({table}.owner = ? OR {table}.shared = 1 OR {table}.owner = '')", [viewer.id]
