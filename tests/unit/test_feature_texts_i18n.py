"""Texts built in easel/usage, compare, scorecard and batch: shown in the reader's language (amounts in her locale),
kept in English where they are stored or exported (comparison.json, the reconciliation JSON, the usage CSV, a
batch row's message, a scorecard check)."""

from __future__ import annotations

import json
import time

import pytest

from easel.batch import parse_csv
from easel.compare import archive
from easel.compare.mapping import CompareSettings, map_settings
from easel.compare.plan import ColumnPlan
from easel.compare.run import ColumnResult
from easel.compare.targets import demo_target
from easel.core.errors import ValidationError
from easel.core.i18n import use_language
from easel.core.i18n_text import shown
from easel.core.models import Money
from easel.providers import catalog
from easel.scorecard import shown_check
from easel.scorecard.judge import check_latency, check_output_format
from easel.store import Store
from easel.store.scorecards import CheckRow
from easel.usage import Filters, export_csv
from easel.usage.reconcile import reconcile

SIM = "http://127.0.0.1:9"           # never contacted: planning only

NOTE_EN = "size 1536x1024 → 3:2 at 1K (gccai takes ratios)"
NOTE = {"zh": "尺寸 1536x1024 → 3:2，1K（gccai 接受比例）", "ko": "크기 1536x1024 → 3:2, 1K(gccai는 비율을 받습니다)"}


def _gccai_note():
    mapped = map_settings(catalog.get_profile("gccai"), CompareSettings(prompt="a fox", size="1536x1024"))
    return mapped, mapped.notes[0]


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_a_compare_note_reads_in_the_readers_language_from_the_plan_and_from_the_store(lang):
    _mapped, note = _gccai_note()
    assert note == NOTE_EN                                   # the kept form
    with use_language(lang):
        assert shown(note) == NOTE[lang]
        assert shown(str(note)) == NOTE[lang]                # read back from the store: a plain English str
        assert shown(NOTE_EN + " [x]") == NOTE[lang] + " [x]"


def test_the_comparison_plan_and_comparison_json_keep_the_notes_in_english(easel_data_dir):
    mapped, _note = _gccai_note()
    target = demo_target("demo:gccai", SIM)
    col = ColumnPlan(target, mapped, Money(None, "USD"))
    with use_language("zh"):
        kept = col.describe()
        result = ColumnResult(0, target.name, target.label, json.loads(json.dumps(kept)), None, [], None, None)
        entry = archive.column_entry(result, "1536x1024")
        assert col.notes[0] == NOTE["zh"] and result.notes[0] == NOTE["zh"]     # what the page shows
        assert result.status_label == "未发送"
    assert kept["notes"][0] == NOTE_EN and entry["notes"][0] == NOTE_EN
    assert kept["notes"][1] == "runs as a task: every gccai request is one (submit, then poll)"
    assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in entry["notes"])


REASON_EN = "reported USD 0.422 > formula USD 0.211 (+100%)"
REASON = {"zh": "上报 US$0.422 > 公式 US$0.211（+100%）", "ko": "보고된 비용 US$0.422 > 공식 US$0.211(+100%)"}


def _overbilled(store) -> str:
    job = store.create_job(provider="qcode", currency="USD", created_at=time.time() - 60)
    store.update_job(job, status="completed", cost_reported=0.422, cost_formula=0.211, cost_actual=0.422)
    return job


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_a_reconciliation_reason_shows_its_amounts_in_the_locale_and_its_json_stays_english(easel_data_dir, lang):
    store = Store()
    job = _overbilled(store)
    english_csv = export_csv(store)
    with use_language(lang):
        rec = reconcile(store, Filters())
        (row,) = rec.flagged
        assert row.reason == REASON_EN                       # kept
        shown_row = row.display()
        assert shown_row[{"zh": "原因", "ko": "사유"}[lang]] == REASON[lang]
        assert shown_row[{"zh": "上报", "ko": "보고된 비용"}[lang]] == "US$0.422"
        assert REASON[lang] in rec.text()
        out = json.loads(json.dumps(rec.to_json(), ensure_ascii=False))
        assert export_csv(store) == english_csv              # the CSV has no words to translate: same bytes
    assert out["flagged"][0]["reason"] == REASON_EN and out["flagged"][0]["job_id"] == job
    store.close()


