"""One JSON error shape for every failure: ``{"error": {"code", "message", "status", "details"}}``.

ntlab's errors map to 4xx by kind; malformed JSON is 400, a body or query that fails
validation 422. An exception that is none of these is a bug: it is logged with its
traceback and answered 500 with a request id, never with its text.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from ntlab import errors as E
from ntlab.server.auth import AuthError, RateLimited

__all__ = ["install", "error_response", "STATUS"]

log = logging.getLogger("ntlab.server")

#: ntlab error class -> (HTTP status, code); the first match in this order wins.
STATUS: tuple[tuple[type[BaseException], int, str], ...] = (
    (E.NotFoundError, 404, "not_found"),
    (E.UnknownSymbolError, 404, "unknown_symbol"),
    (E.LookAheadError, 422, "lookahead"),
    (E.OrderRejectedError, 422, "order_rejected"),
    (E.BrokerConnectionError, 503, "broker_unavailable"),
    (E.ExecutionError, 409, "conflict"),
    (E.OptionalDependencyError, 501, "not_installed"),
    (E.ValidationError, 422, "invalid_data"),
    (E.DataError, 400, "invalid_data"),
    (E.ConfigError, 400, "invalid_parameter"),
    (E.RiskError, 422, "risk_error"),
    (E.NtlabError, 400, "bad_request"),
)


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:  # fmt: skip
    body = {"error": {"code": code, "message": message, "status": status, "details": details}}
    return JSONResponse(body, status_code=status, headers=headers)


def _validation_details(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "type": e.get("type"), "msg": e.get("msg")}
        for e in errors
    ]


def _summary(details: list[dict[str, Any]]) -> str:
    first = details[0]
    where = ".".join(p for p in first["loc"] if p not in ("body", "query", "path")) or "body"
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        details = _validation_details(list(exc.errors()))
        if any(d["type"] == "json_invalid" for d in details):
            return error_response(400, "malformed_json", "the body is not valid JSON", details)
        if any(d["loc"] == ["body"] and d["type"] == "model_attributes_type" for d in details):
            return error_response(400, "malformed_json",
                                  "the body must be a JSON object (Content-Type: application/json)", details)  # fmt: skip
        return error_response(422, "invalid_request", _summary(details), details)

    @app.exception_handler(PydanticValidationError)
    async def _invalid_model(request: Request, exc: PydanticValidationError) -> JSONResponse:
        details = _validation_details(list(exc.errors()))
        return error_response(422, "invalid_request", _summary(details), details)

    @app.exception_handler(AuthError)
    async def _auth(request: Request, exc: AuthError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.code, str(exc), headers=headers)

    @app.exception_handler(RateLimited)
    async def _limited(request: Request, exc: RateLimited) -> JSONResponse:
        return error_response(429, "rate_limited", str(exc),
                              headers={"Retry-After": str(exc.retry_after)})  # fmt: skip

    @app.exception_handler(E.NtlabError)
    async def _ntlab(request: Request, exc: E.NtlabError) -> JSONResponse:
        for cls, status, code in STATUS:
            if isinstance(exc, cls):
                return error_response(status, code, str(exc))
        return error_response(400, "bad_request", str(exc))  # pragma: no cover

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        message = (
            f"no endpoint {request.method} {request.url.path}"
            if exc.status_code in (404, 405)
            else str(exc.detail)
        )
        return error_response(exc.status_code, code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        rid = request.scope.get("ntlab.request_id", "-")
        log.exception(
            "unhandled error in %s %s (request %s)", request.method, request.url.path, rid
        )
        return error_response(
            500, "internal_error", f"an internal error occurred (request {rid}); see the server log"
        )
