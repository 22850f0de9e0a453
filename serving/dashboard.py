"""The dashboard: the static build of ``serving/web/`` (in ``serving/static/``) at ``/``.

The files are plain HTML, JavaScript and CSS; they call the API under ``/api/`` with the
key the user pasted, so serving them needs no key.  Mounted after every API route: a
path the API knows never reaches the files.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["STATIC_DIR", "mount_dashboard"]

#: Where ``serving/web``'s build writes (``npm run build``; committed, so a fresh clone
#: serves the dashboard without node).
STATIC_DIR = Path(__file__).with_name("static")


class _Dashboard(StaticFiles):
    """Static files that revalidate: a rebuilt dashboard is never served stale."""

    async def get_response(self, path: str, scope: Scope):  # type: ignore[no-untyped-def]
        """The file at ``path`` (``index.html`` for the root), asked to revalidate."""
        response = await super().get_response(path, scope)
        response.headers.setdefault("Cache-Control", "no-cache")
        return response


def mount_dashboard(app: FastAPI) -> None:
    """Serve the dashboard's build at ``/`` (nothing when it was never built)."""
    if (STATIC_DIR / "index.html").is_file():
        app.mount("/", _Dashboard(directory=STATIC_DIR, html=True), name="dashboard")
