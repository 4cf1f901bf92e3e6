"""Gallery, Boards, Tasks, PNG Info and a share link's page in Chinese and Korean (`?lang=zh|ko`), through app.py
under AppTest, over images the real JobService stored from the simulator: the exact translated labels, the
translated empty states, the grid's own words (pager, count, tooltips) as the component receives them, and
dates in the locale's style. Switching the language keeps what was typed in a filter."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from gallery_clicks import _click_tile, pager

from components import gallery_grid
from easel.core.i18n import format_datetime, use_language
from easel.providers import catalog
from easel.providers.client import ProviderClient
from easel.providers.request import ImageRequest
from easel.store import boards, share_links
from app_session import open_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

# The locales' short date-time styles (Babel, CLDR): 2026/12/5 21:14 and 26. 12. 5. 오후 9:14.
SHORT_DATETIME = {"zh": re.compile(r"^\d{4}/\d{1,2}/\d{1,2} \d{2}:\d{2}$"),
                  "ko": re.compile(r"^\d{2}\. \d{1,2}\. \d{1,2}\. (오전|오후) \d{1,2}:\d{2}$")}


def _seed(sim, jobs, prompts: list[str]) -> list[str]:
    profile = catalog.simulated_profile(catalog.BUILTIN["demo"], sim.url)
    client = ProviderClient(profile, "demo-test-key")
    try:
        ids = [jobs.submit(client, ImageRequest(prompt=p, size="1024x1024", quality="low")) for p in prompts]
        assert [jobs.wait(i, 30).status for i in ids] == ["completed"] * len(ids)
    finally:
        client.close()
    return ids


def _open(lang: str, page: str, **params) -> AppTest:
    return open_app(page, query={"lang": lang, **params})


def _popovers(at) -> list[str]:
    """The labels of every popover on the page (AppTest has no accessor for them)."""
    found = []

    def walk(node) -> None:
        if getattr(node, "type", None) == "popover":
            found.append(node.proto.popover.label)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def _expected_date(lang: str, ts: float) -> str:
    with use_language(lang):
        return format_datetime(ts, "short")


GALLERY = {
    "zh": dict(title="图库", provider="服务商", all_providers="全部服务商", winners="对比胜出", search="搜索提示词",
               placeholder="搜索提示词：fox、橘猫、고양이…", count="3 张图片", prev="‹ 上一页", next="下一页 ›",
               page="第 {page} / {pages} 页", board="看板", all_boards="全部看板", starred="已加星标",
               zip="全部下载（ZIP）", none="没有符合条件的图片。", origin=["生成", "编辑"],
               lb_prev="上一张", lb_next="下一张", edit="编辑此图", star="加星标", share="分享…",
               delete="删除…", nav="2 / 3"),
    "ko": dict(title="갤러리", provider="제공업체", all_providers="모든 제공업체", winners="비교 우승",
               search="프롬프트 검색", placeholder="프롬프트 검색: fox, 橘猫, 고양이…", count="이미지 3개",
               prev="‹ 이전", next="다음 ›", page="{page} / {pages} 페이지", board="보드", all_boards="모든 보드",
               starred="즐겨찾기됨", zip="모두 다운로드 (ZIP)", none="일치하는 이미지가 없습니다.", origin=["생성", "편집"],
               lb_prev="이전", lb_next="다음", edit="이 이미지 편집", star="즐겨찾기", share="공유…",
               delete="삭제…", nav="2 / 3"),
}


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_the_gallery_speaks_the_language_of_the_url(demo, jobs_for_test, lang):
    want = GALLERY[lang]
    _seed(demo, jobs_for_test, ["a red fox", "一只橘猫", "고양이"])
    at = _open(lang, "pages/gallery.py")
    assert at.title[0].value == want["title"]
    provider = at.selectbox(key="gallery.provider")
    assert (provider.label, provider.options[0]) == (want["provider"], want["all_providers"])
    assert at.toggle(key="gallery.winners").label == want["winners"]
    search = at.text_input(key="gallery.text")
    assert (search.label, search.placeholder) == (want["search"], want["placeholder"])
    assert at.segmented_control(key="gallery.origin").options == want["origin"]
    board = at.selectbox(key="gallery.board")
    assert (board.label, board.options[0]) == (want["board"], want["all_boards"])
    assert at.toggle(key="gallery.starred").label == want["starred"]
    assert want["zip"] in _popovers(at)                                   # the ZIP popover, closed
    # The grid's own words reach its script translated, with their fields for the script to fill.
    nav = pager(at)
    assert (nav["page"], nav["pages"], nav["count"]) == (1, 1, want["count"])
    [grid] = [el for el in at.get("bidi_component") if el.key == gallery_grid.component_key("gallery.grid")]
    words = gallery_grid.decode(grid.proto.bytes)["text"]
    assert (words["prev"], words["next"], words["page"]) == (want["prev"], want["next"], want["page"])
    with use_language(lang):
        assert words == gallery_grid.texts() and words["open"] != "Open" and words["loading"] != "Loading…"

    # The lightbox: its buttons, and the image's date in the locale's style.
    row = sorted(jobs_for_test.store.list_images(), key=lambda r: r.created_at)[1]     # the middle one
    _click_tile(at, row)
    assert at.button(key="gallery.grid.lb.prev").label == want["lb_prev"]
    assert at.button(key="gallery.grid.lb.next").label == want["lb_next"]
    assert at.button(key=f"gallery.grid.{row.id}.edit").label == want["edit"]
    assert at.button(key=f"gallery.grid.{row.id}.lb.star").label == want["star"]
    assert at.button(key=f"gallery.grid.{row.id}.del").label == want["delete"]
    assert want["nav"] in [t.value for t in at.text]
    settings = next(t.value for t in at.text if t.value.startswith("demo · ") and "\n" in t.value)
    date_line = settings.splitlines()[-1]
    assert date_line == _expected_date(lang, row.created_at)
    assert SHORT_DATETIME[lang].match(date_line), date_line

    # The empty state of a search that matches nothing.
    at.text_input(key="gallery.text").input("no such prompt anywhere").run()
    assert [i.value for i in at.info] == [want["none"]]


@pytest.mark.parametrize("lang, empty", [
    ("zh", "还没有图片。生成一张吧：Demo 服务商可离线使用。"),
    ("ko", "아직 이미지가 없습니다. 하나 생성해 보세요. Demo 제공업체는 오프라인으로 작동합니다."),
])
def test_an_empty_gallery_says_so_in_the_language_of_the_url(demo, jobs_for_test, lang, empty):
    at = _open(lang, "pages/gallery.py")
    assert [i.value for i in at.info] == [empty]


def test_switching_the_language_keeps_the_gallery_search_and_changes_its_words(demo, jobs_for_test):
    _seed(demo, jobs_for_test, ["a red fox", "a grey owl"])
    at = _open("zh", "pages/gallery.py")
    at.text_input(key="gallery.text").input("fox").run()
    assert pager(at)["count"] == "1 张图片"
    at.segmented_control(key="easel.lang_picker").set_value("ko").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "갤러리"
    assert at.text_input(key="gallery.text").value == "fox" and pager(at)["count"] == "이미지 1개"
    assert at.query_params["lang"] == "ko"                          # kept in the URL for a shared link


BOARDS = {
    "zh": dict(title="看板", new="新建看板", placeholder="客户 X，第 2 轮", create="创建看板",
               empty="还没有看板。在上方命名一个，或在任意图片的灯箱中使用“添加到看板”。", links="分享链接",
               no_links="没有有效的分享链接。", count="1 张图片", open="打开", revoke="撤销",
               link="{title} · 1 张图片 · 创建于 {made} · {expires} 过期",
               board_empty="此看板还没有图片：打开任意图片并使用“添加到看板”。"),
    "ko": dict(title="보드", new="새 보드", placeholder="클라이언트 X, 2차", create="보드 만들기",
               empty="아직 보드가 없습니다. 위에서 이름을 지정하거나, 이미지 라이트박스에서 보드에 추가를 사용하세요.",
               links="공유 링크", no_links="활성 공유 링크가 없습니다.", count="이미지 1개", open="열기", revoke="취소",
               link="{title} · 이미지 1개 · {made} 생성 · {expires} 만료",
               board_empty="이 보드에는 아직 이미지가 없습니다. 이미지를 열고 보드에 추가를 사용하세요."),
}


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_boards_and_share_links_speak_the_language_of_the_url(demo, jobs_for_test, lang):
    want = BOARDS[lang]
    at = _open(lang, "pages/boards.py")
    assert at.title[0].value == want["title"]
    new = at.text_input(key="boards.new")
    assert (new.label, new.placeholder) == (want["new"], want["placeholder"])
    assert at.button(key="boards.create").label == want["create"]
    assert [i.value for i in at.info] == [want["empty"]]
    assert want["links"] in [s.value for s in at.subheader] and want["no_links"] in [c.value for c in at.caption]

    _seed(demo, jobs_for_test, ["a red fox"])
    store = jobs_for_test.store
    [row] = store.list_images()
    board_id = boards.create_board(store, "client X")
    boards.add_to_board(store, board_id, [row.id])
    empty_id = boards.create_board(store, "round 2")
    _token, link = share_links.create_link(store, [row.id], 86400, title="fox for X")
    at.run()
    assert want["count"] in [c.value for c in at.caption]
    assert at.button(key=f"board.{board_id}.open").label == want["open"]
    assert at.button(key=f"links.{link.id}.revoke").label == want["revoke"]
    made, expires = _expected_date(lang, link.created_at), _expected_date(lang, link.expires_at)
    line = next(t.value for t in at.text if t.value.startswith("fox for X · "))
    assert line == want["link"].format(title="fox for X", made=made, expires=expires)
    assert SHORT_DATETIME[lang].match(made), made
    at.button(key=f"board.{empty_id}.open").click().run()
    assert want["board_empty"] in [c.value for c in at.caption]


@pytest.mark.parametrize("lang, title, caption", [
    ("zh", "共享的图片", "分享自 Easel · 1 张图片 · 此链接于 {when} 过期"),
    ("ko", "공유된 이미지", "Easel에서 공유 · 이미지 1개 · 이 링크는 {when}에 만료됩니다"),
])
def test_a_share_link_visitor_reads_the_language_of_the_url(demo, jobs_for_test, lang, title, caption):
    _seed(demo, jobs_for_test, ["a red fox"])
    store = jobs_for_test.store
    [row] = store.list_images()
    token, link = share_links.create_link(store, [row.id], 3600, title="")
    at = _open(lang, "", share=token)
    assert at.title[0].value == title
    [shown] = [c.value for c in at.caption]
    assert shown == caption.format(when=_expected_date(lang, link.expires_at))
    share_links.revoke(store, link.id)
    at.run()
    assert [e.value for e in at.error] == [{"zh": "此链接已被撤销。请向分享者索取新链接。",
                                            "ko": "이 링크는 취소되었습니다. 공유한 사람에게 새 링크를 요청하세요."}[lang]]


TASKS = {
    "zh": dict(title="任务", statuses="全部状态", all_providers="全部服务商", clear="清除已结束",
               empty="这里还没有任务。生成或编辑一张图片，或运行 `easel generate --async`。", done="已完成",
               retry="重试", stop="停止跟进", footer="2 个任务 · 0 个未完成"),
    "ko": dict(title="작업", statuses="모든 상태", all_providers="모든 제공업체", clear="완료된 항목 지우기",
               empty="아직 작업이 없습니다. 이미지를 생성하거나 편집하거나 `easel generate --async`를 실행하세요.",
               done="완료", retry="다시 시도", stop="추적 중지", footer="작업 2개 · 0개 미완료"),
}


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_tasks_speak_the_language_of_the_url(demo, jobs_for_test, lang):
    want = TASKS[lang]
    at = _open(lang, "pages/tasks.py")
    assert at.title[0].value == want["title"]
    assert at.multiselect(key="easel.tasks.status").placeholder == want["statuses"]
    assert at.selectbox(key="easel.tasks.provider").options[0] == want["all_providers"]
    assert at.button(key="easel.tasks.clear").label == want["clear"]
    assert [i.value for i in at.info] == [want["empty"]]

    [done_id] = _seed(demo, jobs_for_test, ["a red fox"])
    store = jobs_for_test.store
    failed_id = store.create_job(provider="qcode", status="failed", prompt="a capped lighthouse", size="1024x1024",
                                 quality="low", mode="sync", currency="USD", cost_estimated=0.05)
    at.run()
    done = store.get_job(done_id)
    state = next(m.value for m in at.markdown if f"**{want['done']}**" in m.value)
    assert state.endswith(" · " + _expected_date(lang, done.finished_at))
    assert SHORT_DATETIME[lang].match(state.rsplit(" · ", 1)[-1])
    assert at.button(key=f"easel.tasks.{failed_id}.retry").label == want["retry"]
    assert want["footer"] in [c.value for c in at.caption]


PNG_INFO = {
    "zh": dict(title="PNG 信息", upload="图片", drop="拖入一张图片，查看其中携带的提示词和设置。", source="由 Easel 写入 · 提示词",
               generate="用于生成", edit="用于编辑", columns=("设置项", "值")),
    "ko": dict(title="PNG 정보", upload="이미지", drop="이미지를 끌어다 놓으면 담긴 프롬프트와 설정을 볼 수 있습니다.",
               source="Easel이 기록 · 프롬프트", generate="생성에 사용", edit="편집에 사용", columns=("설정", "값")),
}


@pytest.mark.parametrize("lang", ["zh", "ko"])
def test_png_info_speaks_the_language_of_the_url(demo, lang):
    from test_png_info_page import _easel_png

    want = PNG_INFO[lang]
    at = _open(lang, "pages/png_info.py")
    assert at.title[0].value == want["title"]
    assert at.get("file_uploader")[0].proto.label == want["upload"]
    assert [c.value for c in at.caption] == [want["drop"]]
    at.file_uploader(key="pnginfo.file").set_value(("easel.png", _easel_png(), "image/png")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert want["source"] in [c.value for c in at.caption]
    assert at.button(key="pnginfo.to_generate").label == want["generate"]
    assert at.button(key="pnginfo.to_edit").label == want["edit"]
    [frame] = at.dataframe
    assert list(frame.value.columns) == ["Setting", "Value"]              # the keys stay English...
    config = json.loads(frame.proto.columns)                              # ...their headings are translated
    assert (config["Setting"]["label"], config["Value"]["label"]) == want["columns"]
