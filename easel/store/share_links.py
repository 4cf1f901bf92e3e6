"""Share links (migration 26, created with the boards): a read-only link to a few images and their settings.

A link is a bearer credential: whoever holds its token sees its images. So the token is unguessable
(`secrets.token_urlsafe(32)`, 256 random bits), only its SHA-256 is stored (a copy of the database does not give
the links away), it expires at a time the user picked (1 hour to 30 days after it was made) and it can be revoked.
A link holds its own list of images, fixed when it was made: a board shared today shows what the board held
today, and later additions to the board are not published by an old link. An image deleted from the gallery
leaves every link.

The functions take `now` so expiry can be tested with a clock; `status_at` is pure.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

from easel.core.errors import EaselError
from easel.core.i18n import N_

__all__ = ["ShareLink", "Resolution", "ShareLinkError", "MIGRATION_STATEMENTS", "MIN_TTL_S", "MAX_TTL_S",
           "new_token", "hash_token", "check_ttl", "status_at", "create_link", "resolve", "revoke", "list_links",
           "shared_images"]

MIN_TTL_S = 3600                 # 1 hour
MAX_TTL_S = 30 * 86400           # 30 days
TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet; anything else is not one of ours.
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

MIGRATION_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE share_links (
    id              TEXT PRIMARY KEY,          -- names the link in lists and revocations; not a credential
    token_sha256    TEXT NOT NULL UNIQUE,      -- the token itself is never stored
    title           TEXT NOT NULL DEFAULT '',
    board_id        TEXT,                      -- the board it was made from, if any (the board may be gone)
    image_ids_json  TEXT NOT NULL DEFAULT '[]',
    created_at      REAL NOT NULL,
    expires_at      REAL NOT NULL,
    revoked_at      REAL
)""",
    "CREATE INDEX share_links_expires ON share_links(revoked_at, expires_at)",
)


class ShareLinkError(EaselError):
    """A share link that cannot be made: an expiry out of range, or nothing to share."""


@dataclass(frozen=True)
class ShareLink:
    id: str
    title: str
    image_ids: tuple[int, ...]
    created_at: float
    expires_at: float
    revoked_at: float | None = None
    board_id: str | None = None


@dataclass(frozen=True)
class Resolution:
    status: str                        # 'active' | 'expired' | 'revoked' | 'unknown'
    link: ShareLink | None = field(default=None)


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def check_ttl(ttl_s: float) -> float:
    if not MIN_TTL_S <= ttl_s <= MAX_TTL_S:
        raise ShareLinkError(N_("A share link lasts from 1 hour to 30 days; {hours} hours is outside that."),
                             dict(hours=f"{ttl_s / 3600:g}"),
                             code="share_ttl_out_of_range")
    return float(ttl_s)


def status_at(link: ShareLink, now: float) -> str:
    """Revoked wins over expired; a link is live up to, not at, its expiry instant."""
    if link.revoked_at is not None and link.revoked_at <= now:
        return "revoked"
    if now >= link.expires_at:
        return "expired"
    return "active"


def _link(r) -> ShareLink:
    return ShareLink(r["id"], r["title"], tuple(json.loads(r["image_ids_json"] or "[]")), r["created_at"],
                     r["expires_at"], r["revoked_at"], r["board_id"])


def create_link(store, image_ids, ttl_s: float, *, title: str = "", board_id: str | None = None,
                now: float | None = None) -> tuple[str, ShareLink]:
    """Make a link to these images for `ttl_s` seconds. Returns the token (shown once: only its hash is kept)
    and the link."""
    ttl_s = check_ttl(ttl_s)
    ids = tuple(dict.fromkeys(int(i) for i in image_ids))
    if store.scoped:
        # Only what the maker may read goes into a link: another person's private image is left out, as a
        # missing one would be.
        ids = tuple(i for i in ids if store.get_image(i) is not None)
    if not ids:
        raise ShareLinkError(N_("There is nothing to share: the board has no images."), code="share_empty")
    at = time.time() if now is None else now
    token = new_token()
    link = ShareLink(uuid.uuid4().hex[:12], title, ids, at, at + ttl_s, None, board_id)
    with store._write() as conn:
        conn.execute("INSERT INTO share_links (id, token_sha256, title, board_id, image_ids_json, created_at, "
                     "expires_at, owner) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (link.id, hash_token(token), title, board_id, json.dumps(list(ids)), at, link.expires_at,
                      store.acting_id()))
    return token, link


def resolve(store, token: str | None, *, now: float | None = None) -> Resolution:
    """What a visitor holding `token` may see: the link and its status, or 'unknown' for a token that was never
    issued (or is malformed)."""
    if not token or not _TOKEN_SHAPE.fullmatch(token):
        return Resolution("unknown")
    rows = store.query("SELECT * FROM share_links WHERE token_sha256 = ?", (hash_token(token),))
    if not rows:
        return Resolution("unknown")
    link = _link(rows[0])
    return Resolution(status_at(link, time.time() if now is None else now), link)


def revoke(store, link_id: str, *, now: float | None = None) -> bool:
    """Revoke a link the viewer may see (their own or the team's); False for another person's, as for none."""
    mine, args = store.owned("share_links")
    with store._write() as conn:
        return conn.execute(f"UPDATE share_links SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL{mine}",
                            (time.time() if now is None else now, link_id, *args)).rowcount == 1


def list_links(store, *, now: float | None = None, active_only: bool = True) -> list[ShareLink]:
    """Links newest first; by default only those still live (neither revoked nor expired)."""
    at = time.time() if now is None else now
    mine, args = store.owned("share_links")
    if active_only:
        rows = store.query(f"SELECT * FROM share_links WHERE revoked_at IS NULL AND expires_at > ?{mine} "
                           "ORDER BY created_at DESC", (at, *args))
    else:
        rows = store.query(f"SELECT * FROM share_links WHERE true{mine} ORDER BY created_at DESC", args)
    return [_link(r) for r in rows]


def shared_images(store, resolution: Resolution) -> list:
    """The link's images still in the gallery, in the link's order; nothing unless the link is active."""
    if resolution.status != "active" or resolution.link is None:
        return []
    # The token is the credential: its holder sees the link's images whoever they are (its maker could read
    # each of them when it was made), so they are read as the process reads them.
    store = store.for_viewer(None) if hasattr(store, "for_viewer") else store
    rows = [store.get_image(i) for i in resolution.link.image_ids]
    return [r for r in rows if r is not None and not r.deleted]
