"""Compare: one prompt and one set of settings sent to 2–6 providers at once, each mapped to its nearest valid
values, every column an ordinary job sharing one comparison id. UI-free; the page and `easel compare` use it.

mapping (settings → one provider's request, with change notes) · targets (what a column runs against) ·
plan (estimates, totals, quota and budget warnings) · run (submit, rerun, results, winner) · archive (the ZIP).
"""

from easel.compare.mapping import CompareSettings, MappedRequest, map_settings
from easel.compare.plan import ColumnPlan, ComparisonPlan, plan_comparison
from easel.compare.run import ColumnResult, pick_winner, rerun_column, results, start
from easel.compare.targets import Target, demo_target, keyed_target, parse_name, target_label

__all__ = ["CompareSettings", "MappedRequest", "map_settings", "ColumnPlan", "ComparisonPlan", "plan_comparison",
           "ColumnResult", "pick_winner", "rerun_column", "results", "start", "Target", "demo_target",
           "keyed_target", "parse_name", "target_label"]
