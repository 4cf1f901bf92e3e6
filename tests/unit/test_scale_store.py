"""Issue 15, the store at scale: trigger-kept gallery counts and filter values, the trigram prompt search,
keyset pages of the gallery and of the request table, the top-prompts walk, and migrations 3–4 bringing an
old file forward with its rows backfilled. Real SQLite files; every figure is checked against a direct query."""

from __future__ import annotations

import io
import random
import sqlite3
from collections import Counter
from datetime import date

import pytest
from PIL import Image

from easel import usage
from easel.core.models import ImageOut
from easel.store import Store
from easel.store.schema import MIGRATIONS, _statements

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

DAY = 86400
OFFSET = 8 * 3600          # the default usage day: Beijing
T0 = 1_780_000_000.0


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (seed % 256, (seed // 256) % 256, 7)).save(buf, "PNG")
    return buf.getvalue()


def _image(store, *, provider="demo", prompt="p", endpoint="generations", at=T0, revised=None, seed=0):
    job = store.create_job(provider=provider, status="completed", prompt=prompt, endpoint=endpoint, created_at=at)
    row = store.add_image(job, 0, ImageOut(data=_png(seed), width=4, height=4, mime="image/png",
                                           revised_prompt=revised))
    store.query("UPDATE images SET created_at = ? WHERE id = ?", (at, row.id))   # stored at the job's time
    return job, row


def _direct(store, where="true", args=()) -> int:
    return store.query("SELECT COUNT(*) FROM images JOIN jobs ON jobs.id = images.job_id "
                       f"WHERE images.deleted = 0 AND {where}", args)[0][0]


def _check_counts(store) -> None:
    assert store.count_images() == _direct(store)
    assert store.image_providers() == [r[0] for r in store.query(
        "SELECT DISTINCT provider FROM images JOIN jobs ON jobs.id = images.job_id WHERE deleted = 0 ORDER BY 1")]
    for p in ("demo", "qcode", "gccai"):
        assert store.count_images(provider=p) == _direct(store, "jobs.provider = ?", (p,))
    assert store.count_images(origin="edit") == _direct(store, "jobs.endpoint = 'edits'")
    assert store.count_images(origin="generate") == _direct(store, "jobs.endpoint IS NOT 'edits'")
    day = int((T0 + OFFSET) // DAY) + 1
    assert store.count_images(days=(day, day + 1)) == _direct(
        store, "images.created_at >= ? AND images.created_at < ?", (day * DAY - OFFSET, (day + 2) * DAY - OFFSET))
    assert store.count_images(provider="qcode", origin="edit", days=(day, None)) == _direct(
        store, "jobs.provider = 'qcode' AND jobs.endpoint = 'edits' AND images.created_at >= ?", (day * DAY - OFFSET,))
    # The trigger-kept table holds no empty groups.
    assert store.query("SELECT COUNT(*) FROM gallery_counts WHERE n <= 0")[0][0] == 0


def test_gallery_counts_follow_inserts_soft_deletes_deletes_and_job_changes(store_path):
    store = Store(store_path)
    rng = random.Random(3)
    rows = []
    for i in range(120):
        _, row = _image(store, provider=rng.choice(["demo", "qcode", "gccai"]), endpoint=rng.choice(
            ["generations", "edits"]), at=T0 + rng.uniform(0, 4 * DAY), seed=i)
        rows.append(row)
    _check_counts(store)
    for row in rng.sample(rows, 30):
        assert store.delete_image(row.id)                       # soft delete
    _check_counts(store)
    victim = rows[0]
    store.query("UPDATE images SET deleted = 0 WHERE deleted = 1 AND id IN (?, ?, ?)",
                tuple(r.id for r in rows[:3]))                  # restored
    _check_counts(store)
    store.query("DELETE FROM images WHERE id IN (?, ?)", (rows[5].id, rows[6].id))   # hard delete
    _check_counts(store)
    store.update_job(victim.job_id, provider="qcode", endpoint="edits")             # a job relabelled
    _check_counts(store)
    assert store.image_origins() == ["generate", "edit"]
    for row in rows:
        store.delete_image(row.id)
    assert store.count_images() == 0 and store.image_providers() == [] and store.image_days() is None


def test_gallery_days_follow_the_usage_day_offset(store_path):
    store = Store(store_path)
    edge = 20_000 * DAY - OFFSET          # Beijing midnight starting day 20000
    _image(store, at=edge - 1, seed=1)
    _image(store, at=edge, seed=2)
    assert store.image_days() == (19_999, 20_000)
    assert store.count_images(days=(20_000, 20_000)) == 1
    usage.set_day_offset(store, 0)        # UTC days: both on day 19999
    assert store.image_days() == (19_999, 19_999)
    assert store.count_images(days=(19_999, 19_999)) == 2
    assert len(store.list_images(days=(19_999, 19_999))) == 2


PROMPTS = ["A watercolor fox in the snow", "一只在窗台上晒太阳的橘猫", "雨夜的上海外滩", "서울의 밤거리 네온사인",
           "고양이가 있는 아늑한 카페", 'logo: "Relax & Unwind" -- 100% *organic* (v2)', "an owl_at night"]


@pytest.mark.parametrize("query, expected", [
    ("fox", [0]), ("WATERCOLOR", [0]), ("wat", [0]), ("fox wat", [0]), ("snow fox", [0]),   # any order, prefix
    ("橘猫", [1]), ("猫", [1]), ("窗台上晒", [1]), ("上海外滩", [2]), ("上", [1, 2]),       # Chinese, 1–4 chars
    ("서울의", [3]), ("밤거리", [3]), ("고양이", [4]), ("카페", [4]),                       # Korean
    ('"Relax', [5]), ("100%", [5]), ("*organic*", [5]), ("--", [5]), ("(v2)", [5]), ("logo:", [5]),
    ("_at", [6]), ("%", [5]), ("_", [6]),                                                  # LIKE wildcards literal
    # '" OR "' is the terms '"' and 'OR', plain text: both are in prompt 5 ("organic").
    ('"', [5]), ('" OR "', [5]), ("NEAR(fox", []), ("fox -snow", []), ("AND", []), ("*", [5]),
    ("\\", []), ("a\\b%", []), ("x'); DROP TABLE images; --", []),                        # nothing to escape into
    ("revised", [0]),                                                                      # revised prompt too
])
def test_prompt_search_finds_english_chinese_korean_and_takes_any_character(store_path, query, expected):
    store = Store(store_path)
    ids = [_image(store, prompt=p, at=T0 + i, seed=i, revised="a revised text" if i == 0 else None)[1].id
           for i, p in enumerate(PROMPTS)]
    found = sorted(r.id for r in store.list_images(text=query))
    assert found == sorted(ids[i] for i in expected)
    assert store.count_images(text=query) == len(expected)


def test_search_skips_deleted_images_and_follows_a_changed_prompt(store_path, engine):
    store = Store(store_path)
    job, row = _image(store, prompt="a lighthouse in a storm")
    _, other = _image(store, prompt="a lighthouse at dawn", seed=2)
    store.delete_image(other.id)
    assert [r.id for r in store.list_images(text="lighthouse")] == [row.id]
    store.update_job(job, prompt="a harbour at noon")
    assert store.list_images(text="lighthouse") == [] and [r.id for r in store.list_images(text="harbour")] == [row.id]
    store.query("DELETE FROM images WHERE id = ?", (other.id,))
    assert [r[0] for r in store.query("SELECT id FROM gallery_text")] == [row.id]
    if engine == "sqlite":      # PostgreSQL indexes gallery_text itself (pg_trgm): there is no second copy
        # The external-content index agrees with its text table after every change above.
        store.query("INSERT INTO gallery_fts (gallery_fts, rank) VALUES ('integrity-check', 1)")


def test_gallery_keyset_pages_return_every_image_once(store_path):
    store = Store(store_path)
    # Many images share a timestamp (a job's n results are stored within a millisecond): the cursor's id breaks ties.
    want = [_image(store, at=T0 + (i // 7), seed=i, provider="demo" if i % 3 else "qcode")[1].id for i in range(100)]
    for filters in ({}, {"provider": "demo"}):
        seen, cursor = [], None
        while True:
            page = store.list_images(limit=9, before=cursor, **filters)
            seen += [r.id for r in page]
            if len(page) < 9:
                break
            cursor = (page[-1].created_at, page[-1].id)
        expected = [r.id for r in store.list_images(limit=1000, **filters)]
        assert seen == expected and len(set(seen)) == len(seen)
        assert sorted(seen) == sorted(i for i in want if filters == {} or
                                      store.get_image(i).provider == filters["provider"])


def test_request_table_keyset_pages_return_every_request_once(store_path):
    store = Store(store_path)
    now = T0 + 5 * DAY
    for i in range(137):
        store.create_job(provider="qcode" if i % 4 else "gccai", status="completed", prompt=f"p{i}",
                         created_at=now - 3600 - (i // 10))        # ties of ten on created_at
    f = usage.Filters(start=date(2020, 1, 1), end=date(2030, 1, 1))
    for filters in (f, usage.Filters(start=f.start, end=f.end, providers=("gccai",))):
        seen, before, pages = [], None, 0
        while True:
            frame = usage.requests_page(store, filters, before=before, page_size=20, now=now)
            seen += list(frame["id"])
            pages += 1
            before = frame.attrs["next_before"]
            if before is None:
                break
        total = usage.count_requests(store, filters, now=now)
        assert len(seen) == len(set(seen)) == total and pages == -(-total // 20)
    assert total == 35


def _old_top(store, f, limit=20):
    """The previous query: every prompt of the range summed, ordered by requests then prompt id."""
    where, args = f.where(statuses=False)
    return store.query(f"SELECT prompt_id, SUM(requests) FROM usage_prompt_daily{where} GROUP BY prompt_id "
                       "ORDER BY 2 DESC, 1 LIMIT ?", [*args, limit])


def test_top_prompts_equal_a_full_group_by(store_path):
    store = Store(store_path)
    rng = random.Random(7)
    now = T0 + 40 * DAY
    rows = []
    for i in range(1500):
        # A few popular prompts, many repeated a little, most asked once; their popularity moves over time.
        r = rng.random()
        prompt = (f"popular {rng.randrange(8)}" if r < 0.3 else f"sometimes {rng.randrange(200)}" if r < 0.6
                  else f"once {i}")
        rows.append(dict(provider=rng.choice(["qcode", "gccai", "icodeeasy"]), prompt=prompt,
                         status=rng.choice(["completed", "completed", "failed"]),
                         created_at=now - rng.uniform(0, 35 * DAY) * (0.3 if "popular 1" in prompt else 1)))
    for r in rows:
        store.create_job(**r)
    end = usage.usage_today(store, now)
    from datetime import timedelta
    cases = [usage.Filters(end - timedelta(days=d), end, providers=p) for d in (0, 2, 9, 29)
             for p in ((), ("gccai",))]
    for f in cases:
        top = usage.top_prompts(store, f, now=now)
        old = _old_top(store, f)
        texts = dict(store.query("SELECT id, prompt FROM usage_prompts"))
        repeated = [(texts[pid], n) for pid, n in old if n >= 2]
        # Exact for every prompt asked twice or more in the range, in the same order; the rest asked once.
        assert list(zip(top["prompt"], top["requests"]))[:len(repeated)] == repeated
        assert list(top["requests"]) == [n for _, n in old]
        brute = Counter(r["prompt"] for r in rows if f.providers in ((), (r["provider"],))
                        and usage.day_of(r["created_at"], OFFSET) >= usage.day_number(f.start))
        assert all(brute[p] == n for p, n in zip(top["prompt"], top["requests"]))
    # Deleting a prompt's every request takes it out of the all-time counts too; a rebuild (its triggers off)
    # and a new day offset sum them again.
    mismatched = ("SELECT COUNT(*) FROM usage_prompts p WHERE requests != (SELECT COALESCE(SUM(requests), 0) "
                  "FROM usage_prompt_daily d WHERE d.prompt_id = p.id)")
    store.query("DELETE FROM jobs WHERE prompt = 'popular 3'")
    assert store.query("SELECT requests FROM usage_prompts WHERE prompt = 'popular 3'")[0][0] == 0
    assert store.query(mismatched)[0][0] == 0
    before = dict(store.query("SELECT prompt, requests FROM usage_prompts"))
    usage.rebuild_rollups(store)
    usage.set_day_offset(store, 0)
    assert dict(store.query("SELECT prompt, requests FROM usage_prompts")) == before
    assert store.query(mismatched)[0][0] == 0 and before["popular 1"] == sum(r["prompt"] == "popular 1" for r in rows)


@pytest.mark.sqlite_only
def test_migrations_bring_a_version_2_file_forward_with_backfill(store_path):
    conn = sqlite3.connect(store_path, isolation_level=None)
    conn.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                 "applied_at REAL NOT NULL)")
    for version, name, sql in MIGRATIONS[:2]:
        for statement in (sql if isinstance(sql, tuple) else _statements(sql)):
            conn.execute(statement)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?, 0)", (version, name))
    for i, (prompt, provider, endpoint, deleted) in enumerate([
            ("a red fox", "qcode", "generations", 0), ("橘猫的照片", "gccai", "edits", 0),
            ("a red fox", "qcode", "generations", 1), ("서울의 밤", "demo", "generations", 0)]):
        conn.execute("INSERT INTO jobs (id, created_at, updated_at, provider, status, prompt, endpoint) "
                     "VALUES (?, ?, ?, ?, 'completed', ?, ?)", (f"j{i}", T0 + i, T0 + i, provider, prompt, endpoint))
        conn.execute("INSERT INTO images (job_id, idx, sha256, path, created_at, deleted) VALUES (?, 0, ?, ?, ?, ?)",
                     (f"j{i}", f"sha{i}", f"images/{i}.png", T0 + i, deleted))
    conn.close()

    store = Store(store_path)
    assert store.schema_version == MIGRATIONS[-1][0]      # every migration ran, the gallery ones included
    assert store.count_images() == 3 and store.image_providers() == ["demo", "gccai", "qcode"]
    assert store.image_origins() == ["generate", "edit"] and store.count_images(origin="edit") == 1
    assert [r.job_id for r in store.list_images(text="fox")] == ["j0"]              # the deleted one hidden
    assert [r.job_id for r in store.list_images(text="橘猫")] == ["j1"]
    assert [r.job_id for r in store.list_images(text="서울의")] == ["j3"]
    assert dict(store.query("SELECT prompt, requests FROM usage_prompts")) == {"a red fox": 2, "橘猫的照片": 1,
                                                                              "서울의 밤": 1}
    # New rows after the migration are kept by the triggers.
    _image(store, provider="openai", prompt="a red fox again", at=T0 + 10, seed=9)
    assert store.count_images() == 4 and [r.job_id for r in store.list_images(text="fox")][1] == "j0"


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "scale.db"
