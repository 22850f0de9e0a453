"""Small Markdown previews of frames for asset pages in Dagster's UI."""

import polars as pl
from dagster import MetadataValue

__all__ = ["preview"]


def preview(df: pl.DataFrame, columns: list[str], rows: int = 5) -> MetadataValue:
    """The first ``rows`` rows of ``df``'s ``columns`` as a Markdown table."""
    head = df.select(columns).head(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in head.rows()]
    return MetadataValue.md("\n".join(lines))
