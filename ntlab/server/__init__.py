"""``ntlab server``: the seed's REST API over :mod:`ntlab.service` (FastAPI on uvicorn).

Every route calls one service function (no logic here), behind JWT bearer tokens with
scopes (``POST /auth/token`` for an API key held hashed), a per-key rate limit, one JSON
error shape, Prometheus metrics at ``/metrics``, JSON access logs and OpenAPI at ``/docs``.
It binds 127.0.0.1 unless a JWT secret is configured. :class:`RemoteSession` is the
client the dashboards use (``ntlab serve console --server URL``).

fastapi loads on first use of the app (the client needs httpx only).
"""

from importlib import import_module
from typing import Any

_LAZY = {
    "create_app": "ntlab.server.app",
    "ApiKey": "ntlab.server.auth",
    "KeyStore": "ntlab.server.auth",
    "ServerSettings": "ntlab.server.settings",
    "RemoteSession": "ntlab.server.client",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ntlab.server' has no attribute {name!r}")
