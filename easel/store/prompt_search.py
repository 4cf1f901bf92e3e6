"""A gallery search box's text as a safe query over the trigram FTS index (easel/store/gallery_schema.py).

The reading: the text is split on whitespace into terms, and an image matches when every term occurs in its
prompt or revised prompt, as a substring, ignoring case. That makes the last (half-typed) term a prefix match,
and a term in the middle of a Chinese or Korean sentence a match, with one rule.
- A term of 3 or more characters is an FTS5 string: wrapped in double quotes with any quote inside doubled, so
  `"`, `*`, `-`, `:`, `(`, `AND`, `NEAR` are plain text, never FTS5 syntax (and never an error).
- A term of 1–2 characters cannot use a trigram index; it is matched with LIKE over the same text in the
  plain `gallery_text` table, with `%`, `_` and `\\` escaped. Such terms are checked only among the rows the
  long terms matched, when there are long terms.
"""

from __future__ import annotations

__all__ = ["prompt_search_sql", "search_terms"]

MIN_TRIGRAM = 3


def search_terms(text: str) -> tuple[list[str], list[str]]:
    """(terms for the FTS index, terms for LIKE), in the order typed, duplicates dropped."""
    terms = list(dict.fromkeys(t for t in text.split() if t))
    return [t for t in terms if len(t) >= MIN_TRIGRAM], [t for t in terms if len(t) < MIN_TRIGRAM]


def _like(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def prompt_search_sql(text: str, engine: str = "sqlite") -> tuple[str, list]:
    """A SELECT of matching image ids, and its arguments.

    On PostgreSQL every term is an ILIKE over `gallery_text` (case-insensitive, as FTS5's trigram tokenizer and
    SQLite's LIKE are): its pg_trgm GIN index serves the terms of 3+ characters as the FTS5 index does here."""
    long_terms, short_terms = search_terms(text)
    if engine == "postgres":
        terms = [t for t in dict.fromkeys(text.split()) if t]
        where = ["text ILIKE ? ESCAPE '\\'" for _ in terms]
        return f"SELECT id FROM gallery_text WHERE {' AND '.join(where) or 'true'}", [_like(t) for t in terms]
    where, args = [], []
    if long_terms:
        where.append("id IN (SELECT rowid FROM gallery_fts WHERE gallery_fts MATCH ?)")
        args.append(" ".join('"' + t.replace('"', '""') + '"' for t in long_terms))
    for term in short_terms:
        where.append("text LIKE ? ESCAPE '\\'")
        args.append(_like(term))
    return f"SELECT id FROM gallery_text WHERE {' AND '.join(where) or 'true'}", args
