"""The CSV export streams: its rows equal the log's, value for value, and writing a long log takes the same
memory as a short one."""

from __future__ import annotations

import csv
import io
import json
import tempfile
import tracemalloc
from datetime import UTC, datetime

import pytest

from easel import usage
from easel.store import Store
from easel.usage import seed as usage_seed
from easel.usage.filters import CSV_COLUMNS, Filters

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

NOW = datetime(2026, 3, 11, 4, 0, tzinfo=UTC).timestamp()
C = {name: i for i, name in enumerate(usage_seed.COLUMNS)}


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def expected(row: tuple) -> list[str]:
    """One seeded jobs row as the CSV must carry it, built from the generated tuple, not from the database."""
    num = lambda v: "" if v is None else repr(round(float(v), 6))  # noqa: E731
    return [datetime.fromtimestamp(row[C["created_at"]], UTC).isoformat(timespec="milliseconds"),
            row[C["provider"]], row[C["model"]], row[C["endpoint"]], row[C["mode"]], row[C["size"]],
            row[C["resolution"]] or "", row[C["quality"]], str(row[C["n"]]), row[C["status"]],
            row[C["error_code"]] or "", num(row[C["latency_s"]]), num(row[C["cost_estimated"]]),
            num(row[C["cost_actual"]]), row[C["currency"]], ";".join(json.loads(row[C["task_ids_json"]])),
            row[C["key_fingerprint"]], "1", row[C["id"]],
            # cost_estimate, cost_reported, cost_formula: seeded rows carry no reported or formula cost.
            num(row[C["cost_estimated"]]), "", "",
            # owner: the seeded log is the single user's ('').
            ""]


def test_the_csv_rows_equal_the_seeded_log_value_for_value(store):
    rows = usage_seed.generate_rows(4000, days=10, seed=3, now=NOW)
    usage_seed.bulk_insert(store, rows)
    out = io.StringIO()
    assert usage.write_csv(store, out) == 4000
    got = list(csv.reader(io.StringIO(out.getvalue())))
    assert got[0] == list(CSV_COLUMNS)
    assert got[1:] == [expected(r) for r in rows]           # generated oldest first, as the export orders them
    assert usage.export_csv(store) == out.getvalue()


def test_parts_of_the_csv_put_together_are_the_whole(store):
    usage_seed.bulk_insert(store, usage_seed.generate_rows(2500, days=5, seed=4, now=NOW))
    whole = usage.export_csv(store).splitlines()
    pieces = []
    for offset, limit in ((0, 1000), (1000, 1000), (2000, None)):
        with usage.csv_to_temp_file(store, offset=offset, limit=limit) as f:
            lines = f.read().decode("utf-8").splitlines()
        assert lines[0] == ",".join(CSV_COLUMNS)
        pieces += lines[1:]
    assert pieces == whole[1:] and len(pieces) == 2500


def test_the_filters_narrow_the_csv_like_the_page(store):
    rows = usage_seed.generate_rows(1500, days=5, seed=5, now=NOW)
    usage_seed.bulk_insert(store, rows)
    out = io.StringIO()
    n = usage.write_csv(store, out, filters=Filters(providers=("gccai",), statuses=("failed",)))
    want = [expected(r) for r in rows if r[C["provider"]] == "gccai" and r[C["status"]] == "failed"]
    assert n == len(want) and list(csv.reader(io.StringIO(out.getvalue())))[1:] == want
    assert usage.write_csv(store, io.StringIO(), filters=Filters(include_simulated=False)) == 0


def _peak_while_writing(store) -> tuple[int, int]:
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as f:
        tracemalloc.start()
        try:
            rows = usage.write_csv(store, f)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        return peak, rows


def test_writing_a_long_log_takes_the_same_memory_as_a_short_one(store):
    usage_seed.bulk_insert(store, usage_seed.generate_rows(10_000, days=30, seed=6, now=NOW))
    short_peak, short_rows = _peak_while_writing(store)
    usage_seed.bulk_insert(store, usage_seed.generate_rows(50_000, days=30, seed=7, now=NOW))
    long_peak, long_rows = _peak_while_writing(store)
    assert (short_rows, long_rows) == (10_000, 60_000)
    # 6× the rows (~10 MB of CSV): the peak is one fetched page of rows (~2 MB), not the file, and does not grow.
    assert long_peak < 4 * 2**20
    assert long_peak < 1.3 * short_peak
