"""`easel usage --reconcile` and the CSV's three cost columns, from a log the CLI itself wrote via the simulator."""

from __future__ import annotations

import csv
import io
import json

from test_cli import easel, env  # noqa: F401 - env is a fixture


def _generate(env, prompt: str) -> None:
    proc = easel(env, "generate", "--provider", "demo", "--prompt", prompt, "--size", "1024x1024", "--quality", "low")
    assert proc.returncode == 0, proc.stderr


def test_reconcile_json_lists_the_overbilled_row_and_the_totals(env, sim):
    _generate(env, "a red fox")                                   # faithful: 3 text + 272 output tokens
    sim.set_faults([{"kind": "overbill", "provider": "demo", "times": 1}])
    _generate(env, "a red fox")                                   # 544 output tokens reported

    proc = easel(env, "usage", "--reconcile", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["tolerance"] == {"relative": 0.01, "absolute": 0.0001}
    assert out["include_simulated"] is True             # only Demo usage in the log: shown, as on the page
    [total] = out["totals"]
    assert (total["provider"], total["currency"], total["requests"]) == ("demo", "USD", 2)
    assert total["reported"] == round((15 + 272 * 40 + 15 + 544 * 40) / 1e6, 6)
    assert total["formula"] == round(2 * (15 + 272 * 40) / 1e6, 6)
    assert (total["reported_n"], total["formula_n"], total["billed_failed"]) == (2, 2, 0)
    [row] = out["flagged"]
    assert row["reason"] == "reported USD 0.02177 > formula USD 0.0109 (+100%)"
    assert row["reference_kind"] == "formula" and out["billed_but_failed"] == [] and out["agrees"] is False

    # A tolerance wider than the gap: nothing differs.
    wide = json.loads(easel(env, "usage", "--reconcile", "--json", "--tolerance", "150").stdout)
    assert wide["flagged"] == [] and wide["agrees"] is True

    text = easel(env, "usage", "--reconcile")
    assert text.returncode == 0
    assert "Differs beyond tolerance: 1" in text.stdout and "reported USD 0.02177 > formula USD 0.0109" in text.stdout
    assert "Billed but failed: 0" in text.stdout

    hidden = json.loads(easel(env, "usage", "--reconcile", "--json", "--exclude-simulated").stdout)
    assert (hidden["totals"], hidden["flagged"], hidden["include_simulated"]) == ([], [], False)

    refused = easel(env, "usage", "--reconcile", "--csv")
    assert refused.returncode == 2 and "--reconcile prints a report" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_csv_has_the_three_cost_columns_after_the_old_ones(env, sim):
    sim.set_faults([{"kind": "overbill", "provider": "demo", "times": 1}])
    _generate(env, "a red fox")
    proc = easel(env, "usage", "--csv")
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout)))
    header = proc.stdout.splitlines()[0].split(",")
    # The three cost columns follow the old ones; `owner` (issue 20) comes after them, last.
    assert header[-4:] == ["cost_estimate", "cost_reported", "cost_formula", "owner"]
    assert header[:19] == ["created_at", "provider", "model", "endpoint", "mode", "size", "resolution", "quality", "n",
                           "status", "error_code", "latency_s", "cost_estimated", "cost_actual", "currency", "task_id",
                           "key_fingerprint", "simulated", "job_id"]
    [row] = rows
    assert row["cost_estimate"] == row["cost_estimated"] != ""
    assert float(row["cost_reported"]) == round((15 + 544 * 40) / 1e6, 6)
    assert float(row["cost_formula"]) == round((15 + 272 * 40) / 1e6, 6)
    assert row["cost_actual"] == row["cost_reported"]          # the usage page still bills what was reported
