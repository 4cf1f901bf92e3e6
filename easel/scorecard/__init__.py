"""The conformance scorecard: a fixed suite of probe requests per provider, judged against its doc.

prepare() plans the suite and prices it; run() sends it through the JobService (every probe in the usage log),
judges each check pass / fail / n/a with expected against got, and stores the run (easel.store.scorecards).
The run is kept in English; `shown_check` and `check_title` give a check in the reader's language.
"""

from easel.scorecard.judge import CheckResult, MASK_TOLERANCE, VERDICTS, shown_check
from easel.scorecard.runner import SESSION_PREFIX, Plan, Scorecard, prepare, run
from easel.scorecard.suite import CHECK_LABELS, CHECK_TITLES, CHECKS, check_label, check_title

__all__ = ["CHECKS", "CHECK_TITLES", "CheckResult", "MASK_TOLERANCE", "Plan", "Scorecard", "SESSION_PREFIX", "VERDICTS",
           "check_label", "check_title", "prepare", "run", "shown_check", "CHECK_LABELS"]
