"""QCode's 100 images per key per day, reset at 00:00 Beijing time = 16:00:00 UTC, tested at the edge."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from easel.usage import quota
from easel.store import Store

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

UTC = timezone.utc
BEFORE = datetime(2026, 3, 10, 15, 59, 59, tzinfo=UTC)     # 23:59:59 Beijing, 10 March
AT = datetime(2026, 3, 10, 16, 0, 0, tzinfo=UTC)           # 00:00:00 Beijing, 11 March


def test_next_reset_at_the_edge():
    assert quota.next_reset(BEFORE) == AT
    assert quota.next_reset(AT) == AT + timedelta(days=1)
    assert quota.next_reset(AT.timestamp()) == AT + timedelta(days=1)


def test_day_start_at_the_edge():
    assert quota.day_start(BEFORE) == AT - timedelta(days=1)
    assert quota.day_start(AT) == AT
    # A naive datetime is UTC.
    assert quota.day_start(BEFORE.replace(tzinfo=None)) == AT - timedelta(days=1)


def test_fixed_offset_fallback_matches_the_tz_database():
    fixed = timezone(timedelta(hours=8))
    for t in (BEFORE, AT, datetime(2026, 7, 1, 3, tzinfo=UTC)):
        local = t.astimezone(quota.reset_zone())
        assert local.utcoffset() == fixed.utcoffset(None)


def _job(store, at: datetime, n: int, status: str = "completed", key: str = "fp-a", provider: str = "qcode",
         simulated: bool = False) -> str:
    return store.create_job(provider=provider, status=status, n=n, key_fingerprint=key, created_at=at.timestamp(),
                            simulated=simulated)


@pytest.fixture
def store():
    return Store()


def test_used_today_resets_at_beijing_midnight(store):
    _job(store, BEFORE, 3)                      # the last second of Beijing's 10 March
    _job(store, AT, 2)                          # the first second of 11 March
    _job(store, AT + timedelta(seconds=5), 4, status="failed")       # failures are not charged to the cap
    _job(store, AT + timedelta(seconds=6), 1, status="running")      # in flight: shown separately
    _job(store, AT + timedelta(seconds=7), 9, key="fp-b")            # another key
    _job(store, AT + timedelta(seconds=8), 9, provider="icodeeasy")  # another provider

    before = quota.quota_status(store, "fp-a", now=BEFORE + timedelta(milliseconds=500))
    assert (before.used, before.in_flight, before.remaining) == (3, 0, 97)
    assert before.resets_at == AT

    after = quota.quota_status(store, "fp-a", now=AT + timedelta(seconds=10))
    assert (after.used, after.in_flight, after.remaining) == (2, 1, 98)
    assert after.resets_at == AT + timedelta(days=1)
    assert after.cap == 100


def test_cap_full_and_simulated_rows(store):
    for i in range(26):
        _job(store, AT + timedelta(minutes=i), 4)
    _job(store, AT + timedelta(minutes=30), 4, simulated=True)
    q = quota.quota_status(store, "fp-a", now=AT + timedelta(hours=1))
    assert q.used == 108 and q.remaining == 0 and q.fraction == 1.0
    real = quota.quota_status(store, "fp-a", now=AT + timedelta(hours=1), include_simulated=False)
    assert real.used == 104


def test_providers_without_a_cap_have_no_quota(store):
    assert quota.quota_status(store, "fp-a", provider="icodeeasy", now=AT) is None


def test_statuses_list_each_recent_key(store):
    _job(store, AT + timedelta(minutes=1), 2, key="fp-a")
    _job(store, AT + timedelta(minutes=2), 5, key="fp-b")
    found = quota.quota_statuses(store, now=AT + timedelta(hours=2))
    assert [(q.key_fingerprint, q.used) for q in found] == [("fp-b", 5), ("fp-a", 2)]
    assert "resets in 22 h 00 min" in found[0].label(now=AT + timedelta(hours=2))
