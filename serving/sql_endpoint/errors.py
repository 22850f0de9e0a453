"""ClickHouse-style refusals: ``Code: N. DB::Exception: … (NAME)`` with the HTTP status a
ClickHouse server gives that code, so BI tools show their usual error."""

from __future__ import annotations

import re

__all__ = ["ClickHouseError", "engine_error"]

#: The statuses a ClickHouse server answers with (src/Server/HTTP/exceptionCodeToHTTPStatus),
#: by error name.  Anything else that is the query's fault is a 400 here, never a 5xx.
_STATUS = {
    "REQUIRED_PASSWORD": 401,
    "UNKNOWN_USER": 403,
    "WRONG_PASSWORD": 403,
    "AUTHENTICATION_FAILED": 403,
    "ACCESS_DENIED": 403,
    "READONLY": 403,
    "UNKNOWN_TABLE": 404,
    "UNKNOWN_FUNCTION": 404,
    "UNKNOWN_IDENTIFIER": 404,
    "UNKNOWN_TYPE": 404,
    "UNKNOWN_STORAGE": 404,
    "UNKNOWN_DATABASE": 404,
    "UNKNOWN_SETTING": 404,
    "UNKNOWN_AGGREGATE_FUNCTION": 404,
    "UNKNOWN_FORMAT": 404,
    "UNKNOWN_TYPE_OF_QUERY": 404,
    "QUERY_IS_TOO_LARGE": 413,
    "TIMEOUT_EXCEEDED": 408,
    "TOO_MANY_REQUESTS": 429,
    "UNSUPPORTED_METHOD": 501,
    "HOT_TIER_BUSY": 503,
}

#: The codes of the names above and of the refusals this endpoint makes itself.
CODES = {
    "REQUIRED_PASSWORD": 194,
    "AUTHENTICATION_FAILED": 516,
    "ACCESS_DENIED": 497,
    "READONLY": 164,
    "UNKNOWN_TABLE": 60,
    "UNKNOWN_DATABASE": 81,
    "UNKNOWN_FORMAT": 73,
    "UNKNOWN_SETTING": 115,
    "SYNTAX_ERROR": 62,
    "BAD_ARGUMENTS": 36,
    "QUERY_IS_TOO_LARGE": 101,
    "TOO_MANY_REQUESTS": 202,
    "HOT_TIER_BUSY": 1002,
    "UNSUPPORTED_METHOD": 1,
}

_ENGINE = re.compile(
    r"Code: (\d+)\. DB::Exception: (.*?)(?: \(([A-Z0-9_]+)\))?(?: \(version [^)]*\))?\s*$", re.S
)


#: The tail of an engine message that quotes the endpoint's own wrapping of the query.
_INTERNALS = re.compile(
    r"\.?\s*:?\s*In scope [^\n]*(formatQuerySingleLine|additional_table_filters)[^\n]*$", re.S
)


class ClickHouseError(Exception):
    """A refusal or an engine error, rendered the way a ClickHouse server renders it."""

    def __init__(self, name: str, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.name = name
        self.message = message
        self.code = code if code is not None else CODES.get(name, 0)

    @property
    def status(self) -> int:
        """The HTTP status: the server's for the same code; other query errors are 400."""
        return _STATUS.get(self.name, 400)

    def body(self, version: str) -> bytes:
        """The response body: one line, as ``clickhouse-client`` and the drivers parse it."""
        text = self.message.rstrip(". ")
        line = f"Code: {self.code}. DB::Exception: {text}. ({self.name}) (version {version})\n"
        return line.encode()


def engine_error(exc: BaseException) -> ClickHouseError:
    """The engine's exception as a :class:`ClickHouseError` (its own code and name)."""
    text = str(exc).strip()
    found = _ENGINE.search(text)
    if found is None:
        return ClickHouseError("BAD_ARGUMENTS", text.splitlines()[0] if text else "query failed")
    code, message, name = int(found.group(1)), found.group(2), found.group(3) or "UNKNOWN"
    return ClickHouseError(name, _INTERNALS.sub("", message).strip(), code)
