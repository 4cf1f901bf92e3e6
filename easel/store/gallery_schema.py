"""The gallery's trigger-kept tables: counts and filter values, and a full-text index of prompts.

A gallery rerun must cost the same with 10 images or 10,000, so it never scans `images`:
- `gallery_counts`: usage day × provider × origin → number of visible (not deleted) images. The page's total,
  its provider list, its date bounds and its origin choices are sums and DISTINCTs over a few hundred rows.
  The day is the usage day (`usage_config.day_offset_s`, Beijing by default), so a gallery date and a Usage
  date are the same day; `usage.set_day_offset` rebuilds this table with the rollups.
- `gallery_text`: each image's searchable text (its job's prompt, a newline, its revised prompt), id =
  images.id; `gallery_fts` is an external-content FTS5 index over it (the text is stored once).

Origin is the page a result came from: 'edit' for the edits endpoint (the Edit page, CLI --mask), else
'generate'.

Reading of the tokenizer: FTS5's default unicode61 splits on spaces and punctuation only, so a Chinese prompt
(no spaces) would be one token and "猫" would never match "一只橘猫". The trigram tokenizer (SQLite ≥ 3.34)
indexes every 3-character window, so any substring of 3 or more characters matches in any script, without a
word list. Shorter search terms (a 1–2 character Chinese word such as "猫" or "城市") cannot use a trigram
index; those terms are matched with LIKE over `gallery_text`, a plain one-column table (4 ms for 10,000
images here, where a LIKE through the FTS5 table took 30–40 ms). See easel/store/prompt_search.py. Soft-deleted
images stay in the index and are filtered out by `images.deleted`, so restoring one needs no re-index.

Pure SQL text; schema.py lists `MIGRATION_STATEMENTS` as migration 3.
"""

from __future__ import annotations

from easel.store.dialect import pg_trigger

__all__ = ["MIGRATION_STATEMENTS", "PG_MIGRATION_STATEMENTS", "REBUILD_COUNTS", "ORIGINS"]

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
    cond = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW{cond}\nBEGIN\n{body}END"


def _index(img_id: str, fts: bool = True) -> list[str]:
    """(Re)index one image: its text from its job's prompt and its revised prompt."""
    return [f"INSERT INTO gallery_text (id, text) SELECT images.id, jobs.prompt || char(10) || "
            f"COALESCE(images.revised_prompt, '') FROM images JOIN jobs ON jobs.id = images.job_id "
            f"WHERE images.id = {img_id}",
            f"INSERT INTO gallery_fts (rowid, text) SELECT id, text FROM gallery_text WHERE id = {img_id}"][:2 if fts else 1]


def _unindex(img_id: str, fts: bool = True) -> list[str]:
    # An external-content FTS5 table forgets a row by being told its old text ('delete' command).
    return [f"INSERT INTO gallery_fts (gallery_fts, rowid, text) SELECT 'delete', id, text FROM gallery_text "
            f"WHERE id = {img_id}",
            f"DELETE FROM gallery_text WHERE id = {img_id}"][0 if fts else 1:]


def _reindex_job(job_id: str, fts: bool = True) -> list[str]:
    ids = f"(SELECT id FROM images WHERE job_id = {job_id})"
    stmts = [f"INSERT INTO gallery_fts (gallery_fts, rowid, text) SELECT 'delete', id, text FROM gallery_text "
             f"WHERE id IN {ids}",
             f"DELETE FROM gallery_text WHERE id IN {ids}",
             f"INSERT INTO gallery_text (id, text) SELECT images.id, jobs.prompt || char(10) || "
             f"COALESCE(images.revised_prompt, '') FROM images JOIN jobs ON jobs.id = images.job_id "
             f"WHERE images.job_id = {job_id}",
             f"INSERT INTO gallery_fts (rowid, text) SELECT id, text FROM gallery_text WHERE id IN {ids}"]
    return stmts if fts else stmts[1:3]


