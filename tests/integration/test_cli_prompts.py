"""`easel prompts` in a real subprocess on the test's data dir: starter, list --json, export, and an import that
names its rejected entries by index and rule and exits 2."""

from __future__ import annotations

import json

from test_cli import easel, env  # noqa: F401 - env is a fixture


def test_starter_list_export_and_import_with_a_bad_entry(env, tmp_path):
    proc = easel(env, "prompts", "starter", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["added"]) == 20
    listed = json.loads(easel(env, "prompts", "list", "--search", "poster", "--json").stdout)
    assert [p["title"] for p in listed] == ["Poster: music festival", "Poster: retro travel", "海报：中国风节日",
                                            "포스터: 카페 오픈 안내"]
    out = tmp_path / "lib.json"
    assert easel(env, "prompts", "export", str(out)).returncode == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["format"] == "easel-prompt-library" and doc["version"] == 1 and len(doc["prompts"]) == 20

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "easel-prompt-library", "version": 1, "prompts": [
        {"title": "Poster: retro travel", "prompt": "a different poster"},
        {"title": "No prompt"}]}), encoding="utf-8")
    proc = easel(env, "prompts", "import", str(bad), "--json")
    assert proc.returncode == 2
    assert json.loads(proc.stdout) == {
        "added": [], "renamed": [["Poster: retro travel", "Poster: retro travel (2)"]], "skipped": [],
        "problems": [{"index": 2, "rule": "prompt_required", "detail": "the prompt is missing or empty"}]}
    proc = easel(env, "prompts", "import", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    not_lib = tmp_path / "x.json"
    not_lib.write_text("[]", encoding="utf-8")
    proc = easel(env, "prompts", "import", str(not_lib))
    assert proc.returncode == 2
    assert proc.stderr.strip() == ('Error: Not an Easel prompt library: the top level needs "format": '
                                   '"easel-prompt-library". [library_format]')
