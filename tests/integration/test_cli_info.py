"""PNG Info from a shell: `easel generate --out` writes PNGs carrying Easel's chunk and A1111's `parameters`
(over real HTTP to the simulator, in a subprocess), and `easel info` reads them back, and A1111's, as text or JSON;
a missing file or a non-image exits 2 with the rule, no traceback."""

from __future__ import annotations

import io
import json
from pathlib import Path

from PIL import Image, PngImagePlugin

from tests.integration.test_cli import easel, env, one_json  # noqa: F401 - env is a fixture

A1111_TEXT = ("一只穿着宇航服的柴犬, masterpiece\nNegative prompt: lowres, (worst quality:1.4)\n"
              'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 42, Size: 832x1216, '
              'Lora hashes: "shiba_v2: 8d3f1a2b3c4d, extra: 99aa", Version: v1.9.4')


def test_generate_out_writes_both_chunks_matching_the_request_and_info_reads_them(env, sim, tmp_path):  # noqa: F811
    out_dir = tmp_path / "out"
    proc = easel(env, "generate", "--provider", "qcode", "--prompt", "一座灯塔, at dusk", "--size", "1536x1024",
                 "--quality", "high", "--out", str(out_dir), "--json")
    assert proc.returncode == 0, proc.stderr
    [image] = one_json(proc)["images"]
    path = Path(image["path"])
    assert path.parent == out_dir.resolve()
    with Image.open(path) as img:
        text = dict(img.text)
        assert img.size == (1536, 1024)
    assert set(text) == {"easel", "parameters", "Software"}
    easel_doc = json.loads(text["easel"])
    assert easel_doc["prompt"] == "一座灯塔, at dusk"
    s = easel_doc["settings"]
    assert (s["provider"], s["model"], s["size"], s["quality"], s["n"], s["image_size"]) == \
        ("qcode", "gpt-image-2", "1536x1024", "high", 1, "1536x1024")
    assert text["parameters"] == ("一座灯塔, at dusk\nProvider: qcode, Model: gpt-image-2, Requested size: 1536x1024, "
                                  "Quality: high, Batch size: 1, Size: 1536x1024, Software: Easel")
    assert "cr-test-cli-key" not in path.read_bytes().decode("latin-1")
    # The stored blob is the provider's bytes, untouched: only the copy handed out is stamped.
    [sent] = sim.requests("/images/generations")
    assert sent.json["size"] == "1536x1024" and sent.json["quality"] == "high"

    shown = easel(env, "info", str(path), "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"source": "easel", "prompt": "一座灯塔, at dusk", "negative_prompt": "",
                                        "settings": s}
    plain = easel(env, "info", str(path))
    assert plain.returncode == 0 and plain.stdout.splitlines()[:2] == ["Source: Easel", "Prompt: 一座灯塔, at dusk"]
    assert ["quality", "high"] in [line.split() for line in plain.stdout.splitlines()]
    assert plain.stdout.splitlines()[2].split() == ["provider", "qcode"]          # in the order the job has them


def _png(path: Path, text: dict | None = None) -> Path:
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_itxt(k, v)
    out = io.BytesIO()
    Image.new("RGB", (40, 30)).save(out, "PNG", pnginfo=info)
    path.write_bytes(out.getvalue())
    return path


def test_info_reads_an_a1111_png_and_says_plainly_when_there_is_nothing(env, tmp_path):  # noqa: F811
    proc = easel(env, "info", str(_png(tmp_path / "a1111.png", {"parameters": A1111_TEXT})), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "source": "a1111", "prompt": "一只穿着宇航服的柴犬, masterpiece", "negative_prompt": "lowres, (worst quality:1.4)",
        "settings": {"Steps": "28", "Sampler": "DPM++ 2M Karras", "CFG scale": "7", "Seed": "42",
                     "image_size": "832x1216", "size": "832x1216",
                     "Lora hashes": "shiba_v2: 8d3f1a2b3c4d, extra: 99aa", "Version": "v1.9.4"}}
    bare = _png(tmp_path / "bare.png")
    assert json.loads(easel(env, "info", str(bare), "--json").stdout) == {
        "source": "none", "prompt": "", "negative_prompt": "", "settings": {}}
    plain = easel(env, "info", str(bare))
    assert (plain.returncode, plain.stdout.strip()) == (
        0, "bare.png carries no prompt or settings (no Easel or AUTOMATIC1111 metadata).")


def test_info_on_a_missing_file_or_a_non_image_exits_2_with_the_rule(env, tmp_path):  # noqa: F811
    missing = easel(env, "info", str(tmp_path / "nope.png"))
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr.strip() == f"Error: {tmp_path / 'nope.png'}: no such file."
    text = tmp_path / "notes.png"
    text.write_text("just words")
    bad = easel(env, "info", str(text), "--json")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip() == "Error: notes.png is not a PNG, JPEG or WebP image. [unsupported_image_type]"
    cut = tmp_path / "cut.png"
    cut.write_bytes(_png(tmp_path / "whole.png").read_bytes()[:50])
    broken = easel(env, "info", str(cut))
    assert broken.returncode == 2
    assert broken.stderr.strip() == ("Error: cut.png is corrupt or truncated and could not be decoded. "
                                     "[corrupt_image]")
