"""`easel scorecard` as a user runs it: a subprocess, real HTTP to the simulator, a real SQLite log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from easel.simulator.routes import prefix_for

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(sim):
    e = dict(os.environ)
    e.update({"EASEL_SIMULATOR_URL": sim.url,
              "EASEL_QCODE_BASE_URL": sim.url + prefix_for("qcode"), "EASEL_QCODE_API_KEY": "cr-test-cli-key"})
    return e


def easel(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "easel.cli", "scorecard", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL)


def test_demo_json_has_provider_and_every_check_with_expected_and_got(env):
    proc = easel(env, "--provider", "demo", "--checks", "n,errors,latency", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["provider"] == "demo"
    assert [{k: c[k] for k in ("name", "status", "expected", "got")} for c in out["checks"]] == [
        {"name": "n", "status": "pass", "expected": "2 images for n=2", "got": "2 images"},
        {"name": "errors", "status": "pass", "expected": "size=1000x1000 → HTTP 400", "got": "HTTP 400 invalid_size"},
        {"name": "latency", "status": "n/a", "expected": "", "got": ""},
    ]
    assert out["checks"][2]["why"] == "OpenAI's spec has no latency table"
    assert out["summary"] == {"pass": 2, "fail": 0, "n/a": 1}
    assert out["cost_estimate"] == {"amount": 0.0, "currency": "USD", "basis": "simulated: free"}
    assert "free (simulated)" in proc.stderr


def test_a_failing_check_exits_1_with_its_evidence(env, sim):
    sim.set_faults([{"kind": "wrong_size"}])
    proc = easel(env, "--provider", "demo", "--checks", "sizes")
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("FAIL sizes")
    assert "got 10 of 10 wrong: 1024x1024 → 512x512;" in proc.stdout
    assert proc.stdout.splitlines()[-1].startswith("0 pass, 1 fail, 0 n/a · run ")


def test_a_paid_provider_without_a_terminal_or_yes_is_refused_and_nothing_is_sent(env, sim):
    proc = easel(env, "--provider", "qcode", "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "QCode: 13 probe requests for 10 checks; estimated total USD 1.171" in proc.stderr
    assert ("Error: the scorecard spends real money on a paid provider and needs your agreement: pass --yes, or run "
            "it in a terminal to be asked.") in proc.stderr
    assert sim.state.requests("/qcode/") == []


def test_a_paid_provider_with_yes_runs_after_showing_the_cost(env, sim):
    proc = easel(env, "--provider", "qcode", "--checks", "errors,revised_prompt", "--yes", "--json")
    assert proc.returncode == 0, proc.stderr
    assert "estimated total USD 0.16" in proc.stderr          # the n probe: 2 × $0.08 floor; the 422 costs 0
    out = json.loads(proc.stdout)
    assert [(c["name"], c["status"], c["got"]) for c in out["checks"]][0] == (
        "errors", "pass", "HTTP 422 unsupported_size")
    assert len(sim.state.requests("/qcode/")) == 2


def test_an_unknown_check_is_a_usage_error(env):
    proc = easel(env, "--provider", "demo", "--checks", "speed")
    assert proc.returncode == 2
    assert proc.stderr.strip().endswith("Known: sizes, n, output_format, output_compression, background, mask, errors, "
                                        "cost, revised_prompt, latency. [unknown_check]")


def test_a_named_users_daily_budget_refuses_a_suite_that_would_cross_it_before_any_probe(env, sim, easel_data_dir):
    from easel.core.models import Money
    from easel.store import Store
    from easel.usage import person_budgets

    store = Store()
    person_budgets.set_person_budget(store, "ben@example.com", Money(0.10, "USD"))
    store.close()
    proc = easel({**env, "EASEL_USER": "ben@example.com", "EASEL_DATA_DIR": str(easel_data_dir)},
                 "--provider", "qcode", "--checks", "errors,revised_prompt", "--yes", "--json")
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert ("Over your daily budget: this request (≈ USD 0.16) would take your spend today from USD 0.00 to "
            "USD 0.16, over the USD 0.10 your admin set. [person_daily_budget]") in proc.stderr
    assert sim.state.requests("/qcode/") == []
