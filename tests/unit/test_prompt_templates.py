"""Prompt templates: parsing, escapes, values split by line or `|`, the cross product, and the messages."""

from __future__ import annotations

import pytest

from easel.prompts.templates import MAX_EXPANSION, TemplateError, expand, is_template, parse, split_values


def test_variables_in_order_of_first_use_and_repeats_once():
    assert parse("a {animal} in {style} style, {animal} again").names == ("animal", "style")


def test_cross_product_first_variable_slowest():
    out = expand("a {animal} in {style} style", {"animal": ["fox", "owl"], "style": "ink\nclay | pixel"})
    assert out == ["a fox in ink style", "a fox in clay style", "a fox in pixel style",
                   "a owl in ink style", "a owl in clay style", "a owl in pixel style"]


def test_doubled_braces_are_literal_and_not_variables():
    assert parse("json {{\"k\": {v}}}").names == ("v",)
    assert expand("json {{\"k\": {v}}}", {"v": "1"}) == ['json {"k": 1}']
    assert expand("plain {{x}}", {}) == ["plain {x}"]
    assert not is_template("plain {{x}}") and is_template("a {x}")


def test_missing_values_name_the_variable():
    with pytest.raises(TemplateError) as e:
        expand("a {animal} in {style} style", {"animal": "fox", "style": " \n | "})
    assert e.value.code == "template_missing_value"
    assert e.value.message == "No value for {style}: type at least one value for 'style'."


@pytest.mark.parametrize("text", [
    "a {animal", "a } b", "a {} b", "a {1x} b",
    '{"subject": "a red fox", "style": "ink wash", "size": {"w": 1024}}',
])
def test_braces_that_are_not_a_variable_stay_text_so_json_prompts_go_as_typed(text):
    # No variable: Generate and Edit send the prompt exactly as typed (components/template_batch.py).
    assert parse(text).names == () and not is_template(text)


def test_a_variable_beside_json_braces_is_still_a_variable():
    assert expand('{"subject": "{animal}"}', {"animal": "fox|owl"}) == ['{"subject": "fox"}', '{"subject": "owl"}']


def test_non_latin_variable_names():
    assert expand("一只{动物}", {"动物": "猫|狗"}) == ["一只猫", "一只狗"]


def test_values_split_by_line_or_bar_blanks_and_repeats_dropped():
    assert split_values("cat | dog\n\n bird \ncat") == ["cat", "dog", "bird"]


def test_too_many_combinations_refused_before_expanding():
    with pytest.raises(TemplateError) as e:
        expand("{a} {b}", {"a": [str(i) for i in range(11)], "b": [str(i) for i in range(10)]})
    assert e.value.code == "template_too_many"
    assert e.value.message == f"11 × 10 values make 110 prompts; one batch is at most {MAX_EXPANSION}."
