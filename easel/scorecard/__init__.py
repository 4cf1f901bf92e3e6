"""The conformance scorecard: a fixed suite of probe requests per provider, judged against its doc.

prepare() plans the suite and prices it; run() sends it through the JobService (every probe in the usage log),
judges each check pass / fail / n/a with expected against got, and stores the run (easel.store.scorecards).
"""

from easel.scorecard.judge import CheckResult, MASK_TOLERANCE
from easel.scorecard.runner import SESSION_PREFIX, Plan, Scorecard, prepare, run
from easel.scorecard.suite import CHECKS

__all__ = ["CHECKS", "CheckResult", "MASK_TOLERANCE", "Plan", "Scorecard", "SESSION_PREFIX", "prepare", "run"]
