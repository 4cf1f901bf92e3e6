"""The UI language under AppTest, against the real app, the real simulator (loopback HTTP) and a real SQLite store:
`?lang=` opens the Generate page and the sidebar in Chinese or Korean, a browser whose language is Korean starts in
Korean, and switching the language with the sidebar picker mid-session keeps the typed prompt, the chosen size and
quality, and the finished result."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

from easel.core.i18n import use_language
from app_session import open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def _open(*, lang: str | None = None, locale: str | None = None) -> AppTest:
    return open_app(query={"lang": lang} if lang is not None else None,
                    context={"locale": locale} if locale is not None else None)


def _generate_page_words(at) -> dict:
    return {
        "title": at.title[0].value,
        "button": at.button(key="gen.go").label,
        "prompt": at.text_area(key="gen.prompt").label,
        "placeholder": at.text_area(key="gen.prompt").placeholder,
        "quality": at.radio(key="gen.quality").label,
        "provider": at.sidebar.selectbox(key="easel.provider").label,
        "status": [t.value for t in at.sidebar.text],
        "hint": [c.value for c in at.caption if c.value in ("输入提示词即可开始。", "시작하려면 프롬프트를 입력하세요.",
                                                            "Type a prompt to start.")],
    }


def test_lang_zh_in_the_url_opens_generate_and_the_sidebar_in_chinese(demo):
    at = _open(lang="zh")
    assert _generate_page_words(at) == {
        "title": "生成", "button": "生成", "prompt": "提示词", "placeholder": "一只在台灯下看书的水彩狐狸",
        "quality": "质量", "provider": "服务商", "status": ["就绪 · 离线演示\n免费 · 无需密钥"],
        "hint": ["输入提示词即可开始。"],
    }
    assert at.sidebar.button_group(key="easel.lang_picker").value == "zh"
    assert at.query_params["lang"] == "zh"


def test_lang_ko_in_the_url_opens_generate_and_the_sidebar_in_korean(demo):
    at = _open(lang="ko")
    assert _generate_page_words(at) == {
        "title": "생성", "button": "생성", "prompt": "프롬프트", "placeholder": "램프 아래에서 책을 읽는 수채화 여우",
        "quality": "품질", "provider": "제공업체", "status": ["준비됨 · 오프라인 데모\n무료 · 키 필요 없음"],
        "hint": ["시작하려면 프롬프트를 입력하세요."],
    }
    assert at.sidebar.button_group(key="easel.lang_picker").value == "ko"


def test_a_browser_in_korean_starts_in_korean_and_the_url_beats_it(demo):
    at = _open(locale="ko-KR")
    assert at.title[0].value == "생성" and at.button(key="gen.go").label == "생성"
    assert at.session_state["easel.lang"] == "ko" and at.query_params["lang"] == "ko"
    # A shared link opens in its sender's language, whatever the browser says.
    assert _open(lang="zh", locale="ko-KR").title[0].value == "生成"
    # A browser language Easel has no catalog for reads English.
    assert _open(locale="de-DE").title[0].value == "Generate"


def test_switching_language_mid_session_keeps_the_prompt_the_settings_and_the_result(app, jobs_for_test, demo):
    at = app
    prompt = "A lighthouse in a storm, ink and wash"
    at.text_area(key="gen.prompt").input(prompt).run()
    at.selectbox(key="gen.size").set_value("2048x1152").run()
    at.radio(key="gen.quality").set_value("high").run()
    at.button(key="gen.go").click().run()
    assert not at.exception, [e.value for e in at.exception]
    [job_id] = at.session_state["easel.last_job.generate"]
    assert jobs_for_test.wait(job_id, 30).status == "completed"
    at.run()
    [caption] = [t.value for t in at.text if t.value.startswith(prompt)]
    assert re.fullmatch(r"demo · 2048×1152 · high\nUSD 0\.37445 · \d+\.\d s", caption.split("\n", 1)[1]), caption
    cost_en = [m.value for m in at.markdown if "≈" in m.value]
    assert cost_en == [":material/payments: **≈ USD 0.37445 (1 × high 2048x1152) · simulated, nothing is charged**"]

    at.sidebar.button_group(key="easel.lang_picker").set_value("zh").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["easel.lang"] == "zh" and at.query_params["lang"] == "zh"
    # The page now speaks Chinese...
    assert at.title[0].value == "生成" and at.button(key="gen.go").label == "生成"
    assert at.text_area(key="gen.prompt").label == "提示词"
    assert at.sidebar.selectbox(key="easel.provider").label == "服务商"
    # ...and everything the user typed, chose and got is still there.
    assert at.text_area(key="gen.prompt").value == prompt
    size = at.selectbox(key="gen.size")
    assert size.value == "2048x1152" and size.options[0] == "auto（由服务商决定）" \
        and size.options[-1] == "自定义宽 × 高…"
    assert at.radio(key="gen.quality").value == "high"
    assert at.session_state["easel.last_job.generate"] == [job_id]
    assert len(at.image) == 1 and prompt in [line for t in at.text for line in t.value.splitlines()]
    assert [m.value for m in at.markdown if "≈" in m.value] == [
        ":material/payments: **≈ US$0.37445 (1 × high 2048x1152) · 模拟，不计费**"]
    assert [r.id for r in jobs_for_test.store.list_images(job_id=job_id)] and not at.toast
    # The result's caption: the cost in the locale's currency style, the latency in Chinese seconds.
    [caption] = [t.value for t in at.text if t.value.startswith(prompt)]
    assert re.fullmatch(r"demo · 2048×1152 · high\nUS\$0\.37445 · \d+\.\d 秒", caption.split("\n", 1)[1]), caption

    with use_language("zh"):        # the options AppTest formats in this thread are the zh page's (see below)
        at.sidebar.button_group(key="easel.lang_picker").set_value("ko").run()
    assert at.title[0].value == "생성" and at.radio(key="gen.quality").label == "품질"
    assert at.text_area(key="gen.prompt").value == prompt and at.selectbox(key="gen.size").value == "2048x1152"
    assert at.radio(key="gen.quality").value == "high" and len(at.image) == 1


def test_a_toast_and_a_sidebar_error_are_said_in_the_language_of_the_run_that_shows_them(demo, jobs_for_test):
    """Session state keeps message ids, never translated text: what is shown follows the language at that run."""
    at = _open(lang="zh")
    with use_language("zh"):        # see below: AppTest formats the zh page's select options in this thread
        at.text_area(key="gen.prompt").input("A heron at dawn").run()
        at.button(key="gen.go").click().run()
        [job_id] = at.session_state["easel.last_job.generate"]
        at.switch_page("pages/gallery.py").run()
        assert jobs_for_test.wait(job_id, 30).status == "completed"
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.toast] == ["已完成：来自 demo 的 1 张图片"]

    # AppTest calls a select's format_func in the test's own thread, outside the session, where the language
    # comes from the environment: pinned here to the session's, as the browser's rerun would format it.
    with use_language("zh"):
        provider = at.sidebar.selectbox(key="easel.provider")
        assert provider.options[-1] == "添加自定义服务商…"
        provider.set_value("__add_custom__").run()
        at.sidebar.button(key="easel.custom.add").click().run()
        assert [e.value for e in at.sidebar.error] == ["请为服务商起个名字。"]
        at.sidebar.button_group(key="easel.lang_picker").set_value("ko").run()     # sent from the zh page
    assert [e.value for e in at.sidebar.error] == ["제공업체 이름을 입력하세요\\."]
