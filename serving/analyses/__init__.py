"""Analyses: each defined once, rendered for any backend."""

from serving.analyses.report import ReportAnswer, run_report

__all__ = ["ReportAnswer", "run_report"]