MIGRATION_STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE gallery_counts (
        day INTEGER NOT NULL, provider TEXT NOT NULL, origin TEXT NOT NULL, n INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (day, provider, origin)) WITHOUT ROWID""",
    "CREATE TABLE gallery_text (id INTEGER PRIMARY KEY, text TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE gallery_fts USING fts5(text, content = 'gallery_text', content_rowid = 'id', "
    "tokenize = 'trigram')",
    _trigger("gallery_images_insert", "INSERT", "images", [_add("NEW", +1), *_index("NEW.id")]),
    _trigger("gallery_images_delete", "DELETE", "images", [_add("OLD", -1), _PRUNE, *_unindex("OLD.id")]),
    _trigger("gallery_images_update", "UPDATE OF deleted, created_at, job_id", "images",
             [_add("OLD", -1), _add("NEW", +1), _PRUNE],
             "OLD.deleted IS NOT NEW.deleted OR OLD.created_at IS NOT NEW.created_at OR OLD.job_id IS NOT NEW.job_id"),
    _trigger("gallery_images_text", "UPDATE OF revised_prompt, job_id", "images",
             [*_unindex("OLD.id"), *_index("NEW.id")],
             "OLD.revised_prompt IS NOT NEW.revised_prompt OR OLD.job_id IS NOT NEW.job_id"),
    _trigger("gallery_jobs_update", "UPDATE OF provider, endpoint", "jobs", [_add_job("OLD", -1), _add_job("NEW", +1),
                                                                             _PRUNE],
             "OLD.provider IS NOT NEW.provider OR OLD.endpoint IS NOT NEW.endpoint"),
    _trigger("gallery_jobs_prompt", "UPDATE OF prompt", "jobs", _reindex_job("NEW.id"), "OLD.prompt IS NOT NEW.prompt"),
    # The page's query: visible images, newest first, a page after a (created_at, id) cursor.
    "CREATE INDEX images_visible_newest ON images (deleted, created_at DESC, id DESC)",
    # Backfill: every image already stored.
    *REBUILD_COUNTS[1:],
    "INSERT INTO gallery_text (id, text) SELECT images.id, jobs.prompt || char(10) || "
    "COALESCE(images.revised_prompt, '') FROM images JOIN jobs ON jobs.id = images.job_id",
    "INSERT INTO gallery_fts (gallery_fts) VALUES ('rebuild')",
)


# Migration 3 on PostgreSQL: the same tables, triggers and backfill, with two differences. Triggers are trigger
# functions (easel/store/dialect.py, pg_trigger). There is no FTS5: `gallery_text` gets a pg_trgm GIN index, which
# serves the search's ILIKE terms of 3+ characters as the trigram FTS5 index does (prompt_search.py), so the
# gallery_fts statements are left out of the triggers.
def _pg_triggers() -> tuple[str, ...]:
    out: list[str] = []
    for name, event, table, stmts, when in (
            ("gallery_images_insert", "INSERT", "images", [_add("NEW", +1), *_index("NEW.id", False)], ""),
            ("gallery_images_delete", "DELETE", "images", [_add("OLD", -1), _PRUNE, *_unindex("OLD.id", False)], ""),
            ("gallery_images_update", "UPDATE OF deleted, created_at, job_id", "images",
             [_add("OLD", -1), _add("NEW", +1), _PRUNE],
             "OLD.deleted IS NOT NEW.deleted OR OLD.created_at IS NOT NEW.created_at OR OLD.job_id IS NOT NEW.job_id"),
            ("gallery_images_text", "UPDATE OF revised_prompt, job_id", "images",
             [*_unindex("OLD.id", False), *_index("NEW.id", False)],
             "OLD.revised_prompt IS NOT NEW.revised_prompt OR OLD.job_id IS NOT NEW.job_id"),
            ("gallery_jobs_update", "UPDATE OF provider, endpoint", "jobs",
             [_add_job("OLD", -1), _add_job("NEW", +1), _PRUNE],
             "OLD.provider IS NOT NEW.provider OR OLD.endpoint IS NOT NEW.endpoint"),
            ("gallery_jobs_prompt", "UPDATE OF prompt", "jobs", _reindex_job("NEW.id", False),
             "OLD.prompt IS NOT NEW.prompt")):
        out += pg_trigger(name, event, table, stmts, when=when)
    return tuple(out)


PG_MIGRATION_STATEMENTS: tuple[str, ...] = (
    MIGRATION_STATEMENTS[0],
    MIGRATION_STATEMENTS[1],
    "CREATE INDEX gallery_text_trgm ON gallery_text USING gin (text gin_trgm_ops)",
    *_pg_triggers(),
    "CREATE INDEX images_visible_newest ON images (deleted, created_at DESC, id DESC)",
    *REBUILD_COUNTS[1:],
    "INSERT INTO gallery_text (id, text) SELECT images.id, jobs.prompt || char(10) || "
    "COALESCE(images.revised_prompt, '') FROM images JOIN jobs ON jobs.id = images.job_id",
)
