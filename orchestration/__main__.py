"""``python -m orchestration``: materialize everything due, once (``strata pipeline``);
``python -m orchestration retention``: the data retention job at once (``strata retention``)."""

import sys
import warnings

from dagster import BetaWarning

from orchestration.runner import run_pipeline, run_retention

if __name__ == "__main__":
    warnings.filterwarnings("ignore", category=BetaWarning)  # Dagster's, not the user's
    if sys.argv[1:] == ["retention"]:
        run_retention()
    else:
        run_pipeline()
