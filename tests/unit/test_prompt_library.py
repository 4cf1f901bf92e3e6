"""The prompt library's store and JSON exchange: validation by entry index and rule, duplicates renamed or
skipped, export → import round trip, and the shipped starter library."""

from __future__ import annotations

import json

import pytest

from easel.core.errors import ValidationError
from easel.prompts import exchange
from easel.store import Store
from easel.store import prompt_library as lib

# Every test here runs on SQLite and on PostgreSQL (tests/conftest.py, engine).
pytestmark = pytest.mark.usefixtures("engine")


@pytest.fixture
def store(easel_data_dir):
    s = Store()
    yield s
    s.close()


def _doc(*prompts, **top) -> str:
    return json.dumps({"format": "easel-prompt-library", "version": 1, "prompts": list(prompts), **top})


def test_bad_entries_are_reported_by_index_and_rule_and_good_ones_imported(store):
    text = _doc({"title": "Fox", "prompt": "a {animal}", "tags": ["x"], "settings": {"size": "1024x1024"}},
                {"title": "", "prompt": "p"},
                {"title": "", "prompt": "p"},
                {"title": "T", "prompt": "p", "settings": {"seed": "1"}},
                "not an object",
                {"title": "Tags", "prompt": "p", "tags": "one"})
    report = exchange.import_library(store, text)
    assert report.added == ["Fox"]
    assert [str(p) for p in report.problems] == [
        "Entry 2: the title is missing or empty (rule title_required)",
        "Entry 3: the title is missing or empty (rule title_required)",
        "Entry 4: unknown setting seed; allowed: size, quality, provider (rule unknown_setting)",
        "Entry 5: an entry must be an object with a title and a prompt (rule entry_not_object)",
        "Entry 6: tags must be a list of strings (rule tags_not_strings)",
    ]
    saved = lib.get_by_title(store, "Fox")
    assert (saved.prompt, saved.tags, saved.settings) == ("a {animal}", ["x"], {"size": "1024x1024"})


@pytest.mark.parametrize("text, code", [
    ("{not json", "library_not_json"),
    (json.dumps({"prompts": []}), "library_format"),
    (json.dumps({"format": "easel-prompt-library", "version": 2, "prompts": []}), "library_version"),
    (json.dumps({"format": "easel-prompt-library", "version": 1, "prompts": {}}), "library_prompts_not_list"),
])
def test_a_file_that_is_not_a_library_is_refused_whole(store, text, code):
    with pytest.raises(ValidationError) as e:
        exchange.import_library(store, text)
    assert e.value.code == code
    assert lib.count_prompts(store) == 0


def test_same_title_same_prompt_is_skipped_different_prompt_is_renamed(store):
    lib.save_prompt(store, title="Fox", prompt="a fox")
    report = exchange.import_library(store, _doc({"title": "Fox", "prompt": "a fox"},
                                                 {"title": "Fox", "prompt": "a red fox"},
                                                 {"title": "Fox", "prompt": "a blue fox"}))
    assert report.skipped == ["Fox"]
    assert report.renamed == [("Fox", "Fox (2)"), ("Fox", "Fox (3)")]
    assert report.summary() == "0 added, 2 renamed (title taken), 1 already there."
    assert [p.prompt for p in lib.list_prompts(store)] == ["a fox", "a red fox", "a blue fox"]


def test_export_then_import_into_an_empty_library_round_trips(store, new_store):
    lib.save_prompt(store, title="海报", prompt="中秋 {x}", tags=["poster", "zh"], settings={"quality": "high"})
    text = exchange.export_library(store)
    assert json.loads(text)["version"] == 1 and "中秋" in text        # UTF-8 text, not \\u escapes
    other = new_store("other.db")
    report = exchange.import_library(other, text)
    assert report.added == ["海报"]
    p = lib.get_by_title(other, "海报")
    assert (p.prompt, p.tags, p.settings) == ("中秋 {x}", ["poster", "zh"], {"quality": "high"})
    other.close()


def test_starter_library_has_about_twenty_valid_prompts_in_three_languages_and_five_uses(store):
    entries = exchange.starter_entries()
    assert len(entries) == 20
    tags = [set(e["tags"]) for e in entries]
    assert {"en", "zh", "ko"} <= set().union(*tags)
    for use in ("product shot", "poster", "portrait", "icon", "edit recipe"):
        assert sum(use in t for t in tags) == 4, use
    report = exchange.add_starter(store)
    assert len(report.added) == 20 and lib.count_prompts(store) == 20
    assert exchange.add_starter(store).skipped == [e["title"] for e in entries]      # a second click adds nothing


def test_search_matches_title_tag_or_text_case_insensitively(store):
    lib.save_prompt(store, title="Hero shot", prompt="a bottle", tags=["Product shot"])
    lib.save_prompt(store, title="Owl", prompt="an OWL at night", tags=["poster"])
    assert [p.title for p in lib.list_prompts(store, text="hero")] == ["Hero shot"]
    assert [p.title for p in lib.list_prompts(store, text="product")] == ["Hero shot"]
    assert [p.title for p in lib.list_prompts(store, text="owl at")] == ["Owl"]
    assert [p.title for p in lib.list_prompts(store, tag="poster")] == ["Owl"]
