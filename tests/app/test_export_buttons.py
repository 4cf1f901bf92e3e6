"""The download buttons for large exports: the usage CSV splits into parts past CSV_PART_ROWS, the gallery's
ZIP is planned only once its popover is opened, and each part's callable writes exactly its rows."""

from __future__ import annotations


import pytest
from streamlit.testing.v1 import AppTest

from easel.store import Store
from easel.usage import seed as usage_seed

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


def _csv_page(total: int) -> None:
    from components import usage_panels
    from easel import usage as usage_mod
    from easel.store import Store as StoreCls

    usage_panels.csv_download(StoreCls(), usage_mod.Filters(), total)


@pytest.mark.parametrize("part_rows,labels", [
    (5000, ["Download CSV"]),
    (1000, ["Part 1 of 3 · rows 1–1,000", "Part 2 of 3 · rows 1,001–2,000", "Part 3 of 3 · rows 2,001–2,500"]),
])
def test_the_csv_download_splits_a_long_log_into_parts(easel_data_dir, monkeypatch, part_rows, labels):
    from components import usage_panels

    monkeypatch.setattr(usage_panels, "CSV_PART_ROWS", part_rows)
    store = Store()
    usage_seed.bulk_insert(store, usage_seed.generate_rows(2500, days=5, seed=1))
    at = AppTest.from_function(_csv_page, args=(2500,), default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [b.label for b in at.get("download_button")] == labels
    if len(labels) > 1:
        assert any("2,500 requests in 3 files of 1,000 rows" in c.value for c in at.caption)
    store.close()


def test_the_zip_popover_plans_nothing_while_closed(easel_data_dir, monkeypatch):
    from components import gallery

    calls = []
    monkeypatch.setattr(gallery.zip_export, "plan_parts", lambda *a, **k: calls.append(a) or [])

    def page() -> None:
        from components import gallery as g
        from easel.store import Store as StoreCls

        g.zip_button(StoreCls(), {}, key="gallery.zip")

    at = AppTest.from_function(page, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert calls == [] and at.get("download_button") == []