def test_a_billed_failure_names_its_status_in_the_readers_language(easel_data_dir):
    store = Store()
    job = store.create_job(provider="icodeeasy", currency="CNY")
    store.update_job(job, status="failed", cost_reported=0.1, cost_formula=0.0, cost_actual=0.0)
    with use_language("zh"):
        (row,) = reconcile(store, Filters()).billed_failed
        assert shown(row.reason) == "失败，但上报了 ¥0.10（所有文档均规定：失败不计费）"
    with use_language("ko"):
        assert shown(row.reason) == "실패인데 CN¥0.10이(가) 보고됨(모든 문서: 실패는 비용 0)"
    assert row.reason == "failed, yet reported CNY 0.10 (every doc: failures cost 0)"
    store.close()


@pytest.mark.parametrize("lang, why, verdict", [
    ("zh", "icodeeasy.txt没有 output_format 参数", "不适用"),
    ("ko", "icodeeasy.txt에는 output_format 매개변수가 없습니다", "해당 없음"),
])
def test_a_scorecard_na_reason_is_translated_from_the_run_and_from_the_stored_row(lang, why, verdict):
    check = check_output_format(catalog.get_profile("icodeeasy"), {})
    assert (check.status, check.why) == ("n/a", "icodeeasy.txt has no output_format parameter")
    stored = CheckRow(check.name, check.status, str(check.expected), str(check.got), str(check.why))
    with use_language(lang):
        assert shown_check(check)["why"] == why
        assert shown_check(stored) == {"name": "output_format", "status": verdict, "expected": "", "got": "",
                                       "why": why}


def test_the_openai_spec_is_named_in_the_readers_language():
    check = check_latency(catalog.get_profile("demo"), {})
    assert check.why == "OpenAI's spec has no latency table"
    with use_language("zh"):
        assert shown_check(check)["why"] == "OpenAI 规范没有延迟表"
    with use_language("ko"):
        assert shown_check(check)["why"] == "OpenAI 사양에는 지연 시간 표가 없습니다"


BROKEN_CSV = b'prompt\nfirst\nsecond\n"' + b"x" * 200_000 + b'"\n'
PARSE_ERROR = {
    "en": "The CSV cannot be read after row 2: field larger than field limit (131072).",
    "zh": "第 2 行之后无法读取 CSV：field larger than field limit (131072)。",
    "ko": "2행 이후의 CSV를 읽을 수 없습니다: field larger than field limit (131072).",
}


@pytest.mark.parametrize("lang", ["en", "zh", "ko"])
def test_a_batch_parse_error_names_its_row_in_the_readers_language(lang):
    with use_language(lang), pytest.raises(ValidationError) as e:
        parse_csv(BROKEN_CSV)
    assert e.value.render(lang) == PARSE_ERROR[lang] and e.value.code == "csv_malformed"
    assert e.value.log_message() == PARSE_ERROR["en"] + " [csv_malformed]"      # what the batch keeps


def test_a_batch_rows_problem_reads_translated_and_is_kept_in_english():
    with use_language("zh"):
        (row,) = parse_csv(b"prompt,n\na fox,two\n")
        assert row.problem.message == "n 必须是整数；当前为 'two'。"
        kept = row.problem.log_message()
        assert row.problem.message == "n 必须是整数；当前为 'two'。"          # unchanged by logging
        assert shown(kept) == "n 必须是整数；当前为 'two'。 [n_not_a_number]"
    assert kept == "n must be a whole number; got 'two'. [n_not_a_number]"
