"""The gallery's trigger-kept tables: counts and filter values, and a full-text index of prompts.

A gallery rerun must cost the same with 10 images or 10,000, so it never scans `images`:
- `gallery_counts`: usage day × provider × origin → number of visible (not deleted) images. The page's total,
  its provider list, its date bounds and its origin choices are sums and DISTINCTs over a few hundred rows.
  The day is the usage day (`usage_config.day_offset_s`, Beijing by default), so a gallery date and a Usage
  date are the same day; `usage.set_day_offset` rebuilds this table with the rollups.
- `gallery_fts`: an FTS5 index of each image's prompt and revised prompt, rowid = images.id.

Origin is the page a result came from: 'edit' for the edits endpoint (the Edit page, CLI --mask), else
'generate'.

Reading of the tokenizer: FTS5's default unicode61 splits on spaces and punctuation only, so a Chinese prompt
(no spaces) would be one token and "猫" would never match "一只橘猫". The trigram tokenizer (SQLite ≥ 3.34)
indexes every 3-character window, so any substring of 3 or more characters matches in any script, without a
word list. Shorter search terms (a 1–2 character Chinese word such as "猫" or "城市") cannot use a trigram
index; those terms are matched with LIKE over the indexed text (see Store._image_filter). Soft-deleted images
stay in the index and are filtered out by `images.deleted`, so restoring one needs no re-index.

Pure SQL text; schema.py lists `MIGRATION_STATEMENTS` as migration 3.
"""

from __future__ import annotations

__all__ = ["MIGRATION_STATEMENTS", "REBUILD_COUNTS", "ORIGINS"]

ORIGINS = ("generate", "edit")


def _day(img: str) -> str:
    return f"CAST(({img}.created_at + (SELECT day_offset_s FROM usage_config WHERE id = 1)) / 86400 AS INTEGER)"


def _origin(job: str) -> str:
    return f"CASE WHEN {job}.endpoint = 'edits' THEN 'edit' ELSE 'generate' END"


def _add(img: str, sign: int) -> str:
    """One image's count (+1, or -1 to take it back out), if it is visible."""
    return (f"INSERT INTO gallery_counts (day, provider, origin, n) SELECT {_day(img)}, jobs.provider, "
            f"{_origin('jobs')}, {sign} FROM jobs WHERE jobs.id = {img}.job_id AND {img}.deleted = 0 "
            f"ON CONFLICT (day, provider, origin) DO UPDATE SET n = n + excluded.n")


def _add_job(job: str, sign: int) -> str:
    """Every visible image of one job, counted under that job's provider and origin."""
    return (f"INSERT INTO gallery_counts (day, provider, origin, n) SELECT {_day('images')}, {job}.provider, "
            f"{_origin(job)}, {sign} * COUNT(*) FROM images WHERE images.job_id = {job}.id AND images.deleted = 0 "
            f"GROUP BY 1 ON CONFLICT (day, provider, origin) DO UPDATE SET n = n + excluded.n")


_PRUNE = "DELETE FROM gallery_counts WHERE n = 0"

REBUILD_COUNTS: tuple[str, ...] = (
    "DELETE FROM gallery_counts",
    f"INSERT INTO gallery_counts (day, provider, origin, n) SELECT {_day('images')}, jobs.provider, "
    f"{_origin('jobs')}, COUNT(*) FROM images JOIN jobs ON jobs.id = images.job_id WHERE images.deleted = 0 "
    "GROUP BY 1, 2, 3",
)


def _trigger(name: str, event: str, table: str, stmts: list[str], when: str = "") -> str:
    body = "".join(f"    {s};\n" for s in stmts)
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{f' WHEN {when}' if when else ''}\nBEGIN\n{body}END"


_FTS_ROW = ("INSERT INTO gallery_fts (rowid, prompt, revised_prompt) SELECT NEW.id, jobs.prompt, "
            "COALESCE(NEW.revised_prompt, '') FROM jobs WHERE jobs.id = NEW.job_id")

MIGRATION_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE gallery_counts (
        day INTEGER NOT NULL, provider TEXT NOT NULL, origin TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, origin)) WITHOUT ROWID""",
    "CREATE VIRTUAL TABLE gallery_fts USING fts5(prompt, revised_prompt, tokenize = 'trigram')",
    _trigger("gallery_images_insert", "INSERT", "images", [_add("NEW", +1), _FTS_ROW]),
    _trigger("gallery_images_delete", "DELETE", "images",
             [_add("OLD", -1), _PRUNE, "DELETE FROM gallery_fts WHERE rowid = OLD.id"]),
    _trigger("gallery_images_update", "UPDATE OF deleted, created_at, job_id", "images",
             [_add("OLD", -1), _add("NEW", +1), _PRUNE],
             "OLD.deleted IS NOT NEW.deleted OR OLD.created_at IS NOT NEW.created_at OR OLD.job_id IS NOT NEW.job_id"),
    _trigger("gallery_images_text", "UPDATE OF revised_prompt, job_id", "images",
             ["DELETE FROM gallery_fts WHERE rowid = OLD.id", _FTS_ROW]),
    _trigger("gallery_jobs_update", "UPDATE OF provider, endpoint", "jobs", [_add_job("OLD", -1), _add_job("NEW", +1),
                                                                             _PRUNE],
             "OLD.provider IS NOT NEW.provider OR OLD.endpoint IS NOT NEW.endpoint"),
    _trigger("gallery_jobs_prompt", "UPDATE OF prompt", "jobs",
             ["UPDATE gallery_fts SET prompt = NEW.prompt WHERE rowid IN (SELECT id FROM images WHERE job_id = NEW.id)"],
             "OLD.prompt IS NOT NEW.prompt"),
    # The page's query: visible images, newest first, a page after a (created_at, id) cursor.
    "CREATE INDEX images_visible_newest ON images (deleted, created_at DESC, id DESC)",
    # Backfill: every image already stored.
    *REBUILD_COUNTS[1:],
    "INSERT INTO gallery_fts (rowid, prompt, revised_prompt) SELECT images.id, jobs.prompt, "
    "COALESCE(images.revised_prompt, '') FROM images JOIN jobs ON jobs.id = images.job_id",
)
