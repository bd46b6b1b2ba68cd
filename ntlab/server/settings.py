"""Settings of ``ntlab server``: where it binds, its JWT secret and keys, its rate limit.

From the environment: ``NTLAB_JWT_SECRET`` (at least 32 characters), ``NTLAB_TOKEN_TTL``
(seconds, default 3600), ``NTLAB_RATE_LIMIT`` (default ``100/minute``), API keys from
``$NTLAB_HOME/server/keys.json`` (``ntlab server add-key`` writes it; only hashes).
Without ``NTLAB_JWT_SECRET`` the server makes a random secret for its own lifetime and
binds to the loopback interface only.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ntlab.errors import ConfigError
from ntlab.server.auth import KeyStore, Tokens

__all__ = ["ServerSettings", "keys_path"]


def keys_path() -> Path:
    from ntlab.config import ntlab_home

    return ntlab_home() / "server" / "keys.json"


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class ServerSettings:
    """How a server runs (see the module docstring for the environment variables)."""

    host: str = "127.0.0.1"
    port: int = 8000
    jwt_secret: str | None = None
    token_ttl: float = 3600.0
    rate_limit: str = "100/minute"
    keys: KeyStore = field(default_factory=KeyStore)
    data_kinds: tuple[str, ...] = ("sample", "store")
    job_workers: int = 2
    log_requests: bool = True

    def __post_init__(self) -> None:
        if not _loopback(self.host) and not self.jwt_secret:
            raise ConfigError(
                f"refusing to bind {self.host}: a server reachable from other machines needs "
                "NTLAB_JWT_SECRET (32+ random characters) so its tokens outlive a restart and "
                "cannot be forged; or bind 127.0.0.1"
            )
        if not (self.token_ttl > 0):
            raise ConfigError(f"token_ttl must be > 0 seconds, got {self.token_ttl!r}")

    def tokens(self) -> Tokens:
        """The token issuer: the configured secret, or a random one for this process only."""
        return Tokens(self.jwt_secret or secrets.token_urlsafe(48), self.token_ttl)

    @classmethod
    def from_env(cls, **overrides: object) -> ServerSettings:
        env = os.environ
        values: dict[str, object] = {
            "jwt_secret": env.get("NTLAB_JWT_SECRET") or None,
            "token_ttl": float(env.get("NTLAB_TOKEN_TTL", 3600)),
            "rate_limit": env.get("NTLAB_RATE_LIMIT", "100/minute"),
            "keys": KeyStore.load(keys_path()),
        }
        return cls(**(values | {k: v for k, v in overrides.items() if v is not None}))

    def __repr__(self) -> str:  # never the secret
        return (f"ServerSettings(host={self.host!r}, port={self.port}, jwt_secret={'set' if self.jwt_secret else 'per-process'}, "
                f"token_ttl={self.token_ttl}, rate_limit={self.rate_limit!r}, keys={len(self.keys.keys)})")  # fmt: skip
