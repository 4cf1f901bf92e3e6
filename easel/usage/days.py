"""Usage days: the log counts by provider day (Beijing by default), not by the server's clock."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone


__all__ = ["date_of", "day_number", "day_of", "day_offset", "day_start_ts", "usage_today"]


def day_offset(store) -> int:
    return int(store.query("SELECT day_offset_s FROM usage_config WHERE id = 1")[0][0])


def day_of(ts: float, offset_s: int) -> int:
    return int((ts + offset_s) // 86400)


def date_of(day: int) -> date:
    return date(1970, 1, 1) + timedelta(days=int(day))


def day_number(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def day_start_ts(d: date, offset_s: int) -> float:
    """The unix time at which usage day `d` begins."""
    return day_number(d) * 86400 - offset_s


def _now_ts(now: float | datetime | None) -> float:
    if now is None:
        return datetime.now(timezone.utc).timestamp()
    if isinstance(now, datetime):
        return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).timestamp()
    return float(now)


def usage_today(store, now: float | datetime | None = None) -> date:
    return date_of(day_of(_now_ts(now), day_offset(store)))
