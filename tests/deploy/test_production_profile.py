"""The production profile (deploy/) loads where it can be loaded here: Dagster's instance
on a real PostgreSQL with compute logs on a real S3 API (moto), the Helm values against
the chart's documented keys, the ClickHouse cluster DDL and settings, the S3 lifecycle
rules, the Dockerfiles linted; and two gateway processes land into one lake exactly once."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Literal

import boto3
import httpx
import orjson
import polars as pl
import pytest
import yaml
from pydantic import BaseModel, ConfigDict

from lake.settings import Settings
from lake.storage import EVENT_SCHEMA, Lake, LakePaths
from tests.conftest import Env, LiveGateway, make_env

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ROOT = DEPLOY.parent


def _event(client: str, event_id: str, minute: int) -> dict[str, Any]:
    return {
        "tracking_id": "ST-TEST",
        "client_id": client,
        "event_id": event_id,
        "event_type": "pageview",
        "timestamp": f"2026-03-02T10:{minute:02d}:00Z",
        "page": {"url": f"https://shop.example/p{minute % 3}"},
    }


def test_dagster_instance_on_postgres_with_compute_logs_on_s3(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    postgres_url: str,
    s3_endpoint: str,
) -> None:
    """deploy/dagster/dagster.yaml as the instance of a real pipeline run: the runs are
    recorded in PostgreSQL, and a step's captured output is uploaded to the bucket."""
    from dagster import DagsterInstance
    from dagster_aws.s3.compute_log_manager import S3ComputeLogManager
    from dagster_postgres import PostgresRunStorage
    from fastapi.testclient import TestClient

    from ingest_gateway.app import create_app
    from orchestration.runner import run_pipeline

    env = make_env(tmp_path / "strata", monkeypatch)
    home = tmp_path / "dagster"
    home.mkdir()
    shutil.copy(DEPLOY / "dagster" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", postgres_url.replace("+psycopg", "+psycopg2"))
    monkeypatch.setenv("DAGSTER_S3_BUCKET", "strata")
    monkeypatch.setenv("DAGSTER_S3_PREFIX", "dagster/compute-logs")
    monkeypatch.setenv("DAGSTER_S3_ENDPOINT_URL", s3_endpoint)
    instance = DagsterInstance.get()
    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.compute_log_manager, S3ComputeLogManager)

    with TestClient(create_app(env.settings)) as gateway:
        sent = [_event(f"c{i % 4}", f"e{i}", i) for i in range(12)]
        assert gateway.post("/api/v1/events", json=sent).status_code == 202
    report = run_pipeline(echo=False)
    assert report["bronze/events"]["new_events"] == 12
    runs = DagsterInstance.get().get_runs()
    steps = {"bronze/events", *(name for name in report if name != "bronze/events")}
    assert len(runs) >= len(steps) and all(r.is_success for r in runs)

    with instance.compute_log_manager.capture_logs(["strata", "deploy-test"]):
        print("captured by the production instance")
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    listed = s3.list_objects_v2(Bucket="strata", Prefix="dagster/compute-logs/")
    keys = [o["Key"] for o in listed.get("Contents", [])]
    stdout = next(k for k in keys if "deploy-test" in k and k.endswith(".out"))
    body = s3.get_object(Bucket="strata", Key=stdout)["Body"].read()
    assert b"captured by the production instance" in body


# The keys of Dagster's Helm chart that deploy/helm/values.yaml sets, as the chart
# documents them (its values schema, helm/dagster/schema); any other key is refused.
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Image(_Strict):
    repository: str
    tag: str
    pullPolicy: Literal["Always", "IfNotPresent", "Never"]


class _SecretRef(_Strict):
    name: str


class _UserDeployment(_Strict):
    name: str
    image: _Image
    dagsterApiGrpcArgs: list[str]
    port: int
    envSecrets: list[_SecretRef] = []
    resources: dict[str, dict[str, str]] = {}


class _UserDeployments(_Strict):
    enabled: bool
    deployments: list[_UserDeployment]


class _Webserver(_Strict):
    replicaCount: int
    envSecrets: list[_SecretRef] = []


class _QueuedRunCoordinator(_Strict):
    dequeueIntervalSeconds: int | None = None
    maxConcurrentRuns: int | None = None


class _RunCoordinator(_Strict):
    enabled: bool
    type: Literal["QueuedRunCoordinator", "CustomRunCoordinator"]
    config: dict[Literal["queuedRunCoordinator"], _QueuedRunCoordinator]


