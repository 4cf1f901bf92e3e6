"""Rows read from SQLite into the store's dataclasses: by column name, whatever the query's column order, extra
columns left out, and a name that appears twice (a join) read from its first column, as sqlite3.Row does."""

from __future__ import annotations

import sqlite3

from easel.store.rows import ImageRow


def _rows(sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(":memory:")
    conn.row_factory = sqlite3.Row
    return conn.execute(sql).fetchall()


def test_rows_map_by_name_in_any_order_and_a_repeated_name_reads_its_first_column():
    [a] = _rows("SELECT 'x.png' AS path, 7 AS id, 'job-a' AS job_id, 0 AS idx, 'sha' AS sha256, 1.5 AS created_at, "
                "'extra' AS provider_label")
    assert ImageRow.from_row(a) == ImageRow(id=7, job_id="job-a", idx=0, sha256="sha", path="x.png", created_at=1.5)
    [b] = _rows("SELECT 3 AS id, 'job-b' AS job_id, 1 AS idx, 's2' AS sha256, 'p' AS path, 2.0 AS created_at, "
                "99 AS id, 64 AS width")
    row = ImageRow.from_row(b)
    assert (row.id, row.width, row.idx) == (3, 64, 1)
    # The same query shape again (its plan is cached) with other values.
    [c] = _rows("SELECT 4 AS id, 'job-c' AS job_id, 2 AS idx, 's3' AS sha256, 'q' AS path, 3.0 AS created_at, "
                "98 AS id, 32 AS width")
    assert (ImageRow.from_row(c).id, ImageRow.from_row(c).width) == (4, 32)
