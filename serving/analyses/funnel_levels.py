"""How far each visitor (or session) got through a funnel: the definition, in Polars.

The engine hands over one row per candidate event — ``u`` (the unit: a visitor, or a
session), ``seq`` (the event's place among the unit's events: time, then event id),
``t`` (microseconds since 1970), ``s0…`` (matches step i), ``x0…`` (matches exclusion
i), ``b`` (breakdown value) — and this module applies the definition of
docs/product-analytics.md:

* an *entry* is a step-1 event inside the range (``order: any``: an event of any step);
* from an entry, each later step is the unit's first matching event after the previous
  matched one (``strict``: the very next event of the unit) and no later than the entry
  plus the window (inclusive); ``any`` counts the distinct steps with a matching event
  from the entry to the end of its window;
* an entry is dropped when an exclusion event falls between its matched ``from`` and
  ``to`` steps; a unit's level is the best over its remaining entries, and the latest
  entry reaching that level is the one whose times are reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

__all__ = ["Exclusion", "FunnelRules", "entry_levels", "unit_levels"]

_NEVER = 2**62  # a sequence number no event has: chains that stopped match nothing more


@dataclass(frozen=True)
class Exclusion:
    """Entries with an event matching column ``x<index>`` strictly between their matched
    steps ``from_step`` and ``to_step`` (0-based) are dropped."""

    index: int
    from_step: int
    to_step: int


@dataclass(frozen=True)
class FunnelRules:
    """The shape of a funnel, without its conditions (those became the ``s``/``x`` columns)."""

    steps: int
    window_us: int
    order: str = "ordered"  # ordered | strict | any
    exclusions: tuple[Exclusion, ...] = ()


def _entries(rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int) -> pl.DataFrame:
    step = [pl.col(f"s{i}") for i in range(rules.steps)]
    first = pl.any_horizontal(step) if rules.order == "any" else step[0]
    keep = ["u", "b"] if "b" in rows.columns else ["u"]
    return rows.filter(first & (pl.col("t") >= lo) & (pl.col("t") < hi)).select(
        *keep, e_seq=pl.col("seq"), e_t=pl.col("t"), q0=pl.col("seq"), t0=pl.col("t")
    )


def _candidates(rows: pl.DataFrame, column: str, k: int) -> pl.DataFrame:
    return (
        rows.filter(pl.col(column))
        .select("u", pl.col("seq").alias(f"q{k}"), pl.col("t").alias(f"t{k}"))
        .sort(f"q{k}")
    )


def _within(rules: FunnelRules, k: int) -> pl.Expr:
    return pl.col(f"t{k}").is_not_null() & (pl.col(f"t{k}") <= pl.col("e_t") + rules.window_us)


def _ordered(rows: pl.DataFrame, chain: pl.DataFrame, rules: FunnelRules) -> pl.DataFrame:
    for k in range(1, rules.steps):
        found = _candidates(rows, f"s{k}", k)
        if rules.order == "strict":  # the unit's very next event, and it matches
            chain = chain.with_columns(_next=pl.col(f"q{k - 1}") + 1).join(
                found.rename({f"q{k}": "_next"}), on=["u", "_next"], how="left"
            )
            chain = chain.with_columns(pl.col("_next").alias(f"q{k}")).drop("_next")
        else:
            chain = chain.sort(f"q{k - 1}").join_asof(
                found,
                left_on=f"q{k - 1}",
                right_on=f"q{k}",
                by="u",
                strategy="forward",
                check_sortedness=False,
                allow_exact_matches=False,
                coalesce=False,
            )
            chain = chain.drop("u_right", strict=False)
        ok = _within(rules, k)
        chain = chain.with_columns(
            pl.when(ok).then(pl.col(f"q{k}")).otherwise(_NEVER).alias(f"q{k}"),
            pl.when(ok).then(pl.col(f"t{k}")).alias(f"t{k}"),
        )
    times = [pl.col(f"t{k}") for k in range(rules.steps)]
    chain = chain.with_columns(times=pl.concat_list(times).list.drop_nulls())
    return _excluded(rows, chain, rules)


def _any(rows: pl.DataFrame, chain: pl.DataFrame, rules: FunnelRules) -> pl.DataFrame:
    chain = chain.sort("e_seq")
    for k in range(rules.steps):
        found = _candidates(rows, f"s{k}", k).rename({f"q{k}": f"m{k}"})
        chain = chain.drop([f"t{k}"], strict=False).join_asof(
            found,
            left_on="e_seq",
            right_on=f"m{k}",
            by="u",
            strategy="forward",
            coalesce=False,
            check_sortedness=False,
        )
        chain = chain.drop("u_right", strict=False).with_columns(
            pl.when(_within(rules, k)).then(pl.col(f"t{k}")).alias(f"t{k}")
        )
    times = [pl.col(f"t{k}") for k in range(rules.steps)]
    return chain.with_columns(
        times=pl.concat_list(times).list.drop_nulls().list.sort(), excluded=pl.lit(False)
    )


def _excluded(rows: pl.DataFrame, chain: pl.DataFrame, rules: FunnelRules) -> pl.DataFrame:
    """Flag entries whose chain has an exclusion event between its ``from`` and ``to``."""
    chain = chain.with_columns(excluded=pl.lit(False))
    for ex in rules.exclusions:
        found = rows.filter(pl.col(f"x{ex.index}")).select("u", _xq=pl.col("seq")).sort("_xq")
        chain = chain.sort(f"q{ex.from_step}").join_asof(
            found,
            left_on=f"q{ex.from_step}",
            right_on="_xq",
            by="u",
            strategy="forward",
            check_sortedness=False,
            allow_exact_matches=False,
            coalesce=False,
        )
        reached = pl.col(f"t{ex.to_step}").is_not_null()
        between = pl.col("_xq").is_not_null() & (pl.col("_xq") < pl.col(f"q{ex.to_step}"))
        chain = chain.drop("u_right", strict=False).with_columns(
            excluded=pl.col("excluded") | (reached & between)
        )
        chain = chain.drop("_xq")
    return chain


def entry_levels(rows: pl.DataFrame, rules: FunnelRules, lo: int, hi: int) -> pl.DataFrame:
    """One row per entry: ``u``, ``b`` (if given), ``e_seq``, ``e_t``, ``times`` (the
    matched steps' times, one per step reached) and ``excluded``."""
    rows = rows.with_columns(pl.col("seq").cast(pl.Int64), pl.col("t").cast(pl.Int64))
    rows = rows.with_columns(pl.col(r"^[sx]\d+$").cast(pl.Boolean))
    chain = _entries(rows, rules, lo, hi)
    chain = _any(rows, chain, rules) if rules.order == "any" else _ordered(rows, chain, rules)
    keep = ["u", "b"] if "b" in chain.columns else ["u"]
    return chain.select(*keep, "e_seq", "e_t", "times", "excluded")


def unit_levels(entries: pl.DataFrame, by: list[str], rules: FunnelRules, hi: int) -> pl.DataFrame:
    """One row per unit (and ``by`` value): ``level`` (steps reached, 0 when every entry
    was excluded), ``times`` of its reported chain, ``open`` (some entry's window is
    still open at ``hi``, the end of the range)."""
    kept = entries.filter(~pl.col("excluded")).with_columns(level=pl.col("times").list.len())
    best = (
        kept.sort(["level", "e_seq"])
        .group_by([*by, "u"])
        .agg(
            pl.col("level").last(),
            pl.col("times").last(),
            open=(pl.col("e_t").max() + rules.window_us) > hi,
        )
    )
    dropped = (
        entries.group_by([*by, "u"])
        .agg(pl.col("excluded").all())
        .filter(pl.col("excluded"))
        .select(*by, "u", level=pl.lit(0, pl.UInt32), times=pl.lit([], pl.List(pl.Int64)))
        .with_columns(open=pl.lit(False))
    )
    best = best.with_columns(pl.col("level").cast(pl.UInt32))
    return pl.concat([best, dropped.select(best.columns)], how="vertical_relaxed")