class _Daemon(_Strict):
    enabled: bool
    envSecrets: list[_SecretRef] = []
    runCoordinator: _RunCoordinator
    runRetries: dict[str, Any] = {}
    runMonitoring: dict[str, Any] = {}


class _RunK8sConfig(_Strict):
    containerConfig: dict[str, Any] | None = None
    podSpecConfig: dict[str, Any] | None = None


class _K8sRunLauncher(_Strict):
    imagePullPolicy: Literal["Always", "IfNotPresent", "Never"]
    loadInclusterConfig: bool
    envConfigMaps: list[_SecretRef]
    envSecrets: list[_SecretRef]
    envVars: list[str]
    volumeMounts: list[dict[str, Any]]
    volumes: list[dict[str, Any]]
    runK8sConfig: _RunK8sConfig | None = None


class _RunLauncher(_Strict):
    type: Literal["K8sRunLauncher", "CeleryK8sRunLauncher", "CustomRunLauncher"]
    config: dict[Literal["k8sRunLauncher"], _K8sRunLauncher]


class _Service(_Strict):
    port: int


class _PostgreSQL(_Strict):
    enabled: bool
    postgresqlHost: str
    postgresqlUsername: str
    postgresqlPassword: str
    postgresqlDatabase: str
    service: _Service


class _S3ComputeLogManager(_Strict):
    bucket: str
    prefix: str | None = None
    region: str | None = None
    endpointUrl: str | None = None
    skipEmptyFiles: bool | None = None
    uploadInterval: int | None = None


class _ComputeLogManager(_Strict):
    type: Literal["S3ComputeLogManager"]
    config: dict[Literal["s3ComputeLogManager"], _S3ComputeLogManager]


class _TagLimit(_Strict):
    key: str
    value: str | None = None
    limit: int


class _Concurrency(_Strict):
    enabled: bool
    pools: dict[Literal["defaultLimit", "granularity", "opGranularityRunBuffer"], Any]
    runs: dict[Literal["maxConcurrentRuns", "tagConcurrencyLimits"], Any]


class _Telemetry(_Strict):
    enabled: bool


