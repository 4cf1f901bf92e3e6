"""`easel usage`: Demo spend is left out once real usage exists, as on the Usage page, and the report has --json."""

from __future__ import annotations

import json

import pytest

from test_cli import easel, env, one_json  # noqa: F401 - env is a fixture


def _usage_json(env, *args) -> dict:
    proc = easel(env, "usage", "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_usage_counts_demo_alone_then_leaves_it_out_once_real_usage_exists(env, sim):
    demo = one_json(easel(env, "generate", "--provider", "demo", "--prompt", "a fox", "--json"))
    demo_usd = demo["cost"]["actual"]
    assert demo_usd > 0

    # Only Demo usage in the log: shown (and labelled), as the page does.
    only_demo = _usage_json(env)
    assert only_demo["include_simulated"] is True and only_demo["hidden_simulated_requests"] == 0
    assert only_demo["simulated_requests"] == 1
    assert only_demo["metrics"]["spend"]["amounts"] == {"USD": pytest.approx(demo_usd)}
    assert only_demo["metrics"]["spend"]["simulated_amounts"] == {"USD": pytest.approx(demo_usd)}
    text = easel(env, "usage")
    assert "Includes simulated Demo requests" in text.stdout

    # A real request (QCode's key, even on the simulator's address, is not the Demo): Demo is now left out.
    assert easel(env, "generate", "--provider", "qcode", "--prompt", "real", "--quality", "low").returncode == 0
    real = _usage_json(env)
    assert real["include_simulated"] is False and real["hidden_simulated_requests"] == 1
    assert real["metrics"]["spend"]["amounts"] == {"USD": pytest.approx(0.08)}      # qcode.txt: the $0.08 floor
    assert real["metrics"]["requests"]["value"] == 1 and real["metrics"]["images"]["value"] == 1
    text = easel(env, "usage")
    assert text.returncode == 0 and "1 simulated Demo request left out (never charged)" in text.stdout

    both = _usage_json(env, "--include-simulated")
    assert both["include_simulated"] is True and both["hidden_simulated_requests"] == 0
    assert both["metrics"]["spend"]["amounts"] == {"USD": pytest.approx(0.08 + demo_usd)}
    assert both["metrics"]["requests"]["value"] == 2

    # The same rule the page applies, from the same function.
    from easel import usage
    from easel.store import Store

    assert usage.has_real_usage(Store()) is True
    explicit = _usage_json(env, "--exclude-simulated", "--provider", "demo")
    assert explicit["metrics"]["requests"]["value"] == 0 and explicit["hidden_simulated_requests"] == 1


def test_usage_json_has_every_kpi_of_the_page_by_key(env, sim):
    assert easel(env, "generate", "--provider", "qcode", "--prompt", "one", "--quality", "low").returncode == 0
    sim.set_faults([{"kind": "http_429_daily", "provider": "qcode", "times": 1}])
    assert easel(env, "generate", "--provider", "qcode", "--prompt", "capped").returncode == 1
    out = _usage_json(env, "--provider", "qcode")
    assert set(out["metrics"]) == {"today", "week", "month", "spend", "requests", "images", "cost_per_image",
                                   "success_rate", "median_latency"}
    assert out["metrics"]["success_rate"]["value"] == pytest.approx(0.5)
    assert out["metrics"]["success_rate"]["text"] == "50.0%"
    assert out["metrics"]["requests"]["value"] == 2 and out["currency"] == "CNY"
    assert out["range"]["end"] >= out["range"]["start"]


def test_usage_names_who_made_each_request_and_a_named_person_reads_her_own(env):
    """Issue 20: the CSV's last column is the owner; with EASEL_USER the report and the CSV are that person's rows
    only, and --json says whose they are."""
    import csv
    import io

    from easel.store import Store

    store = Store()          # the data directory the CLI reads (tests/conftest.py sets EASEL_DATA_DIR)
    for owner, amount in (("ana@example.com", 0.25), ("ana@example.com", 0.5), ("ben@example.com", 2.0), ("", 1.0)):
        jid = store.create_job(provider="qcode", status="completed", cost_estimated=amount, currency="USD")
        store.update_job(jid, cost_actual=amount)
        with store._write() as conn:
            conn.execute("UPDATE jobs SET owner = ? WHERE id = ?", (owner, jid))
    store.close()

    everyone = list(csv.DictReader(io.StringIO(easel(env, "usage", "--csv").stdout)))
    assert sorted(r["owner"] for r in everyone) == ["", "ana@example.com", "ana@example.com", "ben@example.com"]
    assert _usage_json(env)["owner"] is None and _usage_json(env)["metrics"]["requests"]["value"] == 4

    ana = {**env, "EASEL_USER": "ana@example.com"}
    mine = list(csv.DictReader(io.StringIO(easel(ana, "usage", "--csv").stdout)))
    assert [(r["owner"], float(r["cost_actual"])) for r in mine] == [("ana@example.com", 0.25), ("ana@example.com", 0.5)]
    report = _usage_json(ana)
    assert report["owner"] == "ana@example.com" and report["metrics"]["requests"]["value"] == 2
    assert report["metrics"]["spend"]["amounts"] == {"USD": 0.75}
