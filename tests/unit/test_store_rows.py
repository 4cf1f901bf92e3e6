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


def test_from_rows_builds_each_row_as_from_row_does_and_a_missing_required_column_is_an_error():
    rows = _rows("SELECT 1 AS id, 'j' AS job_id, 0 AS idx, 'a' AS sha256, 'p1' AS path, 1.0 AS created_at, 5 AS width "
                 "UNION ALL SELECT 2, 'j', 1, 'b', 'p2', 2.0, NULL")
    built = ImageRow.from_rows(rows)
    assert built == [ImageRow.from_row(r) for r in rows]
    assert built[0] == ImageRow(id=1, job_id="j", idx=0, sha256="a", path="p1", created_at=1.0, width=5)
    # Defaults fill the columns a query leaves out, and each row has its own values (not a shared dict).
    assert (built[1].width, built[1].deleted, built[1].prompt) == (None, 0, None)
    built[0].prompt = "changed"
    assert built[1].prompt is None
    assert ImageRow.from_rows([]) == []
    [short] = _rows("SELECT 1 AS id, 'j' AS job_id")
    try:
        ImageRow.from_row(short)
    except TypeError as err:
        assert "idx" in str(err) and "created_at" in str(err)
    else:
        raise AssertionError("a row without the required columns was built")
