"""The statistics of an A/B comparison, from per-variant totals (SciPy's distributions).

* conversion rate: the normal-approximation (Wald) interval, 95%, within 0..1 — the
  approximation the z-test makes;
* revenue per visitor: mean with a Student-t interval (95%) from the sum and the sum of
  squares of per-visitor revenue;
* each variant against the control: absolute and relative lift, a two-sided pooled
  two-proportion z-test on conversion, Welch's t-test on revenue per visitor, and with
  several variants Holm-adjusted p-values beside the raw ones;
* sample-ratio mismatch: a chi-square test of the exposed counts against an equal split
  (a warning below p = 0.001).

The tests are fixed-horizon: their error rates hold for one look at a sample size fixed
in advance; looking again and again as data arrives inflates false positives.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from scipy import stats

__all__ = [
    "MIN_CONVERSIONS",
    "MIN_VISITORS",
    "SRM_ALPHA",
    "VariantTotals",
    "compare_variants",
    "holm",
    "rate_interval",
]

#: Below these in a variant, or in the control, a comparison gives no p-values.
MIN_VISITORS, MIN_CONVERSIONS = 50, 5
#: A sample-ratio mismatch is warned about below this p-value.
SRM_ALPHA = 0.001
_Z95 = float(stats.norm.ppf(0.975))
_METHOD = (
    "Fixed-horizon tests: decide the sample size in advance and read the p-values once it "
    "is reached; looking repeatedly as data arrives inflates false positives."
)


@dataclass
class VariantTotals:
    """Exposed visitors, converted visitors, and the sum and sum of squares of their
    revenue in whole cents (exact integers)."""

    variant: str
    visitors: int = 0
    conversions: int = 0
    cents: int = 0
    cents_squares: int = 0

    def add(self, visitors: int, conversions: int, cents: int, squares: int) -> None:
        """Add a group of visitors' totals."""
        self.visitors += visitors
        self.conversions += conversions
        self.cents += cents
        self.cents_squares += squares

    @property
    def revenue(self) -> float:
        """Total revenue."""
        return self.cents / 100

    @property
    def rate(self) -> float:
        """Converted share of the exposed visitors."""
        return self.conversions / self.visitors if self.visitors else 0.0

    @property
    def mean_revenue(self) -> float:
        """Revenue per exposed visitor."""
        return self.cents / self.visitors / 100 if self.visitors else 0.0

    @property
    def revenue_sd(self) -> float:
        """Sample standard deviation of per-visitor revenue (0 with fewer than 2), from
        exact integer sums: ``(n·Σx² − (Σx)²) / (n(n−1))`` in cents²."""
        n = self.visitors
        if n < 2:
            return 0.0
        scaled = n * self.cents_squares - self.cents * self.cents  # an exact integer
        return math.sqrt(max(scaled, 0) / (n * (n - 1))) / 100

    @property
    def enough(self) -> bool:
        """Enough exposures and conversions for p-values."""
        return self.visitors >= MIN_VISITORS and self.conversions >= MIN_CONVERSIONS


def _number(value: float | None, digits: int = 10) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(f"{value:.{digits}g}")


def rate_interval(conversions: int, visitors: int) -> tuple[float, float]:
    """The 95% normal-approximation interval of a proportion, ``p ± z·√(p(1−p)/n)``,
    kept within 0..1."""
    if not visitors:
        return (0.0, 0.0)
    p = conversions / visitors
    half = _Z95 * math.sqrt(p * (1 - p) / visitors)
    return (max(0.0, p - half), min(1.0, p + half))


def _mean_interval(totals: VariantTotals) -> tuple[float | None, float | None]:
    if totals.visitors < 2:
        return (None, None)
    t = float(stats.t.ppf(0.975, totals.visitors - 1))
    half = t * totals.revenue_sd / math.sqrt(totals.visitors)
    return (totals.mean_revenue - half, totals.mean_revenue + half)


def _z_test(a: VariantTotals, b: VariantTotals) -> float | None:
    """Two-sided pooled two-proportion z-test p-value (None when both rates are 0 or 1)."""
    pooled = (a.conversions + b.conversions) / (a.visitors + b.visitors)
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.visitors + 1 / b.visitors))
    if se == 0:
        return None
    return float(2 * stats.norm.sf(abs((a.rate - b.rate) / se)))


