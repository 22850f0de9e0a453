"""What every sensor of the pipeline shares: how often they look, whether a run of a job
is still under way, and one run per range of changed days."""

from dagster import (
    DagsterInvariantViolationError,
    DagsterRunStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
)

from lake.transforms import RefreshRange
from orchestration.defs.partitions import CHANGED_DAYS_TAG, range_tags

__all__ = ["SENSOR_INTERVAL_S", "busy", "range_runs"]

#: The sensors' minimum interval (seconds): below the daemon's own loop (it evaluates
#: sensors every 5 s at most), so they look on every loop.  An interval of 5 made them
#: look every *other* loop (10 s): the daemon measures the interval from the end of the
#: last evaluation, a little under 5 s before the next loop.  Short is safe because a
#: sensor asks for nothing while a run of its job is still queued or running
#: (:func:`busy`): new files and changes wait for that run and then go in one run, so
#: a short interval adds no runs under load — it only takes the wait out of the lag.
SENSOR_INTERVAL_S = 1

_UNFINISHED = [
    DagsterRunStatus.QUEUED,
    DagsterRunStatus.NOT_STARTED,
    DagsterRunStatus.STARTING,
    DagsterRunStatus.STARTED,
    DagsterRunStatus.CANCELING,
]


def busy(context: SensorEvaluationContext, job: str, tag: str | None = None) -> bool:
    """A run of ``job`` (with ``tag``, if given) is queued or running.  Asking for another
    now would only queue it behind (runs of one job share the embedded engine and the
    same partitions), and each run pays a process start and code load of ~3 s."""
    try:
        instance = context.instance
    except DagsterInvariantViolationError:  # a context built without an instance (tests)
        return False
    runs = instance.get_runs(RunsFilter(job_name=job, statuses=_UNFINISHED), limit=50)
    return any(tag is None or tag in run.tags for run in runs)


def range_runs(
    ranges: list[RefreshRange], key_prefix: str = "", days_tag: str = CHANGED_DAYS_TAG
) -> SensorResult:
    """One run per range, keyed by the range and its newest change (so a range is asked
    for once per change), tagged so that its success marks those changes done."""
    return SensorResult(
        run_requests=[
            RunRequest(
                run_key=f"{key_prefix}{r.first}..{r.last}@{r.noted_until.isoformat()}",
                tags=range_tags(r, days_tag),
            )
            for r in ranges
        ]
    )
