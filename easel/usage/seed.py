"""Demo usage: a realistic, clearly simulated usage log, so a team demo shows real-looking charts.

Every row is `simulated = 1`, has an id starting `seed-`, is terminal (nothing for the poller to resume) and
is not followed (the Tasks page leaves it alone). Prices follow each provider's doc: icodeeasy's CNY tiers,
QCode's USD table with its $0.08 floor and its 100-images-per-key Beijing day, openai-hk's token credits,
OpenAI's token USD, gccai's reported USD. Latencies are log-normal per provider and quality; failures carry
the codes those providers send.

Rows are generated with numpy and written with one executemany in one transaction, with the rollup
triggers switched off and the rollups merged from one GROUP BY afterwards (see easel.store.rollup_schema).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from easel.core.config import key_fingerprint
from easel.store.rollup_schema import rebuild_sql, rollup_merge_sql

__all__ = ["COLUMNS", "generate_rows", "bulk_insert", "seed_usage", "clear_seeded", "SEED_PREFIX"]

SEED_PREFIX = "seed-"
COLUMNS = ("id", "created_at", "updated_at", "finished_at", "provider", "model", "endpoint", "mode", "prompt",
           "size", "resolution", "quality", "n", "ref_count", "has_mask", "status", "error_code", "error_message",
           "latency_s", "cost_estimated", "cost_actual", "currency", "task_ids_json", "key_fingerprint", "simulated",
           "followed", "progress")
BEIJING = 8 * 3600


@dataclass(frozen=True)
class _Spec:
    provider: str
    weight: float
    model: str
    currency: str
    modes: tuple[tuple[str, float], ...]
    sizes: tuple[tuple[str, str | None, float], ...]        # (size, resolution, weight)
    qualities: tuple[tuple[str, float], ...]
    latency_factor: float
    error_rate: float
    errors: tuple[tuple[str, str, float], ...]               # (status, error_code, weight)
    n_max: int = 4


_COMMON_ERRORS = (("failed", "rate_limit_error", 3), ("failed", "server_error", 2),
                  ("failed", "invalid_request_error", 1.5), ("failed", "moderation_blocked", 1))
SPECS = (
    _Spec("icodeeasy", 0.30, "gpt-image-2", "CNY", (("sync", 0.6), ("async", 0.4)),
          (("1:1", "1k", 5), ("16:9", "1k", 2), ("9:16", "1k", 2), ("1:1", "2k", 2), ("3:2", "2k", 1)),
          (("low", 3), ("medium", 5), ("high", 2), ("auto", 1)), 1.0, 0.05,
          _COMMON_ERRORS + (("failed", "service_overloaded", 2), ("timed_out", "deadline_exceeded", 0.5))),
    _Spec("qcode", 0.22, "gpt-image-2", "USD", (("sync", 1.0),),
          (("1024x1024", None, 6), ("1024x1536", None, 2), ("1536x1024", None, 2)),
          (("low", 4), ("medium", 4), ("high", 2)), 0.9, 0.05,
          _COMMON_ERRORS + (("failed", "concurrency_exhausted", 3), ("failed", "cdn_timeout_524", 1.5))),
    _Spec("gccai", 0.18, "gpt-image-2-official", "USD", (("async", 1.0),),
          (("1:1", "1k", 5), ("16:9", "2k", 2), ("1:1", "4k", 1), ("9:16", "1k", 2)),
          (("auto", 4), ("low", 2), ("medium", 2), ("high", 1)), 1.3, 0.06,
          _COMMON_ERRORS + (("failed", "task_failed", 3), ("timed_out", "deadline_exceeded", 1))),
    _Spec("openai-hk", 0.18, "gpt-image-2", "credits", (("sync", 1.0),),
          (("1024x1024", None, 6), ("1536x1024", None, 2), ("2048x2048", None, 1), ("3840x2160", None, 0.5)),
          (("low", 5), ("medium", 4), ("high", 1)), 1.1, 0.04,
          _COMMON_ERRORS + (("failed", "payment_required", 0.5),)),
    _Spec("openai", 0.12, "gpt-image-2", "USD", (("sync", 1.0),),
          (("1024x1024", None, 6), ("1024x1536", None, 2), ("2048x2048", None, 1)),
          (("low", 3), ("medium", 4), ("high", 3)), 0.8, 0.03, _COMMON_ERRORS, n_max=10),
)
_BASE_LATENCY = {"low": 18.0, "medium": 35.0, "high": 70.0, "auto": 45.0}
_RES_LATENCY = {"1k": 1.0, "2k": 1.35, "4k": 1.9}
# Output tokens for a 1024×1024 image by quality (openai-hk's examples: ~800 credits low, ~3000 medium).
_TOKENS_1K = {"low": 272, "medium": 1056, "high": 4160, "auto": 4160}
_QCODE_HIGH = {"1024x1024": 0.211, "1024x1536": 0.165, "1536x1024": 0.165}
_ICODE_CNY = {"low": 0.10, "medium": 0.20, "auto": 0.20, "high": 0.40}
# Beijing hour-of-day activity: quiet at night, busy 10:00–23:00.
_HOURS = (2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 9, 10, 9, 9, 10, 10, 10, 9, 8, 9, 10, 10, 8, 5)

_SUBJECTS = ("a white siamese cat", "a cyberpunk Tokyo street at night", "a ceramic vase with sunflowers",
             "a product shot of a perfume bottle", "a cozy reading nook", "a mountain lake at dawn",
             "a gift basket labeled 'Relax & Unwind'", "an astronaut riding a horse", "a bowl of ramen",
             "a vintage bicycle against a brick wall", "a futuristic sneaker", "a lighthouse in a storm",
             "a Shanghai skyline at dusk", "a watercolor fox", "a minimalist logo for a coffee shop",
             "a poster for a jazz festival", "a children's book illustration of a dragon", "a UI mockup of a banking app",
             "a bonsai tree on a desk", "an isometric city block", "a portrait of an old fisherman",
             "a neon sign that says 'OPEN'", "a glass of iced lemon tea", "a snowy village in Hokkaido")
_STYLES = ("photorealistic", "studio lighting", "oil painting", "flat vector", "35mm film", "isometric 3D",
           "ukiyo-e", "pastel watercolor", "cinematic, golden hour", "high-key product photo")


# Realistic logs (`unique_prompts=True`): a team rarely sends the same prompt twice, so every prompt is unique,
# some in Chinese and Korean, built from these parts plus a detail that differs on every row.
_SUBJECTS_INTL = ("一只在窗台上晒太阳的橘猫", "雨夜的上海外滩", "青花瓷茶具的产品照", "水墨风格的山水", "고양이가 있는 아늑한 카페",
                  "서울의 밤거리 네온사인", "한복을 입은 소녀의 초상화", "벚꽃이 핀 경복궁")
_MOODS = ("soft morning light", "moody and dramatic", "bright and airy", "warm tungsten glow", "overcast, muted",
          "high contrast", "dreamy bokeh", "crisp midday sun")
_DETAILS = ("with a red umbrella", "shallow depth of field", "shot on an 85mm lens", "rule of thirds",
            "seen from above", "with reflections in a puddle", "dust in the air", "a hint of fog", "wide angle",
            "close-up", "symmetrical composition", "negative space on the left")


def _unique_prompt(rng_ints, i: int, run: str) -> str:
    a, b, c, d, e = rng_ints
    subjects = _SUBJECTS + _SUBJECTS_INTL
    return (f"{subjects[a % len(subjects)]}, {_STYLES[b % len(_STYLES)]}, {_MOODS[c % len(_MOODS)]}, "
            f"{_DETAILS[d % len(_DETAILS)]}, variant {e:05d}-{run}{i:x}")


def _prompt_pool(rng) -> list[str]:
    pool = [f"{s}, {st}" for s in _SUBJECTS for st in _STYLES]
    rng.shuffle(pool)
    return pool


def _pick(rng, items, weights, size):
    import numpy as np

    w = np.asarray(weights, dtype=float)
    return rng.choice(len(items), size=size, p=w / w.sum())


def _price(spec: _Spec, size: str, resolution: str | None, quality: str, n: int, u: float) -> tuple[float, float]:
    """(estimate, actual) per request in the provider's own unit."""
    if spec.provider == "icodeeasy":
        cost = _ICODE_CNY[quality] * n
        return cost, cost
    if spec.provider == "qcode":
        cost = (_QCODE_HIGH.get(size, 0.211) if quality == "high" else 0.08) * n
        return cost, cost
    w, h = (int(x) for x in size.split("x")) if "x" in size else (1024, 1024)
    scale = (w * h) / (1024 * 1024)
    tokens = _TOKENS_1K[quality] * scale * n
    usd = (tokens * 40 + 40 * 5) / 1e6
    if spec.provider == "openai-hk":
        est = round(usd * 71000)
        return est, round(est * (0.95 + 0.1 * u))
    if spec.provider == "gccai":
        res_scale = {"1k": 1.0, "2k": 2.2, "4k": 4.5}.get(resolution or "1k", 1.0)
        reported = round(0.05279 * res_scale * {"low": 0.4, "medium": 1.0, "high": 3.0, "auto": 1.2}[quality] * n
                         * (0.85 + 0.3 * u), 5)
        return reported, reported
    return usd, usd * (0.97 + 0.06 * u)


