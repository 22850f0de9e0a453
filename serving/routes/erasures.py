"""``POST /api/v1/admin/erasures`` and ``GET /api/v1/admin/erasures[/{id}]``: erase one
person of a site (admin scope).

The API records the request (``lake.catalog.ErasureStore``) and answers ``202`` with
its id at once; the pipeline carries it out (the ``erasure_requests`` sensor under
Dagster's daemon, or the next ``strata pipeline``/``strata erase``).  Its status and
the rows removed per store are read back by id; the id erased is never shown again.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, HTTPException, Query, Request
from pydantic import BaseModel, Field, model_validator
from starlette.concurrency import run_in_threadpool

from lake.catalog import Erasure, ErasureStore
from serving.deps import KeySite, site_for
from serving.errors import ERROR_RESPONSES

__all__ = ["router"]

router = APIRouter()


class ErasureRequest(BaseModel):
    """Whom to erase: one site's client id, or a user id (with every client id that
    ever carried it)."""

    model_config = {
        "extra": "forbid",
        "json_schema_extra": {"examples": [{"tracking_id": "ST-DEMO", "user_id": "u-1842"}]},
    }

    tracking_id: str = Field(max_length=64, description="The site.")
    client_id: str | None = Field(
        default=None, min_length=1, max_length=512, description="An anonymous client id."
    )
    user_id: str | None = Field(
        default=None, min_length=1, max_length=512, description="A user id."
    )

    @model_validator(mode="after")
    def _one_id(self) -> ErasureRequest:
        if (self.client_id is None) == (self.user_id is None):
            raise ValueError("client_id or user_id: give exactly one")
        return self


class ErasureStatus(BaseModel):
    """An erasure and what it removed (never the id: the log keeps a salted hash)."""

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "erasure_id": "erasure_3f9a0c1d2e4b5a69",
                    "tracking_id": "ST-DEMO",
                    "id_kind": "user_id",
                    "status": "done",
                    "requested_at": "2026-12-04T10:00:00Z",
                    "started_at": "2026-12-04T10:00:20Z",
                    "finished_at": "2026-12-04T10:01:05Z",
                    "counts": {"bronze/events_rows": 42, "silver/sessions_rows": 7},
                    "error": None,
                }
            ]
        }
    }

    erasure_id: str
    tracking_id: str
    id_kind: Literal["client_id", "user_id"]
    status: Literal["pending", "running", "rebuilding", "done", "failed"] = Field(
        description="`pending` → `running` → `rebuilding` (its days wait for a refresh) → "
        "`done`; `failed` is retried by the next run."
    )
    requested_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    counts: dict[str, int] = Field(description="Rows (or files) removed per store so far.")
    error: str | None = None


def _status(found: Erasure) -> ErasureStatus:
    return ErasureStatus(
        erasure_id=found.erasure_id,
        tracking_id=found.tracking_id,
        id_kind=found.id_kind,  # type: ignore[arg-type]
        status=found.status,  # type: ignore[arg-type]
        requested_at=found.requested_at,
        started_at=found.started_at,
        finished_at=found.finished_at,
        counts=found.counts,
        error=found.error,
    )


def _store(request: Request) -> ErasureStore:
    return ErasureStore(request.app.state.metadata.engine)


@router.post(
    "/api/v1/admin/erasures",
    status_code=202,
    response_model=ErasureStatus,
    responses=ERROR_RESPONSES,
)
async def request_erasure(
    body: ErasureRequest, request: Request, key_site: KeySite
) -> ErasureStatus:
    """Erase one person of a site from every copy (needs the ``admin`` scope for it).
    Answers at once with the erasure's id; the pipeline carries it out."""
    site = site_for(body.tracking_id, request, key_site, scope="admin")
    kind, value = (
        ("client_id", body.client_id) if body.client_id is not None else ("user_id", body.user_id)
    )
    assert value is not None
    created = await run_in_threadpool(_store(request).request, site.tracking_id, kind, value)
    return _status(created)


@router.get(
    "/api/v1/admin/erasures/{erasure_id}",
    response_model=ErasureStatus,
    responses=ERROR_RESPONSES,
)
async def erasure_status(erasure_id: str, request: Request, key_site: KeySite) -> ErasureStatus:
    """One erasure's status and the rows removed per store (``admin`` scope)."""
    found = await run_in_threadpool(_store(request).get, erasure_id[:64])
    if found is None:
        raise HTTPException(404, f"unknown erasure {erasure_id[:64]!r}")
    site_for(found.tracking_id, request, key_site, scope="admin")
    return _status(found)


@router.get(
    "/api/v1/admin/erasures",
    response_model=list[ErasureStatus],
    responses=ERROR_RESPONSES,
)
async def erasure_log(
    request: Request,
    key_site: KeySite,
    tracking_id: str = Query(description="The site whose erasures to list.", max_length=64),
) -> list[ErasureStatus]:
    """Every erasure of a site, newest first (``admin`` scope)."""
    site_for(tracking_id, request, key_site, scope="admin")
    return [_status(e) for e in await run_in_threadpool(_store(request).log, tracking_id)]
