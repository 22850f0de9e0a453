"""The API's error answers: one body shape, and the status codes every route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

__all__ = ["ERROR_RESPONSES", "ErrorBody"]


class ErrorBody(BaseModel):
    """What every 4xx/5xx answer carries."""

    detail: str = Field(description="What went wrong, naming the field at fault.")


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


#: Documented on every API route (FastAPI's default 422 is removed: bad input is 400).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("Invalid request: the message names the field and what is allowed."),
    401: _error("No API key, or an unknown one (`Authorization: Bearer <key>`)."),
    403: _error("The key may not read this site."),
    404: _error("Unknown site."),
    429: _error("Too many requests with this key; retry after `Retry-After` seconds."),
    503: _error(
        "The hot tier is busy (embedded mode), or its schema is behind this release "
        "(`strata hot-tier migrate`); retry after `Retry-After` seconds."
    ),
    504: _error("The query took longer than the time limit."),
}
