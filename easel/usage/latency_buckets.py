"""Latency as log buckets: each bucket spans about 6 %, so percentiles from the histogram are within 6 %."""

from __future__ import annotations

import math
from collections import defaultdict

from easel.store import rollup_schema as us

__all__ = ["bucket_mid", "bucket_of", "percentile_from_hist"]


def bucket_of(latency_s: float) -> int:
    """The histogram bucket a latency falls in; the same rule as the SQL lookup table."""
    if latency_s < us.BUCKET_MIN_S:
        return 0
    top = us.BUCKETS_PER_DECADE * us.BUCKET_DECADES
    i = min(top, math.floor(math.log10(latency_s / us.BUCKET_MIN_S) * us.BUCKETS_PER_DECADE + 1e-9) + 1)
    # The table's bounds are floats; settle a value on a boundary exactly as SQL's `lo <= x` does.
    lo = lambda k: us.BUCKET_MIN_S * 10 ** ((k - 1) / us.BUCKETS_PER_DECADE)  # noqa: E731
    while i > 1 and lo(i) > latency_s:
        i -= 1
    while i < top and lo(i + 1) <= latency_s:
        i += 1
    return i


def bucket_mid(bucket: int) -> float:
    """A bucket's geometric midpoint, the value its members are reported as."""
    if bucket <= 0:
        return us.BUCKET_MIN_S / 2
    return us.BUCKET_MIN_S * 10 ** ((bucket - 0.5) / us.BUCKETS_PER_DECADE)


def percentile_from_hist(rows, p: float) -> float | None:
    """Nearest-rank percentile over (bucket, count) rows: the midpoint of the bucket holding rank ⌈p·N⌉."""
    counts: dict[int, int] = defaultdict(int)
    for bucket, n in rows:
        counts[int(bucket)] += int(n)
    total = sum(counts.values())
    if total <= 0:
        return None
    rank, seen = max(1, math.ceil(p * total)), 0
    for bucket in sorted(counts):
        seen += counts[bucket]
        if seen >= rank:
            return bucket_mid(bucket)
    return None
