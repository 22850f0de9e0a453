# The pipeline: Dagster's code location (a gRPC server the webserver and daemon ask for
# the definitions) and the image every run executes in (K8sRunLauncher: a pod per run).
# The dbt project is included for the warehouse models. Build from the repository root:
#   docker build -f deploy/docker/pipeline.Dockerfile -t strata-pipeline .

FROM python:3.11.11-slim-bookworm AS build
WORKDIR /src
RUN python -m venv /opt/strata
COPY requirements.lock ./
# the locked versions only (the same resolution `make test` runs against)
RUN /opt/strata/bin/pip install --no-cache-dir --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY lake ./lake
COPY ingest_gateway ./ingest_gateway
COPY orchestration ./orchestration
COPY serving ./serving
COPY cli ./cli
COPY dbt_project ./dbt_project
RUN /opt/strata/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 strata \
    && mkdir -p /var/lib/strata && chown strata /var/lib/strata
COPY --from=build /opt/strata /opt/strata
# beside the installed packages, where Strata looks for it; writable: dbt's manifests
COPY --from=build --chown=10001 /src/dbt_project /opt/strata/lib/python3.11/site-packages/dbt_project
ENV PATH=/opt/strata/bin:$PATH \
    STRATA_HOME=/var/lib/strata
USER 10001
WORKDIR /var/lib/strata
EXPOSE 4000
CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", "-m", "orchestration.definitions"]
