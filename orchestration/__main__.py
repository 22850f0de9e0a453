"""``python -m orchestration``: materialize everything due, once (``strata pipeline``)."""

import warnings

from dagster import BetaWarning

from orchestration.runner import run_pipeline

if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=BetaWarning)  # Dagster's, not the user's
    run_pipeline()
