"""What showing stored errors in the viewer's language costs a page run: `translate_logged` on 50 stored English
error lines (the Tasks page's worst case: a page of failed jobs), in Chinese, against the plain English pass.

Half the lines match a catalog entry with fields (found by pattern), half are a provider's own words that match
nothing (every candidate pattern is tried, the worst case). The catalog is padded with `--extra` synthetic ids with
fields, to stand for the other parts' messages once every page is translated; each candidate is first screened by
its longest literal piece before its regex runs, and `--no-screen` times the same lines without that screen. A
line is matched once per language and cached, so a rerun of the page (every click) only looks it up: both are
printed.

    python benchmarks/bench_error_i18n.py [--lines 50] [--extra 1500] [--runs 25] [--no-screen]
"""

from __future__ import annotations

import argparse
import statistics
import time

import _common  # noqa: F401  (puts the repository on sys.path)

from easel.core import errors
from easel.core.i18n import use_language

STORED = [
    "QCode: This key reached its daily image cap (QCode: 100 images per key per day, reset at 00:00 Beijing time). "
    "Provider said: daily cap 100/100",
    "The connection to QCode failed (ConnectError). (after 3 attempts)",
    "gccai's task t-{i} did not finish within 600 s, so Easel stopped polling it. It may still finish (and be "
    "billed): use 'Check now' to look again.",
    "openai-hk: Task t-{i} failed: the upstream content filter rejected the prompt",
    "icodeeasy: upstream said something Easel never wrote, number {i}",
]


def _padded(extra: int, screen: bool):
    real = errors._patterns("zh")
    fake = []
    for i in range(extra):
        msgid = f"Synthetic message number {i} about {{thing}} and {{other}} that no line matches."
        pattern, literal = errors._pattern(msgid)
        fake.append((pattern, literal, msgid, max(errors._FIELD.sub("\0", msgid).split("\0"), key=len) if screen
                     else ""))
    real = tuple(p[:3] + ((p[3] if screen else ""),) for p in real)
    return tuple(sorted(real + tuple(fake), key=lambda item: -item[1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=50)
    ap.add_argument("--extra", type=int, default=1500)
    ap.add_argument("--runs", type=int, default=25)
    ap.add_argument("--no-screen", action="store_true")
    a = ap.parse_args()
    lines = [STORED[i % len(STORED)].format(i=i) for i in range(a.lines)]
    padded = _padded(a.extra, not a.no_screen)
    original = errors._patterns
    errors._patterns = lambda lang: padded       # the padded catalog, as the merged one will be
    try:
        def run(lang: str, *, first: bool) -> float:
            if first:
                errors._translate_logged.cache_clear()               # a first view: nothing matched yet
            with use_language(lang):
                start = time.perf_counter()
                for line in lines:
                    errors.translate_logged(line)
                return time.perf_counter() - start

        run("zh", first=True)                                        # warm the regex cache
        zh = statistics.median(run("zh", first=True) for _ in range(a.runs))
        rerun = statistics.median(run("zh", first=False) for _ in range(a.runs))
        en = statistics.median(run("en", first=True) for _ in range(a.runs))
    finally:
        errors._patterns = original
    print(f"{a.lines} stored lines, {len(padded)} patterns, screen {'off' if a.no_screen else 'on'}: "
          f"zh first view {zh * 1000:.2f} ms ({zh / a.lines * 1e6:.0f} µs a line), zh rerun {rerun * 1000:.3f} ms, "
          f"en {en * 1000:.3f} ms; rerun ÷ en ×{rerun / en:.1f}")


if __name__ == "__main__":
    main()
