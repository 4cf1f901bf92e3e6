"""Usage, Compare and Scorecard in Chinese and Korean under AppTest (`?lang=zh` / `?lang=ko` through app.py, as a
shared link opens them): exact translated labels, chart titles and table column names, money in the locale's
style (Babel), the QCode reset in the reader's zone beside Beijing's, and widget values kept across a switch.

Real parts: the SQLite store with usage rows, the simulator over loopback HTTP for Compare and Scorecard.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from easel.core import i18n
from easel.store import Store
from easel.usage import seed as usage_seed
from app_session import open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _open(page: str, lang: str, *, timeout: int = 120) -> AppTest:
    return open_app(page, query={"lang": lang}, timeout=timeout)


def _run(at, shown: str) -> None:
    """Rerun. AppTest turns each select widget's value back into its option text with the app's own format_func,
    in the test's thread, where no browser session says the language: pin the language the page is showing,
    as the browser holds it."""
    with i18n.use_language(shown):
        at.run()
    assert not at.exception, [e.value for e in at.exception]


def _chart_titles(at) -> list[str]:
    titles = []
    for el in at.get("vega_lite_chart"):
        t = json.loads(el.proto.spec).get("title")
        titles.append(t.get("text") if isinstance(t, dict) else t)
    return titles


def _chart(at, title: str) -> dict:
    for el in at.get("vega_lite_chart"):
        spec = json.loads(el.proto.spec)
        t = spec.get("title")
        if (t.get("text") if isinstance(t, dict) else t) == title:
            return spec
    raise AssertionError(f"no chart titled {title!r} in {_chart_titles(at)}")


def _plain(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


@pytest.fixture(autouse=True)
def session_language(monkeypatch):
    """The session's language resolver, as components/language.py installs it at import (another test may have
    removed it from easel.core.i18n since: the module is imported once per process)."""
    from components import language

    monkeypatch.setattr(i18n, "_resolver", language._session_language)


@pytest.fixture
def usage_log(easel_data_dir):
    """A seeded (simulated) log for the charts, plus two real requests today: icodeeasy CNY 0.20 and a QCode
    key's 3 images at CNY 0.30, so today's real spend is exactly CNY 0.50 and the quota shows 3 / 100."""
    store = Store()
    now = time.time()
    usage_seed.bulk_insert(store, usage_seed.generate_rows(400, days=20, seed=3, now=now))
    real = store.create_job(provider="icodeeasy", status="completed", n=1, cost_estimated=0.2, currency="CNY",
                            prompt="a red fox", key_fingerprint="fp-real", quality="medium", created_at=now - 5)
    store.update_job(real, cost_actual=0.2, latency_s=30.0)
    qcode = store.create_job(provider="qcode", status="completed", n=3, cost_estimated=0.3, currency="CNY",
                             prompt="a blue fox", key_fingerprint="fp-qcode", quality="medium", created_at=now - 4)
    store.update_job(qcode, cost_actual=0.3, latency_s=20.0)
    return store


def _zone(monkeypatch, name: str) -> None:
    """The browser's time zone as st.context.timezone would give it (AppTest has no browser)."""
    monkeypatch.setattr(i18n, "_tz_resolver", lambda: name)


def test_usage_in_chinese(usage_log, monkeypatch):
    _zone(monkeypatch, "Europe/Berlin")          # UTC+1 in December: Beijing's midnight is 17:00 there
    at = _open("pages/usage.py", "zh")
    assert at.title[0].value == "用量"
    assert [t.label for t in at.tabs][:6] == ["概览", "支出", "延迟与错误", "请求", "预算与配额", "对账"]
    kpis = {m.label: m.value for m in at.metric}
    assert kpis["今日支出"] == "¥0.50"
    assert list(kpis) == ["今日支出", "本周支出", "本月支出", "范围内支出", "图片", "每张图片平均费用", "成功率",
                          "延迟中位数"]
    assert at.toggle(key="easel.usage.sim").label == "模拟用量"
    assert "每日图片数" in _chart_titles(at) and "每日支出（CNY）" in _chart_titles(at)
    spend = _chart(at, "每日支出（CNY）")
    assert spend["encoding"]["x"]["axis"]["format"] == "%-m月%-d日"
    assert [t["title"] for t in spend["encoding"]["tooltip"]][:2] == ["日期", "服务商"]
    assert spend["encoding"]["tooltip"][0]["format"] == "%Y年%-m月%-d日"
    captions = [c.value for c in at.caption]
    assert "每个密钥每天 100 张图片，北京时间 00:00 重置。 17:00（你的时间）重置 · 北京时间 00:00" in captions
    texts = [t.value for t in at.text]
    assert any(t.startswith("fp-qcode\n今日 3 / 100 张图片 · 剩余 97\n") for t in texts), texts
    # The request table: translated column names over the log's English keys, costs in the locale.
    table = next(d for d in at.dataframe if "thumbnail" in d.value.columns)
    config = json.loads(table.proto.columns)
    assert (config["cost"]["label"], config["created_at"]["label"], config["status"]["label"]) == (
        "费用", "创建时间（UTC）", "状态")
    assert "¥0.20" in list(table.value["cost"]) and "已完成" in list(table.value["status"])


