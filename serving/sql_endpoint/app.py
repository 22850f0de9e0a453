"""ClickHouse's HTTP interface over the embedded engine, for BI tools and SQL clients.

``create_sql_app`` answers ``GET``/``POST /`` (the query in ``query`` and/or the body),
``/ping`` and ``/replicas_status`` like a ClickHouse server, for API keys with the
``sql`` scope given as the password (basic auth, ``X-ClickHouse-Key``, ``password=``)
or as a bearer token.  The same app serves ``strata serve --sql-port`` and the path
``/clickhouse/`` of the query API.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import uuid
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from lake.catalog import ApiKey, MetadataStore
from lake.hot_tier import HotTierBusyError
from lake.settings import Settings
from serving.ratelimit import KeyRateLimiter
from serving.sql_endpoint.compression import compress, decompress, pick_encoding
from serving.sql_endpoint.engine import Answer, SqlEngine
from serving.sql_endpoint.errors import ClickHouseError

__all__ = ["create_sql_app", "mount_sql"]

_MAX_QUERY_BYTES = 1 << 20
#: Methods routed to the endpoint (it answers all but GET and POST with its own refusal).
_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH"]
_QUERY_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
#: URL parameters of the HTTP interface that are not settings.
_TRANSPORT = frozenset(
    {
        "query",
        "database",
        "default_format",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "compress",
        "decompress",
        "enable_http_compression",
        "http_zlib_compression_level",
        "wait_end_of_query",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "user",
        "password",
        "quota_key",
        "buffer_size",
        "add_http_cors_header",
        "http_response_buffer_size",
        "client_protocol_version",
        "cancel_http_readonly_queries_on_client_close",
        "readonly",
        "max_query_size",
    }
)
#: Limits a client may lower (never raise), and the engine setting each one is.
_LIMITS = {
    "max_execution_time": "sql_max_execution_seconds",
    "max_result_rows": "sql_max_result_rows",
    "max_result_bytes": "sql_max_result_bytes",
    "max_memory_usage": "sql_max_memory_bytes",
}
_TEXT_FORMATS = {
    "TabSeparated": "text/tab-separated-values; charset=UTF-8",
    "TSV": "text/tab-separated-values; charset=UTF-8",
    "CSV": "text/csv; charset=UTF-8; header=absent",
    "CSVWithNames": "text/csv; charset=UTF-8; header=present",
}


def _content_type(fmt: str) -> str:
    if fmt in _TEXT_FORMATS:
        return _TEXT_FORMATS[fmt]
    if fmt.startswith(("JSON", "NDJSON")):
        return "application/json; charset=UTF-8"
    if fmt.startswith(("TabSeparated", "TSV", "CSV", "Pretty", "Vertical", "Markdown", "Values")):
        return "text/plain; charset=UTF-8"
    return "application/octet-stream"


def _credentials(request: Request) -> str | None:
    """The API key the client sent as a password or token, wherever it put it."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return decoded.partition(":")[2] or None
    if scheme.lower() == "bearer":
        return value.strip() or None
    return request.headers.get("x-clickhouse-key") or request.query_params.get("password") or None


