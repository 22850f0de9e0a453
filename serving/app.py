"""The query API's ASGI app: ``create_app(settings)``."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from lake.catalog import DefinitionStore, MetadataStore
from lake.hot_tier import HotTierBehindError, HotTierBusyError
from lake.settings import Settings
from lake.storage import DataVersion, Lake, LakePaths
from serving.analyses.funnels import warm_up
from serving.analyses.realtime import RecentEvents
from serving.auth import ApiKeyMiddleware
from serving.backends import ClickHouseBackend, DuckDBBackend, QueryTimeoutError, Tiers
from serving.cache import ResultCache
from serving.dashboard import mount_dashboard
from serving.memory import tune_allocator
from serving.ratelimit import KeyRateLimiter
from serving.routes import (
    erasures,
    experiments,
    funnels,
    goals,
    keys,
    query,
    realtime,
    retention,
    segments,
    sites,
)
from serving.sql_endpoint import SqlEngine, create_sql_app, mount_sql

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the serving API over the hot tier described by ``settings``."""
    settings = settings or Settings.from_env()
    settings.ensure_dirs()

    hot = ClickHouseBackend(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        tune_allocator()  # analyses' large arrays reuse freed memory (serving.memory)
        hot.prepare()
        # the funnel's compiled definition, loaded (or compiled, seconds) off the
        # request path; a funnel asked for meanwhile waits for it
        threading.Thread(target=warm_up, name="strata-warm-up", daemon=True).start()
        yield

    app = FastAPI(title="Strata query API", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.metadata = MetadataStore(settings.metadata_url)
    app.state.definitions = DefinitionStore(app.state.metadata.engine)
    app.state.backend = Tiers(hot, DuckDBBackend(settings), settings.hot_window_days)
    app.state.recent = RecentEvents(settings)
    lake = Lake(settings)
    app.state.cache = ResultCache(
        settings.query_cache_seconds,
        DataVersion(lake, LakePaths(settings.lake_uri)).current,
        version_check_seconds=1.0 if lake.is_s3 else 0.0,  # S3 pays a request per read
    )
    app.include_router(query.router)
    app.include_router(realtime.router)
    app.include_router(keys.router)
    app.include_router(erasures.router)
    app.include_router(funnels.router)
    app.include_router(segments.router)
    app.include_router(goals.router)
    app.include_router(retention.router)
    app.include_router(experiments.router)
    app.include_router(sites.router)
    limiter = KeyRateLimiter(settings.api_rate_limit_per_minute)
    app.state.limiter = limiter
    app.add_middleware(ApiKeyMiddleware, store=app.state.metadata, limiter=limiter)
    if settings.is_embedded_clickhouse:  # a ClickHouse server answers BI tools itself
        app.state.sql_engine = SqlEngine(settings)
        app.state.sql_app = create_sql_app(
            settings, app.state.metadata, limiter, app.state.sql_engine
        )
        mount_sql(app, "/clickhouse", app.state.sql_app)
    app.openapi = lambda: _openapi_without_422(app)  # type: ignore[method-assign]

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(p) for p in e['loc'] if p != 'body')}: {e['msg']}" for e in exc.errors()
        ]
        return JSONResponse({"detail": "; ".join(problems) or "invalid request"}, status_code=400)

    @app.exception_handler(HotTierBusyError)
    async def busy(request: Request, exc: HotTierBusyError) -> JSONResponse:
        return JSONResponse(
            {"detail": f"hot tier busy, retry shortly ({exc})"},
            status_code=503,
            headers={"Retry-After": "2"},
        )

    @app.exception_handler(HotTierBehindError)
    async def behind(request: Request, exc: HotTierBehindError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "30"})

    @app.exception_handler(QueryTimeoutError)
    async def timed_out(request: Request, exc: QueryTimeoutError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=504)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    mount_dashboard(app)

    return app


def _openapi_without_422(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document minus its default 422 answers: bad input here is a 400."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        schemas = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema
