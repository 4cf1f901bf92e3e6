"""gccai's poll requests: at most POLL_BATCH_LIMIT ids a batch POST, a lone id as a GET."""

from __future__ import annotations

import json

from easel.providers.catalog import get_profile
from easel.providers.dialects import gccai


def test_150_ids_go_as_two_batch_posts_of_100_and_50():
    profile = get_profile("gccai")
    ids = [f"task_{i:03d}" for i in range(150)]
    first, second = gccai.build_poll(profile, ids, profile.base_url)
    assert gccai.POLL_BATCH_LIMIT == 100
    assert [(r.method, str(r.url)) for r in (first, second)] == [
        ("POST", "https://gccai.heqingsong.uk/v1/tasks/batch")] * 2
    assert json.loads(first.content) == {"task_ids": ids[:100]}
    assert json.loads(second.content) == {"task_ids": ids[100:]}


def test_a_smaller_batch_limit_splits_further_and_a_lone_remainder_is_a_get():
    profile = get_profile("gccai")
    ids = ["task_a", "task_b", "task_c", "task_d", "task_e"]
    requests = gccai.build_poll(profile, ids, profile.base_url, batch_limit=2)
    assert [(r.method, r.url.path) for r in requests] == [
        ("POST", "/v1/tasks/batch"), ("POST", "/v1/tasks/batch"), ("GET", "/v1/tasks/task_e")]
    assert [json.loads(r.content)["task_ids"] for r in requests[:2]] == [["task_a", "task_b"], ["task_c", "task_d"]]


def test_no_ids_no_requests():
    profile = get_profile("gccai")
    assert gccai.build_poll(profile, [], profile.base_url) == []