def _welch(a: VariantTotals, b: VariantTotals) -> float | None:
    """Welch's t-test p-value on revenue per visitor (None when it is undefined)."""
    if a.revenue_sd == 0 and b.revenue_sd == 0:
        return None
    found = stats.ttest_ind_from_stats(
        a.mean_revenue, a.revenue_sd, a.visitors, b.mean_revenue, b.revenue_sd, b.visitors,
        equal_var=False,
    )  # fmt: skip
    return float(found.pvalue)


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm's step-down adjustment of a family of p-values (None stays None)."""
    known = sorted((p, i) for i, p in enumerate(p_values) if p is not None)
    adjusted: list[float | None] = [None] * len(p_values)
    running, m = 0.0, len(known)
    for rank, (p, i) in enumerate(known):
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted


def _variant(totals: VariantTotals) -> dict[str, Any]:
    lo, hi = rate_interval(totals.conversions, totals.visitors)
    rlo, rhi = _mean_interval(totals)
    return {
        "variant": totals.variant,
        "visitors": totals.visitors,
        "conversions": totals.conversions,
        "conversion_rate": _number(totals.rate),
        "conversion_rate_ci": [_number(lo), _number(hi)],
        "revenue": _number(totals.revenue),
        "revenue_per_visitor": _number(totals.mean_revenue),
        "revenue_per_visitor_ci": [_number(rlo), _number(rhi)],
    }


def _lift(value: float, base: float) -> tuple[float | None, float | None]:
    return _number(value - base), (_number((value - base) / base) if base else None)


def compare_variants(variants: list[VariantTotals], control: str | None) -> dict[str, Any]:
    """Variants (by name), each against the control, and the sample-ratio check."""
    variants = sorted(variants, key=lambda v: v.variant)
    names = [v.variant for v in variants]
    if control is None:
        control = names[0]
    if control not in names:
        raise KeyError(control)
    base = variants[names.index(control)]
    comparisons = []
    for totals in variants:
        if totals.variant == control:
            continue
        lift_abs, lift_rel = _lift(totals.rate, base.rate)
        rev_abs, rev_rel = _lift(totals.mean_revenue, base.mean_revenue)
        enough = totals.enough and base.enough
        comparisons.append(
            {
                "variant": totals.variant,
                "against": control,
                "status": "ok" if enough else "insufficient_data",
                "lift_abs": lift_abs,
                "lift_rel": lift_rel,
                "revenue_lift_abs": rev_abs,
                "revenue_lift_rel": rev_rel,
                "p_value_conversion": _number(_z_test(totals, base)) if enough else None,
                "p_value_revenue": _number(_welch(totals, base)) if enough else None,
            }
        )
    for kind in ("conversion", "revenue"):
        raw = [c[f"p_value_{kind}"] for c in comparisons]
        adjusted = holm(raw) if len(comparisons) > 1 else raw
        for c, p in zip(comparisons, adjusted, strict=True):
            c[f"p_value_{kind}_holm"] = _number(p)
    counts = [v.visitors for v in variants]
    srm = float(stats.chisquare(counts).pvalue) if len(counts) > 1 and sum(counts) else None
    return {
        "control": control,
        "variants": [_variant(v) for v in variants],
        "comparisons": comparisons,
        "sample_ratio_mismatch": {
            "p_value": _number(srm),
            "warning": srm is not None and srm < SRM_ALPHA,
            "expected": "an equal split between variants",
        },
        "status": (
            "ok"
            if comparisons and all(c["status"] == "ok" for c in comparisons)
            else "insufficient_data"
        ),
        "method": {
            "conversion": "two-sided pooled two-proportion z-test; normal 95% intervals",
            "revenue": "Welch's t-test on revenue per visitor; Student-t 95% intervals",
            "multiple_comparisons": "Holm-adjusted p-values beside the raw ones",
            "minimum": f"{MIN_VISITORS} exposed visitors and {MIN_CONVERSIONS} conversions "
            "in a variant and in the control for p-values",
            "horizon": "fixed",
            "note": _METHOD,
        },
    }
