"""Copy a store's rows into another (a local SQLite store into team mode's PostgreSQL), verifiably and re-runnably.

Every table the migrations made is copied with its own keys (image, attempt and saved-prompt ids included, so the
rows that point at them still do), parents before children, with `ON CONFLICT DO NOTHING`: a second run adds only
what the first did not, and never a row twice. The trigger-kept tables (usage rollups, gallery counts and search
text) are not copied but rebuilt from the copied rows in the destination, as a change of day offset does; the usage
triggers are off meanwhile (`usage_config.bulk`), so a large log is merged once rather than row by row. Then the
destination's identity counters are moved past the copied ids, and the row counts of both sides are compared.

Image files are not this module's: the rows keep their content-hash paths, and the bytes move with the blob store.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from easel.store import gallery_schema, rollup_schema

__all__ = ["COPIED_TABLES", "TransferReport", "copy_rows"]

# Parents before children (foreign keys), each with its key: how a re-run recognises a row already there.
COPIED_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("jobs", ("id",)), ("images", ("id",)), ("tasks", ("job_id", "task_id")), ("attempts", ("id",)),
    ("settings", ("key",)), ("partial_images", ("job_id", "image_index", "partial_index")),
    ("comparisons", ("id",)), ("comparison_columns", ("comparison_id", "idx")), ("image_tags", ("image_id", "tag")),
    ("scorecard_runs", ("id",)), ("scorecard_checks", ("run_id", "name")), ("saved_prompts", ("id",)),
    ("batches", ("id",)), ("batch_rows", ("batch_id", "row_no")), ("boards", ("id",)),
    ("board_images", ("board_id", "image_id")), ("share_links", ("id",)),
)
_IDENTITY = ("images", "attempts", "saved_prompts")
_PAGE = 2000


@dataclass
class TransferReport:
    copied: dict[str, int] = field(default_factory=dict)      # rows added by this run, per table
    source: dict[str, int] = field(default_factory=dict)      # rows in the source, per table
    target: dict[str, int] = field(default_factory=dict)      # rows in the destination afterwards
    hash_mismatches: int = 0                                   # source images whose id has another hash (or none) there

    @property
    def verified(self) -> bool:
        """Every source row is in the destination (it may hold more: rows of its own), every image by its hash."""
        return not self.missing() and self.hash_mismatches == 0

    def missing(self) -> dict[str, int]:
        return {t: n - self.target.get(t, 0) for t, n in self.source.items() if self.target.get(t, 0) < n}


def _columns(store, table: str) -> list[str]:
    rows = store.query(f"SELECT * FROM {table} LIMIT 1")
    if rows:
        return [c for c in rows[0].keys() if c != "rowid"]
    with store.reading() as conn:
        cur = conn.execute(f"SELECT * FROM {table} LIMIT 0")
        return [d[0] for d in cur.description if d[0] != "rowid"]


def copy_rows(source, target) -> TransferReport:
    """Copy every row of `source` into `target` (both Stores, either engine). Returns what was copied and the row
    counts, which `verified` compares."""
    report = TransferReport()
    with target._write() as out:
        out.execute("UPDATE usage_config SET bulk = 1 WHERE id = 1")
        for table, key in COPIED_TABLES:
            cols = _columns(source, table)
            sql = (f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
                   f"ON CONFLICT ({', '.join(key)}) DO NOTHING")
            order = ", ".join(key)
            added, offset = 0, 0
            while True:
                page = source.query(f"SELECT {', '.join(cols)} FROM {table} ORDER BY {order} LIMIT ? OFFSET ?",
                                    (_PAGE, offset))
                if not page:
                    break
                for row in page:
                    added += out.execute(sql, tuple(row)).rowcount
                offset += len(page)
            report.copied[table] = added
        for stmt in rollup_schema.rebuild_sql():      # ends with bulk = 0
            out.execute(stmt)
        for stmt in gallery_schema.REBUILD_COUNTS:
            out.execute(stmt)
        # The search text needs nothing more: the images' insert triggers (never switched off) indexed each one.
        if target.engine == "postgres":
            for table in _IDENTITY:
                out.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), 1))")
    for table, _ in COPIED_TABLES:
        report.source[table] = int(source.query(f"SELECT COUNT(*) FROM {table}")[0][0])
        report.target[table] = int(target.query(f"SELECT COUNT(*) FROM {table}")[0][0])
    # Each image row names the same bytes on both sides: same id, same content hash.
    theirs = {r[0]: r[1] for r in target.query("SELECT id, sha256 FROM images")}
    report.hash_mismatches = sum(1 for i, sha in source.query("SELECT id, sha256 FROM images") if theirs.get(i) != sha)
    return report