def generate_rows(n: int, *, days: int = 30, seed: int = 0, now: float | None = None, unique_prompts: bool = False):
    """`n` simulated jobs rows (tuples in COLUMNS order) spread over the last `days` Beijing days up to `now`.

    By default prompts come from a pool of 240 (97 %) with 3 % one-off variations: charts with a clear top list.
    `unique_prompts=True` is the realistic log the scale benchmarks use: every prompt different."""
    import numpy as np

    rng = np.random.default_rng(seed)
    now = time.time() if now is None else float(now)
    today0 = ((now + BEIJING) // 86400) * 86400 - BEIJING          # Beijing midnight today, as unix time
    first0 = today0 - (days - 1) * 86400
    # Volume grows over the period and dips at weekends.
    day_w = np.array([(1 + 0.8 * d / max(1, days - 1)) * (0.7 if ((first0 + d * 86400 + BEIJING) // 86400 + 3) % 7 >= 5
                                                         else 1.0) for d in range(days)])
    day_w[-1] *= max(0.05, (now - today0) / 86400)                 # today is only partly over
    day_idx = _pick(rng, range(days), day_w, n)
    hours = _pick(rng, range(24), _HOURS, n)
    created = first0 + day_idx * 86400 + hours * 3600 + rng.uniform(0, 3600, n)
    created = np.where(created > now, now - rng.uniform(0, 3600, n), created)
    created.sort()

    spec_idx = _pick(rng, SPECS, [s.weight for s in SPECS], n).tolist()
    pool = _prompt_pool(rng)
    ranks = np.minimum(rng.zipf(1.3, n) - 1, len(pool) - 1).tolist()
    unique = (rng.random(n) < 0.03).tolist()
    n_choice = _pick(rng, (1, 2, 4), (80, 12, 8), n).tolist()
    edit = (rng.random(n) < 0.25).tolist()
    u_err, u_err2, u_price, u_est = (rng.random(n).tolist() for _ in range(4))
    lat_factor = np.exp(rng.normal(0, 0.35, n)).tolist()
    created = created.tolist()
    prompt_parts = rng.integers(0, 1 << 20, (n, 5)).tolist() if unique_prompts else None

    fp = {s.provider: [key_fingerprint(f"demo-{s.provider}-{i}") for i in range(2)] for s in SPECS}
    # QCode keys are capped at 100 images a Beijing day; a big log spreads over as many keys as a team would hold.
    qcode_daily = n * SPECS[1].weight * 1.4 / days
    fp["qcode"] = [key_fingerprint(f"demo-qcode-{i}") for i in range(int(min(12, max(2, qcode_daily // 90 + 1))))]
    qcode_used: dict[tuple[str, int], int] = {}

    per_spec = [dict(sizes=_pick(rng, s.sizes, [w for *_, w in s.sizes], n).tolist(),
                     qual=_pick(rng, s.qualities, [w for _, w in s.qualities], n).tolist(),
                     mode=_pick(rng, s.modes, [w for _, w in s.modes], n).tolist(),
                     err=_pick(rng, s.errors, [w for *_, w in s.errors], n).tolist(),
                     key=rng.integers(0, len(fp[s.provider]), n).tolist()) for s in SPECS]
    run = uuid.uuid4().hex[:8]          # ids stay unique when the same seed is loaded twice
    rows = []
    for i in range(n):
        s, ps = SPECS[spec_idx[i]], per_spec[spec_idx[i]]
        size, resolution, _ = s.sizes[ps["sizes"][i]]
        quality = s.qualities[ps["qual"][i]][0]
        mode = s.modes[ps["mode"][i]][0]
        count = min((1, 2, 4)[n_choice[i]], s.n_max)
        key = fp[s.provider][ps["key"][i]]
        ts = created[i]
        if prompt_parts is not None:
            prompt = _unique_prompt(prompt_parts[i], i, run)
        else:
            prompt = pool[ranks[i]] + (f", variation {i}" if unique[i] else "")
        est, act = _price(s, size, resolution, quality, count, u_price[i])
        status, code = "completed", None
        if u_err[i] < s.error_rate:
            status, code, _ = s.errors[ps["err"][i]]
        elif u_err2[i] < 0.004:
            status, code = "cancelled", None
        if s.provider == "qcode" and status == "completed":
            bj_day = int((ts + BEIJING) // 86400)
            used = qcode_used.get((key, bj_day), 0)
            if used + count > 100:
                status, code = "failed", "image_daily_limit"
            else:
                qcode_used[(key, bj_day)] = used + count
        lat = (_BASE_LATENCY[quality] * _RES_LATENCY.get(resolution or _tier(size), 1.0) * s.latency_factor
               * lat_factor[i] * (1 + 0.15 * (count - 1)))
        if status == "completed":
            cost_actual = act
        else:
            cost_actual = 0.0
            lat = {"cdn_timeout_524": 100.0 + lat % 3, "deadline_exceeded": 600.0, "server_error": lat * 0.8,
                   "task_failed": lat * 0.6}.get(code or "", 0.2 + lat % 1.3)
            if status == "cancelled":
                lat = None
        if s.provider == "gccai" and status == "completed" and u_est[i] < 0.1:
            est = None                          # no cost history yet: gccai publishes no price list
        tasks = f'["{run}{i:012d}"]' if mode == "async" else "[]"
        finished = ts + (lat or 0.0)
        rows.append((f"{SEED_PREFIX}{run}-{i:08d}", ts, finished, finished, s.provider, s.model,
                     "edits" if edit[i] else "generations", mode, prompt, size, resolution, quality, count,
                     int(edit[i]) * (1 + i % 3), int(edit[i] and i % 4 == 0), status, code,
                     None if code is None else f"Simulated {code}", lat, est, cost_actual, s.currency, tasks, key, 1,
                     0, 100 if status == "completed" else None))
    return rows


def _tier(size: str) -> str:
    if "x" not in size:
        return "1k"
    w, h = (int(x) for x in size.split("x"))
    return "1k" if w * h <= 1_600_000 else "2k" if w * h <= 4_200_000 else "4k"


def bulk_insert(store, rows, columns=COLUMNS) -> int:
    """Insert many jobs rows in one transaction and bring the rollups up to date with one merge."""
    sql = f"INSERT INTO jobs ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    with store._write() as conn:
        before = conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM jobs").fetchone()[0]
        conn.execute("UPDATE usage_config SET bulk = 1 WHERE id = 1")
        if store.engine == "postgres":          # COPY: PostgreSQL's bulk load
            count = conn.copy_rows("jobs", columns, rows)
        else:
            count = conn.executemany(sql, rows).rowcount
        conn.execute("UPDATE usage_config SET bulk = 0 WHERE id = 1")
        for stmt in rollup_merge_sql("jobs.rowid > ?"):
            conn.execute(stmt, (before,))
    return count


def seed_usage(store, n: int, *, days: int = 30, seed: int = 0, now: float | None = None,
               unique_prompts: bool = False) -> int:
    """`easel simulate --seed-usage N`: add N simulated requests over the last `days` days."""
    return bulk_insert(store, generate_rows(n, days=days, seed=seed, now=now, unique_prompts=unique_prompts))


def clear_seeded(store) -> int:
    """Remove every seeded row (and only those), then rebuild the rollups."""
    with store._write() as conn:
        conn.execute("UPDATE usage_config SET bulk = 1 WHERE id = 1")
        cur = conn.execute("DELETE FROM jobs WHERE id LIKE ? AND simulated = 1", (SEED_PREFIX + "%",))
        conn.execute("UPDATE usage_config SET bulk = 0 WHERE id = 1")
        for stmt in rebuild_sql():
            conn.execute(stmt)
    return cur.rowcount
