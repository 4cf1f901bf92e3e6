"""Batch files into rows, and rows into validated requests: text lines, CSV columns, bad values named by the
rule the same validation path as a single generation names."""

from __future__ import annotations

import pytest

from easel.batch import parse_csv, parse_file, parse_text, plan_batch
from easel.compare.targets import demo_target
from easel.core.errors import ValidationError
from easel.store import Store

SIM = "http://127.0.0.1:9"       # never contacted: planning sends nothing


def test_text_is_one_prompt_per_line_blank_lines_skipped_and_rows_numbered_in_order():
    rows = parse_text("a red fox\n\n  a blue whale  \r\n一只橘猫\n".encode("utf-8"))
    assert [(r.row, r.prompt, r.values) for r in rows] == [(1, "a red fox", {}), (2, "a blue whale", {}),
                                                           (3, "一只橘猫", {})]


def test_csv_reads_prompt_and_parameter_columns_case_insensitively_with_a_bom():
    data = "\ufeffPrompt, Size ,quality,n,provider,output_format\n" \
           "a fox,1536x1024,high,2,demo:qcode,\n" \
           "\"a whale, at dusk\",,,,,webp\n"
    rows = parse_csv(data.encode("utf-8"))
    assert [(r.row, r.prompt, r.values) for r in rows] == [
        (1, "a fox", {"size": "1536x1024", "quality": "high", "n": 2, "provider": "demo:qcode"}),
        (2, "a whale, at dusk", {"output_format": "webp"})]


def test_csv_without_a_prompt_column_or_with_an_unknown_column_stops_with_the_rule():
    with pytest.raises(ValidationError) as e:
        parse_csv(b"text,size\na fox,1024x1024\n")
    assert e.value.code == "prompt_column_missing"
    with pytest.raises(ValidationError) as e:
        parse_csv(b"prompt,qualty\na fox,high\n")
    assert e.value.code == "unknown_column" and "'qualty'" in e.value.message


def test_empty_and_non_utf8_files_are_refused():
    with pytest.raises(ValidationError) as e:
        parse_text(b"\n  \n")
    assert e.value.code == "batch_empty"
    with pytest.raises(ValidationError) as e:
        parse_text("café".encode("latin-1"))
    assert e.value.code == "not_utf8"


def test_the_extension_picks_the_reader():
    assert [r.prompt for r in parse_file("p.txt", b"prompt,size\n")] == ["prompt,size"]
    assert [r.prompt for r in parse_file("P.CSV", b"prompt,size\nfox,auto\n")] == ["fox"]


def test_bad_values_become_invalid_rows_named_by_their_rule(easel_data_dir):
    rows = parse_csv(b"prompt,size,quality,n,output_format\n"
                     b"ok,1024x1024,low,1,\n"
                     b"bad size,800x600,,,\n"
                     b"bad quality,,ultra,,\n"
                     b"bad n,,,two,\n"
                     b",1024x1024,,,\n"
                     b"too many,,,11,\n"
                     b"bad format,,,,gif\n")
    default = demo_target("demo:qcode", SIM)
    plan = plan_batch(Store(), rows, default, lambda name: demo_target(name, SIM))
    assert [(r.row, r.rule) for r in plan.rows] == [
        (1, None), (2, "unsupported_size"), (3, "unsupported_quality"), (4, "n_not_a_number"),
        (5, "prompt_required"), (6, "n_out_of_range"), (7, "unsupported_option")]
    assert plan.invalid[0].problem.message.startswith("QCode")     # the provider's own rule, as a single request
    # Only the valid row is priced: QCode's table, low 1024x1024 = USD 0.08.
    assert plan.totals() == {"USD": 0.08} and len(plan.valid) == 1


def test_a_row_naming_another_provider_starts_from_that_providers_defaults(easel_data_dir):
    rows = parse_csv(b"prompt,provider,size\nfox,,1536x1024\nwhale,demo,1536x1024\n")
    default = demo_target("demo:qcode", SIM)
    plan = plan_batch(Store(), rows, default, lambda name: demo_target(name, SIM),
                      defaults={"quality": "high", "n": 1})
    a, b = plan.rows
    assert (a.target_name, a.request.quality, a.request.size) == ("demo:qcode", "high", "1536x1024")
    assert (b.target_name, b.target.profile.id, b.request.size) == ("demo", "demo", "1536x1024")
    assert b.request.quality == "medium"          # the Demo's default, not the form's "high"
    # Two units: QCode's USD and the Demo's USD tokens sum in USD; one unit is not converted.
    assert set(plan.totals()) == {"USD"}
    assert plan.total().amount == pytest.approx(a.estimate.amount + b.estimate.amount)


def test_an_unknown_provider_cell_invalidates_only_its_row(easel_data_dir):
    rows = parse_csv(b"prompt,provider\nfox,\nwhale,demo:nowhere\n")
    default = demo_target("demo", SIM)
    plan = plan_batch(Store(), rows, default, lambda name: demo_target(name, SIM))
    assert [(r.row, r.rule) for r in plan.rows] == [(1, None), (2, "unknown_provider")]


def test_an_async_column_asks_for_a_task_where_the_provider_has_them_and_names_the_rule_where_not(easel_data_dir):
    rows = parse_csv(b"prompt,provider,async\nfox,demo:icodeeasy,yes\nowl,demo:icodeeasy,no\nwhale,demo,true\n"
                     b"cat,demo,maybe\n")
    assert [r.values.get("async") for r in rows] == [True, False, True, "maybe"]
    plan = plan_batch(Store(), rows, demo_target("demo", SIM), lambda name: demo_target(name, SIM))
    assert [(r.row, r.rule) for r in plan.rows] == [(1, None), (2, None), (3, "async_not_supported"),
                                                   (4, "async_not_a_boolean")]
    assert [plan.rows[0].request.async_, plan.rows[1].request.async_] == [True, False]