class _Endpoint:
    def __init__(
        self, settings: Settings, store: MetadataStore, limiter: KeyRateLimiter, engine: SqlEngine
    ) -> None:
        self.settings = settings
        self.store = store
        self.limiter = limiter
        self.engine = engine

    def _key(self, request: Request) -> ApiKey:
        key = _credentials(request)
        if key is None:
            raise ClickHouseError(
                "REQUIRED_PASSWORD",
                "Strata's SQL endpoint needs an API key with the sql scope as the password "
                "(basic auth, X-ClickHouse-Key or password=); any user name",
            )
        found = self.store.key(key)
        if found is None:
            raise ClickHouseError(
                "AUTHENTICATION_FAILED", "unknown, revoked or expired API key (the password)"
            )
        if "sql" not in found.scopes:
            raise ClickHouseError(
                "ACCESS_DENIED", "this API key lacks the sql scope (strata keys create --scope sql)"
            )
        wait = self.limiter.take(found.key_id)
        if wait > 0:
            raise ClickHouseError(
                "TOO_MANY_REQUESTS",
                f"rate limit of this API key exceeded; retry in {math.ceil(wait)} s",
            )
        return found

    def _settings(self, params: Any) -> tuple[dict[str, str], dict[str, int | float]]:
        """Query parameters (``param_*``) and the limits, lowered where the client asks."""
        values: dict[str, str] = {}
        limits: dict[str, int | float] = {
            name: getattr(self.settings, field) for name, field in _LIMITS.items()
        }
        for name, value in params.multi_items():
            if name.startswith("param_"):
                values[name.removeprefix("param_")] = value
            elif name == "readonly" and value.strip() not in ("1", "2"):
                raise ClickHouseError(
                    "READONLY", "Cannot modify 'readonly' setting in readonly mode"
                )
            elif name in _LIMITS:
                try:
                    asked = float(value)
                except ValueError:
                    raise ClickHouseError(
                        "BAD_ARGUMENTS", f"{name}: not a number: {value!r}"
                    ) from None
                if not 0 < asked <= limits[name]:
                    raise ClickHouseError(
                        "READONLY",
                        f"Cannot modify '{name}' setting in readonly mode: it may only be lowered "
                        f"here (at most {limits[name]:g})",
                    )
                limits[name] = asked if name == "max_execution_time" else int(asked)
        return values, limits

    async def query(self, request: Request) -> Response:
        """Answer one request of the HTTP interface."""
        query_id = request.query_params.get("query_id") or str(uuid.uuid4())
        try:
            if not _QUERY_ID.match(query_id):
                query_id = str(uuid.uuid4())
                raise ClickHouseError(
                    "BAD_ARGUMENTS", "query_id: 1-128 letters, digits, '-', '_', '.' or ':'"
                )
            return await self._answer(request, query_id)
        except ClickHouseError as err:
            return self._error(err, query_id)
        except HotTierBusyError as exc:
            response = self._error(
                ClickHouseError("HOT_TIER_BUSY", f"hot tier busy, retry shortly ({exc})"), query_id
            )
            response.headers["Retry-After"] = "2"
            return response

    async def ping(self, request: Request) -> Response:
        """``/ping`` and ``/replicas_status``: the server is up."""
        return Response(b"Ok.\n", media_type="text/plain; charset=UTF-8")

    async def _answer(self, request: Request, query_id: str) -> Response:
        if request.method not in ("GET", "POST"):
            raise ClickHouseError(
                "UNSUPPORTED_METHOD", f"HTTP method {request.method} is not supported"
            )
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > _MAX_QUERY_BYTES:
                raise ClickHouseError(
                    "QUERY_IS_TOO_LARGE", f"the query is longer than {_MAX_QUERY_BYTES} bytes"
                )
        body = decompress(body, request.headers.get("content-encoding", ""), _MAX_QUERY_BYTES)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ClickHouseError("BAD_ARGUMENTS", "the query is not UTF-8") from None
        given = request.query_params.get("query", "")
        text = f"{given}\n{text}" if given and text else (given or text)
        if not text.strip():
            if request.method == "GET" and not request.query_params:
                return Response(b"Ok.\n", media_type="text/plain; charset=UTF-8")
            raise ClickHouseError("SYNTAX_ERROR", "Empty query")
        key = self._key(request)
        database = request.query_params.get("database") or request.headers.get(
            "x-clickhouse-database"
        )
        if database not in (None, "", "default"):
            raise ClickHouseError(
                "UNKNOWN_DATABASE",
                f"Database {database} does not exist (Strata's tables are in default)",
            )
        params, limits = self._settings(request.query_params)
        fmt = request.query_params.get("default_format") or request.headers.get(
            "x-clickhouse-format"
        )
        answer: Answer = await run_in_threadpool(
            self.engine.execute, text, key.sites, fmt, params, limits
        )
        enable = request.query_params.get("enable_http_compression", "0").strip() in ("1", "true")
        encoding = pick_encoding(request.headers.get("accept-encoding", ""), enable)
        headers = self._headers(query_id, answer.fmt)
        headers["X-ClickHouse-Summary"] = orjson.dumps(
            {
                "read_rows": str(answer.read_rows),
                "read_bytes": str(answer.read_bytes),
                "written_rows": "0",
                "written_bytes": "0",
                "total_rows_to_read": str(answer.read_rows),
                "result_bytes": str(len(answer.body)),
                "elapsed_ns": str(answer.elapsed_ns),
            }
        ).decode()
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        return Response(
            compress(answer.body, encoding), headers=headers, media_type=_content_type(answer.fmt)
        )

    def _headers(self, query_id: str, fmt: str | None) -> dict[str, str]:
        version, zone = self.engine.version or "", self.engine.timezone or "UTC"
        headers = {
            "X-ClickHouse-Server-Display-Name": "strata",
            "X-ClickHouse-Query-Id": query_id,
            "X-ClickHouse-Timezone": zone,
        }
        if version:
            headers["X-ClickHouse-Version"] = version
        if fmt:
            headers["X-ClickHouse-Format"] = fmt
        return headers

    def _error(self, err: ClickHouseError, query_id: str) -> Response:
        headers = self._headers(query_id, None)
        headers["X-ClickHouse-Exception-Code"] = str(err.code)
        if err.name == "REQUIRED_PASSWORD":
            headers["WWW-Authenticate"] = 'Basic realm="Strata SQL", charset="UTF-8"'
        if err.name == "TOO_MANY_REQUESTS":
            headers["Retry-After"] = err.message.rsplit(" ", 2)[-2]
        return Response(
            err.body(self.engine.version or "strata"),
            status_code=err.status,
            headers=headers,
            media_type="text/plain; charset=UTF-8",
        )


def create_sql_app(
    settings: Settings,
    store: MetadataStore,
    limiter: KeyRateLimiter,
    engine: SqlEngine | None = None,
) -> Starlette:
    """The HTTP interface as an ASGI app (mount it, or serve it on its own port)."""
    endpoint = _Endpoint(settings, store, limiter, engine or SqlEngine(settings))
    return Starlette(
        routes=[
            Route("/", endpoint.query, methods=_METHODS),
            Route("/ping", endpoint.ping, methods=["GET", "HEAD"]),
            Route("/replicas_status", endpoint.ping, methods=["GET", "HEAD"]),
        ]
    )


class _AtRoot:
    """The SQL app answering its mount path itself (``/clickhouse`` without the slash)."""

    def __init__(self, app: Starlette, path: str) -> None:
        self.app = app
        self.path = path

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        root = scope.get("root_path", "") + self.path
        await self.app({**scope, "path": "/", "root_path": root}, receive, send)


def mount_sql(app: Starlette, path: str, sql_app: Starlette) -> None:
    """Serve ``sql_app`` under ``path`` of ``app`` (with and without the trailing slash);
    call it before any catch-all mount such as the dashboard's."""
    app.router.routes.append(Route(path, _AtRoot(sql_app, path), methods=_METHODS))
    app.router.routes.append(Mount(path, sql_app))
