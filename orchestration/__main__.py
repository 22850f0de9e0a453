"""``python -m orchestration``: materialize everything due, once (``strata pipeline``)."""

from orchestration.runner import run_pipeline

if __name__ == "__main__":
    run_pipeline()
