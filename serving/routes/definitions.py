"""Create, list, read, replace and delete saved definitions: one set of routes per kind.

Goals, funnels and segments are saved the same way (``lake.catalog.DefinitionStore``);
each kind brings its body model and its check (which raises :class:`ReportError`, a
400 naming the field).  Saving needs the ``write`` (or ``admin``) scope; reading needs
``read``.
"""

# No `from __future__ import annotations`: the route signatures name the body model of
# each kind, which FastAPI must see as a class, not a string.

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from lake.catalog import Definition, DefinitionStore
from serving.conditions import Segment
from serving.definitions import SegmentBody, segment_spec
from serving.deps import KeySite, site_for
from serving.errors import ERROR_RESPONSES
from serving.report_query import ReportError

__all__ = ["add_definition_routes", "definition_answer", "resolve_segment", "saved"]


def _store(request: Request) -> DefinitionStore:
    return request.app.state.definitions


def definition_answer(found: Definition) -> dict[str, Any]:
    """A definition as the API shows it: ``<kind>_id``, its body, and times."""
    return {
        f"{found.kind}_id": found.definition_id,
        **found.body,
        "tracking_id": found.tracking_id,
        "name": found.name,
        "created_at": found.created_at.isoformat(),
        "updated_at": found.updated_at.isoformat(),
    }


def saved(request: Request, kind: str, definition_id: str, key: Any, scope: str = "read") -> Any:
    """The saved definition ``definition_id`` of ``kind``, once the key may use its site
    with ``scope`` (404 when there is none)."""
    found = _store(request).get(kind, definition_id)
    if found is None:
        raise HTTPException(404, f"unknown {kind} {definition_id!r}")
    site_for(found.tracking_id, request, key, scope)
    return found


def add_definition_routes(
    router: APIRouter,
    kind: str,
    path: str,
    model: type[BaseModel],
    check: Callable[[Any, Request], None],
) -> None:
    """Add ``POST path``, ``GET path``, ``GET/PUT/DELETE path/{id}`` for ``kind``;
    ``check(body, request)`` validates a body before it is saved."""

    def validated(body: Any, request: Request, key: Any) -> dict[str, Any]:
        site_for(body.tracking_id, request, key, "write")
        try:
            check(body, request)
        except ReportError as exc:
            raise HTTPException(400, str(exc)) from None
        return body.model_dump(mode="json", exclude={"tracking_id", "name"})

    async def create(body: model, request: Request, key_site: KeySite) -> Any:  # type: ignore[valid-type]
        stored = validated(body, request, key_site)
        found = await run_in_threadpool(
            _store(request).create, kind, body.tracking_id, body.name, stored
        )
        return definition_answer(found)

    async def listing(
        request: Request,
        key_site: KeySite,
        tracking_id: str = Query(description="The site.", max_length=64),
    ) -> Any:
        site_for(tracking_id, request, key_site)
        found = await run_in_threadpool(_store(request).list, kind, [tracking_id])
        return [definition_answer(d) for d in found]

    async def read(definition_id: str, request: Request, key_site: KeySite) -> Any:
        return definition_answer(saved(request, kind, definition_id, key_site))

    async def replace(
        definition_id: str,
        body: model,  # type: ignore[valid-type]
        request: Request,
        key_site: KeySite,
    ) -> Any:
        old = saved(request, kind, definition_id, key_site, "write")
        if body.tracking_id != old.tracking_id:
            raise HTTPException(400, "tracking_id: a definition stays with its site")
        stored = validated(body, request, key_site)
        found = await run_in_threadpool(_store(request).replace, definition_id, body.name, stored)
        return definition_answer(found)

    async def delete(definition_id: str, request: Request, key_site: KeySite) -> Response:
        saved(request, kind, definition_id, key_site, "write")
        await run_in_threadpool(_store(request).delete, definition_id)
        return Response(status_code=204)

    name = kind.capitalize()
    item = f"{path}/{{definition_id}}"
    router.add_api_route(
        path, create, methods=["POST"], status_code=201, responses=ERROR_RESPONSES,
        summary=f"Save a {kind}", description=f"Save a new {kind} (needs the `write` scope).",
    )  # fmt: skip
    router.add_api_route(
        path, listing, methods=["GET"], responses=ERROR_RESPONSES,
        summary=f"List {kind}s", description=f"The site's saved {kind}s, oldest first.",
    )  # fmt: skip
    router.add_api_route(
        item, read, methods=["GET"], responses=ERROR_RESPONSES, summary=f"{name} by id",
        description=f"One saved {kind}.",
    )  # fmt: skip
    router.add_api_route(
        item, replace, methods=["PUT"], responses=ERROR_RESPONSES, summary=f"Replace a {kind}",
        description=f"Replace a saved {kind} whole (needs the `write` scope).",
    )  # fmt: skip
    router.add_api_route(
        item, delete, methods=["DELETE"], status_code=204, responses=ERROR_RESPONSES,
        summary=f"Delete a {kind}", description=f"Delete a saved {kind} (needs `write`).",
    )  # fmt: skip


def resolve_segment(
    request: Request, key: Any, tracking_id: str, segment_id: str | None, inline: Any
) -> Segment | None:
    """The segment a request names: inline (``segment``) or saved (``segment_id``, of
    the same site), or None."""
    if inline is not None:
        try:
            return segment_spec(inline)
        except ReportError as exc:
            raise HTTPException(400, str(exc)) from None
    if segment_id is None:
        return None
    found = saved(request, "segment", segment_id, key)
    if found.tracking_id != tracking_id:
        raise HTTPException(400, f"segment_id: segment {segment_id!r} is of another site")
    return segment_spec(SegmentBody.model_validate(found.body), "segment_id")
