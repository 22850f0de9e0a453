"""Dagster definitions by domain."""
