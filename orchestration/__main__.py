"""``python -m orchestration``: materialize everything due, once (``strata pipeline``);
``python -m orchestration retention``: the data retention job at once (``strata retention``);
``python -m orchestration hot-tier-rebuild [DAYS] [SITE]``: ``strata hot-tier rebuild``
(DAYS ``-`` for every day);
``python -m orchestration erase``: every open erasure request at once (``strata erase``)."""

import sys
import warnings

from dagster import BetaWarning

from orchestration.runner import run_erasures, run_hot_tier_rebuild, run_pipeline, run_retention

if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=BetaWarning)  # Dagster's, not the user's
    args = sys.argv[1:]
    if args == ["retention"]:
        run_retention()
    elif args == ["erase"]:
        run_erasures()
    elif args[:1] == ["hot-tier-rebuild"]:
        days = args[1] if len(args) > 1 and args[1] != "-" else None
        run_hot_tier_rebuild(int(days) if days else None, site=args[2] if len(args) > 2 else None)
    else:
        run_pipeline()
