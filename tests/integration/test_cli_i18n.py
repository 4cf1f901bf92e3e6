"""The CLI speaks the language EASEL_LANG or LANG names; flags, JSON and exit codes stay the same in every language.

Each call is a separate `python -m easel.cli` process, as a shell runs it, with its own environment.
"""

from __future__ import annotations

import json

import pytest

from test_cli import OUTCOME_KEYS, easel, env  # noqa: F401 - env is a fixture


def _in(env: dict, **lang) -> dict:
    out = {k: v for k, v in env.items() if k not in ("EASEL_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")}
    out.update(lang)
    return out


@pytest.mark.parametrize("lang, usage, options, help_line", [
    ({"EASEL_LANG": "zh"}, "用法：", "选项", "显示此帮助并退出。"),
    ({"LANG": "ko_KR.UTF-8"}, "사용법:", "옵션", "이 도움말을 표시하고 종료합니다."),
    ({"LANG": "C.UTF-8"}, "Usage:", "Options", "Show this message and exit."),
])
def test_help_is_in_the_chosen_language_with_the_flags_unchanged(env, lang, usage, options, help_line):
    proc = easel(_in(env, **lang), "tasks", "list", "--help")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(usage), proc.stdout
    assert f"{options}:" in proc.stdout and help_line in proc.stdout
    for flag in ("--status", "--provider", "--limit", "--json", "--help"):
        assert flag in proc.stdout


def test_easel_lang_wins_over_lang(env):
    proc = easel(_in(env, EASEL_LANG="ko", LANG="zh_CN.UTF-8"), "tasks", "list")
    assert proc.returncode == 0 and proc.stdout.strip() == "작업이 없습니다.", proc.stdout


def test_messages_and_errors_are_translated_and_exit_codes_kept(env):
    missing = easel(_in(env, EASEL_LANG="zh"), "tasks", "show", "nosuchjob")
    assert missing.returncode == 2
    assert missing.stderr.startswith("错误："), missing.stderr
    assert "中没有任务或服务商任务 'nosuchjob'" in missing.stderr and "[unknown_job]" in missing.stderr
    english = easel(_in(env, LANG="C.UTF-8"), "tasks", "show", "nosuchjob")
    assert english.returncode == 2 and english.stderr.startswith("Error: No job or provider task 'nosuchjob' in ")
    # Click's own parse errors too
    bad = easel(_in(env, EASEL_LANG="ko"), "tasks", "list", "--limit", "many")
    assert bad.returncode == 2 and "'many'은(는) 올바른 integer이(가) 아닙니다." in bad.stderr, bad.stderr


def test_json_stays_english_in_every_language(env):
    zh = easel(_in(env, EASEL_LANG="zh"), "generate", "--provider", "qcode", "--prompt", "湖上的小船", "--quality",
               "low", "--json")
    assert zh.returncode == 0, zh.stderr
    out = json.loads(zh.stdout)
    assert set(out) == OUTCOME_KEYS and out["status"] == "completed" and out["provider"] == "qcode"
    listed = easel(_in(env, EASEL_LANG="ko"), "tasks", "list", "--json")
    row = json.loads(listed.stdout.splitlines()[0])
    assert row["status"] == "completed" and row["prompt"] == "湖上的小船"
    report = json.loads(easel(_in(env, EASEL_LANG="zh"), "usage", "--json").stdout)
    assert report["metrics"]["requests"]["label"] == "Requests"
    text = easel(_in(env, EASEL_LANG="zh"), "usage").stdout
    assert "成功率" in text and "Requests" not in text and "Success" not in text


def test_plain_output_lines_are_translated(env):
    done = easel(_in(env, EASEL_LANG="zh"), "generate", "--provider", "gccai", "--prompt", "纸鹤", "--async")
    assert done.returncode == 0, done.stderr
    assert "已提交。跟进进度：easel tasks wait " in done.stdout
    assert " · 任务 task_" in done.stdout            # the outcome line names the provider's task in Chinese
