"""Administration of the trigger-kept rollup tables: a full rebuild, and moving the day boundary."""

from __future__ import annotations


from easel.core.i18n import _
from easel.store import gallery_schema as gs
from easel.store import rollup_schema as us

__all__ = ["rebuild_rollups", "set_day_offset"]


def rebuild_rollups(store) -> None:
    """Recompute every rollup from the log in one transaction (after an offset change, or to repair)."""
    with store._write() as conn:
        for stmt in us.rebuild_sql():
            conn.execute(stmt)
        for stmt in gs.REBUILD_COUNTS:
            conn.execute(stmt)


def set_day_offset(store, offset_s: int) -> None:
    """Report usage in days starting at UTC + offset_s (e.g. 0 for UTC, 28800 for Beijing)."""
    if not -14 * 3600 <= int(offset_s) <= 14 * 3600:
        raise ValueError(_("A day offset must lie between UTC−14 and UTC+14."))
    with store._write() as conn:
        conn.execute("UPDATE usage_config SET day_offset_s = ? WHERE id = 1", (int(offset_s),))
        for stmt in us.rebuild_sql():
            conn.execute(stmt)
        # The gallery counts by the same day, so its date filter and the Usage page's agree.
        for stmt in gs.REBUILD_COUNTS:
            conn.execute(stmt)
