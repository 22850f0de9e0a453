# The query API and the dashboard (`strata serve`) against a ClickHouse server
# (STRATA_CLICKHOUSE_URL) and the lake on S3 (STRATA_LAKE_URI) for the cold tier; keep
# several replicas behind a load balancer (they hold no state). Build from the root:
#   docker build -f deploy/docker/api.Dockerfile -t strata-api .

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
# the project, then the funnel's compiled definition into Numba's cache beside the module (a host
# whose CPU differs compiles it again at start, off the request path)
RUN /opt/strata/bin/pip install --no-cache-dir --no-deps . \
    && /opt/strata/bin/python -c "from serving.analyses.funnels import warm_up; warm_up()"

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 strata \
    && mkdir -p /var/lib/strata && chown strata /var/lib/strata
COPY --from=build /opt/strata /opt/strata
ENV PATH=/opt/strata/bin:$PATH \
    STRATA_HOME=/var/lib/strata
USER 10001
WORKDIR /var/lib/strata
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8000/healthz')"]
CMD ["python", "-m", "serving", "--host", "0.0.0.0", "--port", "8000", "--sql-port", "0"]
