"""The query API's ASGI app: ``create_app(settings)``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from lake.clickhouse import HotTierBusyError
from lake.metadata import MetadataStore
from lake.settings import Settings
from serving.auth import authorize
from serving.backends.clickhouse import prepare_hot_tier
from serving.routes import query

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the serving API over the hot tier described by ``settings``."""
    settings = settings or Settings.from_env()
    settings.ensure_dirs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        prepare_hot_tier(settings)
        yield

    app = FastAPI(title="Strata query API", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.state.metadata = MetadataStore(settings.metadata_url)
    app.state.authorize = authorize
    app.include_router(query.router)

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

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    return app