def test_usage_in_korean_keeps_the_filters_across_a_switch(usage_log, monkeypatch):
    _zone(monkeypatch, "Asia/Seoul")             # UTC+9: Beijing's midnight is 01:00 in Seoul
    at = _open("pages/usage.py", "zh")
    # AppTest picks options by their shown (formatted) text; the session keeps the status code.
    at.multiselect(key="easel.usage.statuses").set_value(["completed"])
    _run(at, "zh")
    assert at.session_state["easel.usage.statuses"] == ["completed"]
    at.query_params["lang"] = "ko"
    _run(at, "zh")
    assert at.session_state["easel.usage.statuses"] == ["completed"]
    with i18n.use_language("ko"):
        assert at.multiselect(key="easel.usage.statuses").values == ["완료"]
    assert at.multiselect(key="easel.usage.statuses").label == "상태"
    assert [t.label for t in at.tabs][:6] == ["개요", "지출", "지연 시간 및 오류", "요청", "예산 및 할당량", "대조"]
    kpis = {m.label: m.value for m in at.metric}
    assert kpis["오늘 지출"] == "CN¥0.50"
    assert _chart(at, "일별 이미지 수")["encoding"]["x"]["axis"]["format"] == "%-m월 %-d일"
    assert "키당 하루 이미지 100장, 베이징 시간 00:00에 초기화됩니다. 오전 1:00(사용자 시간)에 초기화 · 베이징 시간 오전 12:00" \
        in [c.value for c in at.caption]
    reconcile = next(t for t in at.tabs if t.label == "대조")
    totals = reconcile.dataframe[-1].value
    assert list(totals.columns) == ["날짜", "제공업체", "요청", "예상", "보고된 비용", "공식", "실패했지만 청구됨", "참고"]
    assert "CN¥0.20" in list(totals["공식"]) + list(totals["예상"])


def test_compare_in_chinese_and_korean(demo, jobs_for_test):
    at = _open("pages/compare.py", "zh", timeout=30)
    assert at.title[0].value == "对比"
    assert at.text_area(key="cmp.prompt").label == "提示词"
    assert at.multiselect(key="cmp.providers").label == "服务商（2–6 个）"
    assert at.selectbox(key="cmp.quality").options == ["低", "中", "高", "自动"]
    assert at.session_state["cmp.quality"] == "medium"                  # the value sent stays the API's
    at.text_area(key="cmp.prompt").set_value("red fox")
    _run(at, "zh")
    texts = [_plain(m.value) for m in at.markdown] + [_plain(c.value) for c in at.caption]
    assert "≈ US$0.04225" in texts                                      # the Demo column's estimate
    assert "合计 ≈ US$0.12225；未计入：Demo · gccai（上报之前没有价格）" in texts
    assert at.button(key="cmp.go").label == "对比"

    at.query_params["lang"] = "ko"
    _run(at, "zh")
    assert at.text_area(key="cmp.prompt").value == "red fox"            # kept across the switch
    assert at.button(key="cmp.go").label == "비교"
    assert at.multiselect(key="cmp.providers").label == "제공업체(2–6개)"
    texts = [_plain(m.value) for m in at.markdown] + [_plain(c.value) for c in at.caption]
    assert "합계 ≈ US$0.12225; 제외: Demo · gccai(보고 전에는 가격 없음)" in texts


def test_scorecard_in_chinese_and_korean(demo, jobs_for_test):
    at = _open("pages/scorecard.py", "zh", timeout=60)
    assert at.title[0].value == "合规评分"
    assert at.subheader[0].value == "历史"
    picker = at.multiselect(key="easel.scorecard.providers")
    assert picker.label == "服务商"
    picker.set_value(["QCode (simulated)"])
    _run(at, "zh")
    assert at.session_state["easel.scorecard.providers"] == ["QCode (simulated)"]      # the stable English key
    assert [_plain(c.value) for c in at.caption][0] == "QCode（模拟）：13 个探测，免费（模拟）"
    assert next(b for b in at.button if b.key == "easel.scorecard.run").label == "运行合规评分"
    at.query_params["lang"] = "ko"
    _run(at, "zh")
    assert at.session_state["easel.scorecard.providers"] == ["QCode (simulated)"]
    assert "QCode(모의)" in at.multiselect(key="easel.scorecard.providers").options
    assert [_plain(c.value) for c in at.caption][0] == "QCode(모의): 탐색 13개, 무료(모의)"
    assert next(b for b in at.button if b.key == "easel.scorecard.run").label == "적합성 평가 실행"


def test_a_scorecard_card_in_chinese_has_translated_columns_and_verdicts(demo, jobs_for_test):
    from components import scorecard_runner

    at = _open("pages/scorecard.py", "zh", timeout=60)
    at.multiselect(key="easel.scorecard.checks").set_value(["n", "errors"])
    _run(at, "zh")
    next(b for b in at.button if b.key == "easel.scorecard.run").click()
    _run(at, "zh")
    sid = at.session_state["easel.session_id"]
    end = time.monotonic() + 60
    while (state := scorecard_runner.progress(sid)) is not None and not state.finished:
        assert time.monotonic() < end, "the scorecard did not finish"
        time.sleep(0.05)
    _run(at, "zh")
    _run(at, "zh")
    frame = at.table[0].value
    assert list(frame.columns) == ["状态", "检查项", "预期", "实际返回", "原因 / 测量方式"]
    assert list(zip(frame["检查项"], frame["状态"])) == [("n", "通过"), ("错误", "通过")]
    assert any(":green-badge[2 通过]" in m.value and ":red-badge[0 失败]" in m.value for m in at.markdown)
