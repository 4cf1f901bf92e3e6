"""Issue 7 §1, app level: the Generate page (the real app.py + pages/generate.py under AppTest, its JobService
threads, the real simulator over loopback HTTP, a real SQLite file) under each injected fault.

Each case: the user sees one st.error naming the provider's code (in the box, or in the small caption right under
it, as components/errors_view.show_error draws it), no exception element, the usage log keeps the failure at cost 0,
and the page keeps working: the next request, with the fault gone, succeeds.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from components import md_escape
from easel.providers import catalog
from easel.providers.catalog import PollSchedule
from easel.simulator.routes import prefix_for

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")

FAST = PollSchedule(first_delay_s=0.05, interval_s=0.1, max_interval_s=0.2, deadline_s=1.5)


def _configure(monkeypatch, sim, pid: str, **profile_changes) -> str:
    """A real provider pointed at the simulator through the environment, with a fake key."""
    if profile_changes:
        monkeypatch.setitem(catalog.BUILTIN, pid, replace(catalog.BUILTIN[pid], **profile_changes))
    env = catalog.BUILTIN[pid].env_id
    key = f"sk-test-faults-ui-{pid}"
    monkeypatch.setenv(f"EASEL_{env}_BASE_URL", sim.url + prefix_for(pid))
    monkeypatch.setenv(f"EASEL_{env}_API_KEY", key)
    return key


def _pick(at, pid: str):
    at.run()
    at.sidebar.selectbox(key="easel.provider").set_value(pid).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["easel.provider_session"].ready
    return at


def _errors_with_codes(at) -> list[str]:
    """Each st.error's text, joined with the caption right after it in the same block (show_error's code line)."""
    out: list[str] = []

    def walk(node):
        children = list(getattr(node, "children", {}).values())
        for i, child in enumerate(children):
            if getattr(child, "type", None) == "error":
                after = children[i + 1] if i + 1 < len(children) else None
                code = after.value if getattr(after, "type", None) == "caption" else ""
                out.append(f"{child.value}\n{code}".rstrip())
            walk(child)

    walk(at._tree)
    return out


def _generate(at, jobs, prompt: str, *, timeout: float = 30):
    at.text_area(key="gen.prompt").input(prompt).run()
    at.button(key="gen.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [job_id] = at.session_state["easel.last_job.generate"]
    jobs.wait(job_id, timeout)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return jobs.store.get_job(job_id)


# provider, fault rules, code shown and logged, extra text the message must carry, profile changes
CASES = [
    ("qcode", [{"kind": "http_429_rate", "retry_after": 0.1}], "rate_limit_error", "HTTP 429", {}),
    ("qcode", [{"kind": "http_429_daily"}], "image_daily_limit", "daily image cap", {}),
    ("qcode", [{"kind": "http_500"}], "server_error", "HTTP 500", {}),
    ("qcode", [{"kind": "http_503"}], "service_overloaded", "HTTP 503", {}),
    ("qcode", [{"kind": "http_524"}], "cdn_timeout_524", "HTTP 524", {}),
    ("qcode", [{"kind": "http_402"}], "payment_required", "HTTP 402", {}),
    ("qcode", [{"kind": "http_401"}], "invalid_api_key", "HTTP 401", {}),
    ("qcode", [{"kind": "drop", "endpoint": "submit"}], "connection_error", "after 3 attempts", {}),
    ("openai-hk", [{"kind": "slow", "delay": 1.2, "endpoint": "submit"}], "timeout", "timed out",
     {"request_timeout_s": 0.3}),
    ("qcode", [{"kind": "malformed_json", "endpoint": "submit"}], "malformed_json", "not JSON", {}),
    ("qcode", [{"kind": "bomb"}], "decompression_bomb", "safety cap", {}),
    ("icodeeasy", [{"kind": "result_404", "endpoint": "file"}], "download_http_404", "HTTP 404", {}),
    ("gccai", [{"kind": "task_fail"}], "task_failed", "failed", {"poll": FAST}),
    ("gccai", [{"kind": "task_stuck"}], "task_timed_out", "did not finish", {"poll": FAST}),
]


@pytest.mark.parametrize("pid,rules,code,text,changes", CASES, ids=[c[2] for c in CASES])
def test_a_fault_is_a_message_with_its_code_and_the_page_keeps_working(app, sim, monkeypatch, jobs_for_test,
                                                                        pid, rules, code, text, changes):
    _configure(monkeypatch, sim, pid, **changes)
    at = _pick(app, pid)
    sim.set_faults(rules)
    job = _generate(at, jobs_for_test, f"a fault case {code}")

    assert job.status in ("failed", "timed_out") and job.error_code == code, (job.status, job.error_message)
    assert job.cost_actual in ((None,) if job.status == "timed_out" else (0,))
    assert job.currency == catalog.BUILTIN[pid].currency
    errors = _errors_with_codes(at)
    assert len(errors) == 1 and len(at.error) == 1, errors
    assert md_escape(code) in errors[0] and md_escape(text) in errors[0], errors[0]
    assert not at.exception
    assert len(at.image) == 0

    # The fault is gone: the same page, the same session, the next request succeeds.
    sim.set_faults([])
    ok = _generate(at, jobs_for_test, "after the fault, a calm sea")
    assert ok.status == "completed", ok.error_message
    assert ok.cost_actual is not None and ok.cost_actual > 0
    assert [e.value for e in at.error] == []
    assert len(at.image) == 1
    assert any(t.value.startswith("after the fault, a calm sea") for t in at.text)
    # The usage log holds both requests, once each.
    assert sorted(j.status for j in jobs_for_test.store.list_jobs(limit=10)) == sorted([job.status, "completed"])
