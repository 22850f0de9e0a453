"""Analyses: each defined once, rendered for any backend."""

from serving.analyses.report import ReportAnswer, comparison_range, run_report

__all__ = ["ReportAnswer", "comparison_range", "run_report"]
