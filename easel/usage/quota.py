"""QCode's daily image cap: 100 images per key per day, reset at 00:00 Beijing time (qcode.txt, Quotas).

Beijing time is UTC+8 all year (China has had no daylight saving since 1991), so the reset is 16:00:00 UTC.
The count comes straight from the log by key fingerprint and creation time, independent of the rollups' day
offset: the quota follows Beijing's day whatever day the Usage page reports in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from easel.core.i18n import _, format_number
from easel.providers import catalog
from easel.store.rows import ACTIVE_STATUSES

__all__ = ["QuotaStatus", "reset_zone", "day_start", "next_reset", "quota_status", "quota_statuses"]

_BEIJING_FALLBACK = timezone(timedelta(hours=8), "Asia/Shanghai")


def reset_zone(name: str | None = "Asia/Shanghai"):
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name or "Asia/Shanghai")
    except Exception:  # noqa: BLE001 - no tz database (Windows without tzdata): Beijing is a fixed UTC+8
        return _BEIJING_FALLBACK


def _aware(now: float | datetime | None) -> datetime:
    if now is None:
        return datetime.now(timezone.utc)
    if isinstance(now, datetime):
        return now if now.tzinfo else now.replace(tzinfo=timezone.utc)
    return datetime.fromtimestamp(now, timezone.utc)


def day_start(now: float | datetime | None = None, tz_name: str | None = "Asia/Shanghai") -> datetime:
    """The most recent local midnight at or before `now`, as an aware UTC datetime."""
    local = _aware(now).astimezone(reset_zone(tz_name))
    return local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def next_reset(now: float | datetime | None = None, tz_name: str | None = "Asia/Shanghai") -> datetime:
    """The next local midnight strictly after `now`, as an aware UTC datetime."""
    local = _aware(now).astimezone(reset_zone(tz_name))
    tomorrow = (local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1))
    # Rebuilt from the date so a zone with DST still lands on its own midnight.
    return datetime(tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=local.tzinfo).astimezone(timezone.utc)


@dataclass(frozen=True)
class QuotaStatus:
    provider: str
    key_fingerprint: str
    cap: int
    used: int              # images delivered since the last reset
    in_flight: int         # images requested and not finished: they will count if they succeed
    resets_at: datetime    # aware UTC
    simulated: bool = False

    @property
    def remaining(self) -> int:
        return max(0, self.cap - self.used)

    @property
    def fraction(self) -> float:
        return min(1.0, self.used / self.cap) if self.cap else 0.0

    def resets_in(self, now: float | datetime | None = None) -> timedelta:
        return self.resets_at - _aware(now)

    def label(self, now: float | datetime | None = None) -> str:
        left = self.resets_in(now)
        h, rem = divmod(max(0, int(left.total_seconds())), 3600)
        # Shown only (the Usage page, `easel usage`): in the reader's language.
        return _("{used} / {cap} images today · {remaining} left · resets in {hours} h {minutes} min "
                 "(00:00 Beijing)").format(used=format_number(self.used), cap=format_number(self.cap),
                                 remaining=format_number(self.remaining), hours=h, minutes=f"{rem // 60:02d}")


def quota_status(store, key_fingerprint: str, *, provider: str = "qcode", now: float | datetime | None = None,
                 include_simulated: bool = True) -> QuotaStatus | None:
    """Today's count for one key, or None when the provider has no daily cap."""
    profile = catalog.get_profile(provider)
    if not profile.daily_image_cap:
        return None
    start = day_start(now, profile.quota_reset_tz).timestamp()
    end = next_reset(now, profile.quota_reset_tz)
    sim = "" if include_simulated else " AND simulated = 0"
    active = ", ".join("?" for _status in ACTIVE_STATUSES)
    row = store.query(
        "SELECT COALESCE(SUM(CASE WHEN status = 'completed' THEN n ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN status IN ({active}) THEN n ELSE 0 END), 0), COALESCE(MAX(simulated), 0) "
        f"FROM jobs WHERE key_fingerprint = ? AND created_at >= ? AND created_at < ? AND provider = ?{sim}",
        (*ACTIVE_STATUSES, key_fingerprint, start, end.timestamp(), provider))[0]
    return QuotaStatus(provider, key_fingerprint, profile.daily_image_cap, int(row[0]), int(row[1]),
                       end, bool(row[2]))


def quota_statuses(store, *, provider: str = "qcode", now: float | datetime | None = None,
                   include_simulated: bool = True, lookback_days: int = 7) -> list[QuotaStatus]:
    """One status per key used with the provider in the last `lookback_days` (most used today first)."""
    # Days since the Unix epoch, near enough for a lookback; the rollup's index answers without reading the log.
    since_day = int(_aware(now).timestamp() // 86400) - lookback_days
    sim = "" if include_simulated else " AND simulated = 0"
    keys = [r[0] for r in store.query(
        f"SELECT DISTINCT key_fingerprint FROM usage_daily WHERE provider = ? AND day >= ?{sim}", (provider, since_day))]
    found = [quota_status(store, k, provider=provider, now=now, include_simulated=include_simulated) for k in keys]
    return sorted((q for q in found if q is not None), key=lambda q: (-q.used, q.key_fingerprint))

