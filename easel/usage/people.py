"""Team usage per person: who asked for what, for an admin's Team view and for each person's own view.

A person's own view is `scope_for(store, person_id)`: the usage functions run unchanged on her rows
(easel.usage.scope). The Team view reads the team-wide rollups (the store itself), and `per_person()` splits the
same range by person and provider, from the same rollup definitions with the owner as a leading key, so a person's
line is what her own view shows. Rows without an owner (made by the single user, or before sign-in was turned on)
are one more "person", id ''.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from easel.core.i18n import N_, _
from easel.store import rollup_schema as rs
from easel.usage.currency import Rates
from easel.usage.days import day_offset, day_start_ts
from easel.usage.filters import Filters
from easel.usage.kpis import total_in
from easel.usage.scope import OwnerScope

__all__ = ["SINGLE_LABEL", "person_label", "people", "scope_for", "clear_mirrors", "MIRROR_TTL_S", "PersonUsage",
           "per_person"]

SINGLE_LABEL = N_("single user / before sign-in")


def person_label(owner: str) -> str:
    """A person as the page names her: the id (e-mail), or what rows without an owner are."""
    return owner or _(SINGLE_LABEL)


def people(store) -> list[str]:
    """Every owner in the log ('' included if any row has none), in id order.

    A skip scan of the jobs(owner, created_at) index: one probe per person, however many rows each has."""
    rows = store.query(
        "WITH RECURSIVE o(owner) AS (SELECT MIN(owner) FROM jobs UNION ALL "
        "SELECT (SELECT MIN(j.owner) FROM jobs j WHERE j.owner > o.owner) FROM o WHERE o.owner IS NOT NULL) "
        "SELECT owner FROM o WHERE owner IS NOT NULL")
    return [r[0] for r in rows]


# A person's rollups, built in memory from her rows (easel.usage.scope), are kept for the next reruns of the page
# while her rows in the window are the same ones (count and newest row) and for at most MIRROR_TTL_S: a status
# or cost that changes in place (a job finishing) shows within that time. A few people's at once, newest kept.
MIRROR_TTL_S = 15.0
_MIRRORS_KEPT = 8
_mirrors: OrderedDict = OrderedDict()
_mirrors_lock = threading.Lock()


def clear_mirrors() -> None:
    with _mirrors_lock:
        _mirrors.clear()


def scope_for(store, owners, filters: Filters | None = None, *, now=None, earliest=None) -> OwnerScope:
    """The store as `owners` (a person id, or several) see their usage. With `filters` (resolved), rows before
    `earliest` (a usage day, e.g. easel.usage.kpis.earliest_day) are left out, so the page reads only the days it
    shows; without them, all of the owners' history."""
    owners = (owners,) if isinstance(owners, str) else tuple(owners)
    if earliest is None:
        return OwnerScope(store, owners, mirror=True)
    since = day_start_ts(earliest, day_offset(store))
    scope = OwnerScope(store, owners, since=since, mirror=True)
    # Index-only (jobs(owner, created_at)): cheap at any log size.
    token = tuple(store.query(
        f"SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM jobs WHERE owner IN ({', '.join('?' for _o in owners)}) "
        "AND created_at >= ?", [*owners, since])[0])
    key = (store.location, owners, since)
    with _mirrors_lock:
        kept = _mirrors.get(key)
        if kept is not None and kept[0] == token and time.monotonic() - kept[1] < MIRROR_TTL_S:
            _mirrors.move_to_end(key)
            scope.share_mirror(kept[2])
            return scope
        _mirrors[key] = (token, time.monotonic(), scope)
        while len(_mirrors) > _MIRRORS_KEPT:
            _mirrors.popitem(last=False)
    return scope


@dataclass(frozen=True)
class PersonUsage:
    """One person's requests on one provider in the range."""

    owner: str
    provider: str
    requests: int = 0
    images: int = 0
    errors: int = 0                 # failed, timed out, interrupted
    amounts: dict[str, float] = field(default_factory=dict)     # spend per currency, as logged
    spend: float = 0.0              # converted to the page's currency
    unconverted: dict[str, float] = field(default_factory=dict)


def per_person(store, filters: Filters, *, currency: str = "CNY", rates: Rates = Rates(), now=None) -> list[PersonUsage]:
    """Per person and provider in the filters' range (every filter applies): requests, images, errors and spend.

    Reads the range's rows once, by the created_at index, through the rollups' own definitions (owner as a
    leading key), so each person's line equals her own view's figures."""
    f = filters.resolved(store, now)
    offset = day_offset(store)
    scope = OwnerScope(store, None, since=day_start_ts(f.start, offset),
                       until=day_start_ts(f.end + timedelta(days=1), offset), by=("owner",),
                       only=("day", "provider", "key_fingerprint", "status", "simulated", "currency"))
    where, args = f.where()
    fail = ", ".join(f"'{s}'" for s in rs.FAILURE_STATUSES)
    acc: dict[tuple[str, str], dict] = {}
    for owner, provider, cur, req, img, cost, bad in scope.query(
            "SELECT owner, provider, currency, SUM(requests), SUM(images), SUM(cost), "
            f"SUM(CASE WHEN status IN ({fail}) THEN requests ELSE 0 END) FROM usage_daily{where} "
            "GROUP BY owner, provider, currency", args):
        a = acc.setdefault((owner, provider), {"requests": 0, "images": 0, "errors": 0, "amounts": defaultdict(float)})
        a["requests"] += int(req)
        a["images"] += int(img)
        a["errors"] += int(bad)
        a["amounts"][cur] += cost
    out = []
    for (owner, provider), a in sorted(acc.items()):
        if not a["requests"]:
            continue
        spend, left = total_in(dict(a["amounts"]), currency, rates)
        out.append(PersonUsage(owner, provider, a["requests"], a["images"], a["errors"], dict(a["amounts"]), spend,
                               left))
    return out