class _HelmValues(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    user_deployments: _UserDeployments
    dagsterWebserver: _Webserver
    dagsterDaemon: _Daemon
    runLauncher: _RunLauncher
    postgresql: _PostgreSQL
    generatePostgresqlPasswordSecret: bool
    computeLogManager: _ComputeLogManager
    concurrency: _Concurrency
    telemetry: _Telemetry


def test_helm_values_use_the_charts_documented_keys() -> None:
    raw = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    raw["user_deployments"] = raw.pop("dagster-user-deployments")
    values = _HelmValues.model_validate(raw)
    pipeline, marts = values.user_deployments.deployments
    assert pipeline.dagsterApiGrpcArgs == ["-m", "orchestration.definitions"]
    assert marts.dagsterApiGrpcArgs == ["-m", "orchestration.warehouse"]
    import orchestration.definitions
    import orchestration.warehouse

    # what the code servers load
    assert callable(orchestration.definitions.defs) and callable(orchestration.warehouse.defs)
    for limit in values.concurrency.runs["tagConcurrencyLimits"]:
        _TagLimit.model_validate(limit)
    local = yaml.safe_load((DEPLOY / "dagster" / "dagster.yaml").read_text())
    # the same rules under the chart as in dagster.yaml
    rules = local["concurrency"]["runs"]["tag_concurrency_limits"]
    assert values.concurrency.runs["tagConcurrencyLimits"] == rules


def test_cluster_ddl_is_the_rendered_one_and_parses(env: Env) -> None:
    """deploy/clickhouse/cluster.sql is what ``python -m lake.hot_tier.raw_tables
    --cluster strata`` prints now (no drift), every statement parses, and the server
    settings define that cluster with replicated shards."""
    from lake.hot_tier import hot_tier

    rendered = subprocess.run(
        [sys.executable, "-W", "ignore", "-m", "lake.hot_tier.raw_tables", "--cluster", "strata"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    committed = (DEPLOY / "clickhouse" / "cluster.sql").read_text()
    assert committed == rendered, "regenerate deploy/clickhouse/cluster.sql"
    statements = [s for s in committed.split(";\n\n") if s.strip()]
    assert any("ENGINE = Distributed('strata'" in s for s in statements)
    with hot_tier(env.settings) as client:  # ClickHouse's own parser
        for statement in statements:
            (formatted,) = client.query(
                "SELECT formatQuery({q:String})", parameters={"q": statement}
            ).result_rows[0]
            assert formatted.split()[1] == "TABLE", statement[:80]  # CREATE or ALTER
    config = ET.parse(DEPLOY / "clickhouse" / "strata-cluster.xml").getroot()
    shards = config.findall("./remote_servers/strata/shard")
    assert len(shards) >= 2
    assert all(s.findtext("internal_replication") == "true" for s in shards)
    assert all(len(s.findall("replica")) >= 2 for s in shards)
    assert {m.tag for m in config.find("macros")} == {"shard", "replica"}  # type: ignore[union-attr]


def test_s3_lifecycle_rules_load_and_never_outrun_retention(s3_endpoint: str) -> None:
    rules = orjson.loads((DEPLOY / "s3" / "landing-lifecycle.json").read_bytes())
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    s3.put_bucket_lifecycle_configuration(Bucket="strata", LifecycleConfiguration=rules)
    try:
        found = s3.get_bucket_lifecycle_configuration(Bucket="strata")["Rules"]
    finally:
        s3.delete_bucket_lifecycle(Bucket="strata")
    assert [r["ID"] for r in found] == [r["ID"] for r in rules["Rules"]]
    landing = LakePaths("s3://strata/lake").landing_events.removeprefix("s3://strata/")
    expiring = [r for r in rules["Rules"] if "Expiration" in r]
    assert all(landing.startswith(r["Filter"]["Prefix"]) for r in expiring)
    # landing files expire only after every default retention has let go of them
    assert all(r["Expiration"]["Days"] > Settings().raw_retention_days for r in expiring)


@pytest.mark.parametrize("name", ["gateway", "api", "pipeline"])
def test_dockerfiles_are_multi_stage_non_root_and_lint_clean(name: str) -> None:
    dockerfile = DEPLOY / "docker" / f"{name}.Dockerfile"
    hadolint = Path(sys.executable).with_name("hadolint")
    out = subprocess.run(
        [str(hadolint), "--failure-threshold", "info", "--no-color", str(dockerfile)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line.split() for line in dockerfile.read_text().splitlines() if line.strip()]
    assert sum(1 for words in lines if words[0] == "FROM") >= 2
    users = [words[1] for words in lines if words[0] == "USER"]
    assert users and users[-1].isdigit() and int(users[-1]) > 0
    for words in lines:
        if words[0] == "COPY" and not any(w.startswith("--from") for w in words):
            for source in words[1:-1]:
                assert (ROOT / source).exists(), f"{name}: COPY {source}: not in the repository"


def test_two_gateway_processes_land_into_one_lake_exactly_once(env: Env) -> None:
    """Two gateways (distinct ids and WALs) behind a balancer that retries through the
    other one: every event is in bronze once, from landing files of both gateways."""
    from orchestration.runner import run_pipeline

    gateways = [
        LiveGateway(
            env, STRATA_GATEWAY_ID=name, STRATA_WAL_DIR=str(env.settings.home / f"wal-{name}")
        )
        for name in ("gw-a", "gw-b")
    ]
    try:
        sent: set[str] = set()
        for b in range(10):
            batch = [_event(f"c{b}", f"b{b}-{i}", i) for i in range(20)]
            sent |= {e["event_id"] for e in batch}
            targets = gateways if b % 3 == 0 else [gateways[b % 2]]  # a retry: both got it
            for gateway in targets:
                answer = httpx.post(f"{gateway.url}/api/v1/events", json=batch, timeout=10)
                assert answer.status_code == 202, answer.text
    finally:
        for gateway in gateways:
            gateway.stop()  # SIGTERM lands each WAL
    lake, paths = Lake(env.settings), LakePaths(env.settings.lake_uri)
    files = lake.list_files(paths.landing_events)
    assert {Path(f).name[:5] for f in files} == {"gw-a-", "gw-b-"}  # <gateway id>-<segment>
    assert lake.read_parquet(files, EVENT_SCHEMA).height == 10 * 20 + 4 * 20  # 4 retried
    run_pipeline(echo=False)
    ids = pl.read_delta(paths.bronze_events)["event_id"].to_list()
    assert sorted(ids) == sorted(sent)
