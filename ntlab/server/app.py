"""The FastAPI application: auth, rate limit, metrics and JSON logs around the service routes."""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from ntlab.server import errors
from ntlab.server.auth import AuthError, RateLimiter, Tokens, grants
from ntlab.server.metrics import Metrics
from ntlab.server.settings import ServerSettings
from ntlab.service import Context, system
from ntlab.service import Request as ServiceRequest

__all__ = ["create_app", "need", "actor", "State"]

access_log = logging.getLogger("ntlab.server.access")


@dataclass
class State:
    settings: ServerSettings
    ctx: Context
    tokens: Tokens
    limiter: RateLimiter
    metrics: Metrics


def _state(request: Request) -> State:
    return request.app.state.ntlab


def need(scope: str) -> Any:
    """A dependency: a valid bearer token holding ``scope``, within the key's rate limit.

    Returns the key's name (the ``sub`` of the token).
    """

    def check(request: Request) -> str:
        st = _state(request)
        claims = st.tokens.verify(request.headers.get("authorization"))
        request.scope["ntlab.key"] = claims["sub"]
        st.limiter.hit(f"key:{claims['sub']}")
        if not grants(claims["scopes"], scope):
            raise AuthError(f"this endpoint needs the {scope!r} scope; the token has {claims['scopes']}",
                            status=403, code="forbidden")  # fmt: skip
        return str(claims["sub"])

    return Depends(check)


def actor(key: str) -> str:
    return f"api-key:{key}"


class Observe:
    """ASGI middleware: request id, per-endpoint count and latency, one JSON log line."""

    def __init__(self, app: Any, metrics: Metrics, log: bool) -> None:
        self.app, self.metrics, self.log = app, metrics, log

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        rid = uuid.uuid4().hex[:12]
        scope["ntlab.request_id"] = rid
        status = 500

        async def wrapped(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            seconds = time.perf_counter() - t0
            route = scope.get("route")
            endpoint = getattr(route, "path", "unmatched")
            self.metrics.observe(scope["method"], endpoint, status, seconds)
            if self.log:
                access_log.info(json.dumps({
                    "event": "request", "request_id": rid, "method": scope["method"],
                    "endpoint": endpoint, "path": scope["path"], "status": status,
                    "ms": round(seconds * 1e3, 3), "key": scope.get("ntlab.key"),
                }))  # fmt: skip


class TokenRequest(ServiceRequest):
    """An API key for a token; ``scopes`` (default: all the key holds) and ``ttl`` (s) may narrow it."""

    api_key: str = Field(min_length=8, max_length=200)
    scopes: list[str] | None = Field(None, min_length=1, max_length=3)
    ttl: float | None = Field(None, gt=0, allow_inf_nan=False)


def create_app(settings: ServerSettings | None = None, ctx: Context | None = None) -> FastAPI:
    """The app for ``settings`` (default: from the environment) over the service context ``ctx``."""
    from ntlab.server import routes_research, routes_trading

    settings = settings or ServerSettings.from_env()
    ctx = ctx or Context(data_kinds=settings.data_kinds, job_workers=settings.job_workers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        yield
        ctx.close()

    app = FastAPI(
        lifespan=lifespan,
        title="ntlab",
        summary="ntlab's REST API: the seed's endpoints over ntlab.service (every figure computed)",
        version=__import__("ntlab").__version__,
        docs_url="/docs",
    )
    metrics = Metrics(ctx.sessions)
    app.state.ntlab = State(
        settings, ctx, settings.tokens(), RateLimiter(settings.rate_limit), metrics
    )
    errors.install(app)
    app.add_middleware(Observe, metrics=metrics, log=settings.log_requests)

    @app.get("/health", tags=["system"])
    async def health() -> dict[str, Any]:
        """Liveness: ``{"status": "ok"}`` (no token needed)."""
        return system.health()

    @app.post("/auth/token", tags=["system"])
    def token(req: TokenRequest, request: Request) -> dict[str, Any]:
        """Exchange an API key for a bearer token (HS256 JWT with scopes and an expiry)."""
        st = _state(request)
        st.limiter.hit(f"ip:{request.client.host if request.client else '-'}")
        key = st.settings.keys.check(req.api_key)
        return st.tokens.issue(key, req.scopes, req.ttl)

    @app.get("/info", tags=["system"])
    def info(request: Request, key: str = need("read")) -> dict[str, Any]:
        """Version, uptime, hosted sessions, jobs and models."""
        return system.info(_state(request).ctx)

    @app.get("/metrics", tags=["system"], response_class=Response)
    def prometheus(request: Request, key: str = need("read")) -> Response:
        """Prometheus text format: requests/latency per endpoint and the sessions' figures."""
        body, kind = _state(request).metrics.render()
        return Response(body, media_type=kind)

    routes_trading.install(app)
    routes_research.install(app)

    return app


def accepted(job: dict[str, Any]) -> JSONResponse:
    """202 with the job and where to poll it."""
    return JSONResponse(job, status_code=202, headers={"Location": f"/jobs/{job['job_id']}"})
