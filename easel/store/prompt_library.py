"""Saved prompts (migration 24): a title (unique), the prompt or template text, tags, and optional default
settings (size, quality, provider). Rows only; the exchange format and templates are easel.prompts."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

__all__ = ["SavedPrompt", "save_prompt", "update_prompt", "get_prompt", "get_by_title", "list_prompts",
           "delete_prompt", "count_prompts", "free_title", "SETTING_KEYS"]

SETTING_KEYS = ("size", "quality", "provider")


@dataclass
class SavedPrompt:
    id: int
    title: str
    prompt: str
    tags: list[str] = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0

    def matches(self, text: str) -> bool:
        """Case-insensitive: in the title, a tag or the prompt."""
        needle = text.strip().casefold()
        return not needle or any(needle in s.casefold() for s in (self.title, self.prompt, *self.tags))


def _row(r) -> SavedPrompt:
    return SavedPrompt(r["id"], r["title"], r["prompt"], json.loads(r["tags_json"] or "[]"),
                       json.loads(r["settings_json"] or "{}"), r["created_at"], r["updated_at"])


def _clean(tags, settings) -> tuple[str, str]:
    tags = list(dict.fromkeys(t.strip() for t in (tags or []) if t and t.strip()))
    settings = {k: v for k, v in (settings or {}).items() if k in SETTING_KEYS and v not in (None, "")}
    return json.dumps(tags, ensure_ascii=False), json.dumps(settings, ensure_ascii=False)


def free_title(store, title: str) -> str:
    """`title`, or `title (2)`, `title (3)`… the first one not taken."""
    taken = {r[0] for r in store.query("SELECT title FROM saved_prompts")}
    if title not in taken:
        return title
    k = 2
    while f"{title} ({k})" in taken:
        k += 1
    return f"{title} ({k})"


def save_prompt(store, *, title: str, prompt: str, tags=None, settings=None) -> SavedPrompt:
    """Insert; a taken title raises ValueError (callers choose: rename with free_title, or update)."""
    if get_by_title(store, title) is not None:
        raise ValueError(f"a saved prompt is already titled {title!r}")
    tags_json, settings_json = _clean(tags, settings)
    now = time.time()
    with store._write() as conn:
        conn.execute("INSERT INTO saved_prompts (title, prompt, tags_json, settings_json, created_at, "
                     "updated_at) VALUES (?, ?, ?, ?, ?, ?)", (title, prompt, tags_json, settings_json, now, now))
        # By its unique title, not lastrowid: PostgreSQL's cursors have no lastrowid.
        pid = conn.execute("SELECT id FROM saved_prompts WHERE title = ?", (title,)).fetchone()[0]
    return get_prompt(store, pid)


def update_prompt(store, prompt_id: int, *, title: str, prompt: str, tags=None, settings=None) -> SavedPrompt:
    other = get_by_title(store, title)
    if other is not None and other.id != prompt_id:
        raise ValueError(f"a saved prompt is already titled {title!r}")
    tags_json, settings_json = _clean(tags, settings)
    with store._write() as conn:
        conn.execute("UPDATE saved_prompts SET title = ?, prompt = ?, tags_json = ?, settings_json = ?, updated_at = ? "
                     "WHERE id = ?", (title, prompt, tags_json, settings_json, time.time(), prompt_id))
    return get_prompt(store, prompt_id)


def get_prompt(store, prompt_id: int) -> SavedPrompt | None:
    rows = store.query("SELECT * FROM saved_prompts WHERE id = ?", (prompt_id,))
    return _row(rows[0]) if rows else None


def get_by_title(store, title: str) -> SavedPrompt | None:
    rows = store.query("SELECT * FROM saved_prompts WHERE title = ?", (title,))
    return _row(rows[0]) if rows else None


def list_prompts(store, *, text: str = "", tag: str | None = None) -> list[SavedPrompt]:
    """All saved prompts, titles in order; `text` filters by title, tag or prompt, `tag` by one exact tag."""
    out = [_row(r) for r in store.query("SELECT * FROM saved_prompts ORDER BY title COLLATE NOCASE, id")]
    return [p for p in out if p.matches(text) and (tag is None or tag in p.tags)]


def count_prompts(store) -> int:
    return store.query("SELECT COUNT(*) FROM saved_prompts")[0][0]


def delete_prompt(store, prompt_id: int) -> bool:
    with store._write() as conn:
        return conn.execute("DELETE FROM saved_prompts WHERE id = ?", (prompt_id,)).rowcount > 0
