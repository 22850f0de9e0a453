"""The gateway's ASGI app: ``create_app(settings)`` wires WAL, flusher and routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from ingest_gateway.commit import GroupCommit
from ingest_gateway.fastpath import GatewayApp
from ingest_gateway.flusher import Flusher
from ingest_gateway.intake import Intake
from ingest_gateway.ratelimit import RateLimiter
from ingest_gateway.routes import beacon, compat, events, tracker
from ingest_gateway.sites import SiteCache
from ingest_gateway.wal import WriteAheadLog
from lake.catalog import MetadataStore
from lake.settings import Settings

__all__ = ["create_app"]


def create_app(settings: Settings | None = None) -> GatewayApp:
    """Build the collector; on startup it replays the WAL, on shutdown it flushes it."""
    settings = settings or Settings.from_env()
    settings.ensure_dirs()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        wal = WriteAheadLog(settings.wal_dir, fsync=settings.wal_fsync)
        flusher = Flusher(wal, settings, settings.flush_seconds, settings.flush_events)
        flusher.start()
        commit = GroupCommit(wal, asyncio.get_running_loop())
        sites = SiteCache(MetadataStore(settings.metadata_url))
        app.state.intake = Intake(settings, wal, commit, flusher, sites, RateLimiter())
        try:
            yield
        finally:
            commit.stop()
            flusher.stop()

    app = FastAPI(title="Strata ingest gateway", version="1", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(events.router)
    app.include_router(beacon.router)
    app.include_router(compat.router)
    app.include_router(tracker.router)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        """Liveness probe."""
        return {"status": "ok"}

    return GatewayApp(app)
