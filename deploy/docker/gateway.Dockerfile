# The ingest gateway (`strata gateway`): one uvicorn worker per container. Run several
# behind a load balancer, each with its own STRATA_GATEWAY_ID and a persistent volume
# for its write-ahead log at /var/lib/strata/wal (acknowledged events wait there until
# they are landed in the lake). Build from the repository root:
#   docker build -f deploy/docker/gateway.Dockerfile -t strata-gateway .

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
RUN /opt/strata/bin/pip install --no-cache-dir --no-deps .

FROM python:3.11.11-slim-bookworm
RUN useradd --create-home --uid 10001 strata \
    && mkdir -p /var/lib/strata && chown strata /var/lib/strata
COPY --from=build /opt/strata /opt/strata
ENV PATH=/opt/strata/bin:$PATH \
    STRATA_HOME=/var/lib/strata
USER 10001
WORKDIR /var/lib/strata
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8080/healthz')"]
CMD ["python", "-m", "ingest_gateway", "--host", "0.0.0.0", "--port", "8080"]
