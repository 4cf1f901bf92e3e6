"""What showing kept English texts in another language costs: easel.core.i18n_text.shown() over a page of stored
sentences (a batch's row messages, a comparison's notes, a scorecard's checks), first seen and seen again.

    python benchmarks/bench_i18n_text.py

A stored sentence is a plain str: shown() finds the template it was made from (a substring test on the
template's longest fixed piece, then its regex) and renders the translation. A sentence no template made (a
provider's own message) is tried against every template before it is shown as is. Medians of --runs, per 1,000
distinct sentences: a quarter each of a parse error with its code, a provider message, a compare note, a prompt.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    a = ap.parse_args()
    import easel.batch  # noqa: F401 - every package whose templates a page may show
    import easel.compare  # noqa: F401
    import easel.scorecard  # noqa: F401
    import easel.usage.reconcile  # noqa: F401
    from easel.core import i18n_text
    from easel.core.i18n import use_language

    cold, warm = [], []
    for run in range(a.runs):
        texts = ([f"n must be a whole number; got 'x{run}-{i}'. [n_not_a_number]" for i in range(250)]
                 + [f"QCode: upstream said no {run}-{i} [unsupported_size]" for i in range(250)]
                 + [f"size 1536x{run}{i} → 3:2 at 1K (gccai takes ratios)" for i in range(250)]
                 + [f"a lighthouse in a storm, variant {run}-{i}" for i in range(250)])
        with use_language("zh"):
            t = time.perf_counter()
            for x in texts:
                i18n_text.shown(x)
            cold.append(time.perf_counter() - t)
            t = time.perf_counter()
            for x in texts:
                i18n_text.shown(x)
            warm.append(time.perf_counter() - t)
    print(f"templates: {len(i18n_text._REGISTRY)}")
    print(f"1,000 sentences, first seen: {statistics.median(cold) * 1000:.1f} ms")
    print(f"1,000 sentences, seen again: {statistics.median(warm) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
