"""``ntlab server``: the seed's REST API over :mod:`ntlab.service` (FastAPI on uvicorn).

Every route calls one service function (no logic here), behind JWT bearer tokens with
scopes (``POST /auth/token`` for an API key held hashed), a per-key rate limit, one JSON
error shape, Prometheus metrics at ``/metrics``, JSON access logs and OpenAPI at ``/docs``.
It binds 127.0.0.1 unless a JWT secret is configured. fastapi is imported only here.
"""

from ntlab.server.app import create_app
from ntlab.server.auth import ApiKey, KeyStore
from ntlab.server.settings import ServerSettings

__all__ = ["ApiKey", "KeyStore", "ServerSettings", "create_app"]
