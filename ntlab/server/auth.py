"""API keys (held hashed), JWT bearer tokens (HS256) with scopes, and the per-key rate limit.

Scopes nest: ``read`` (every GET and the research calls), ``trade`` (also start/stop
sessions, place, cancel and replace orders, rebalance), ``admin`` (also change risk
limits). A key is given scopes when it is made; a token may ask for fewer.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntlab.errors import AuthError, ConfigError, RateLimited

__all__ = ["ApiKey", "KeyStore", "Tokens", "AuthError", "RateLimited", "RateLimiter", "SCOPES"]

SCOPES = ("read", "trade", "admin")


def grants(held: list[str] | tuple[str, ...], needed: str) -> bool:
    """Whether scopes ``held`` include ``needed`` (admin > trade > read)."""
    top = max((SCOPES.index(s) for s in held if s in SCOPES), default=-1)
    return top >= SCOPES.index(needed)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ApiKey:
    """A key's name, the SHA-256 of its secret, and its scopes (the secret itself is not kept)."""

    name: str
    digest: str
    scopes: tuple[str, ...]

    def __post_init__(self) -> None:
        bad = [s for s in self.scopes if s not in SCOPES]
        if bad or not self.scopes:
            raise ConfigError(
                f"API key {self.name!r}: scopes must be some of {SCOPES}, got {self.scopes}"
            )

    @classmethod
    def create(
        cls, name: str, scopes: tuple[str, ...] | list[str] = ("read",)
    ) -> tuple[ApiKey, str]:
        """A new key: the record to store and the secret to hand out once."""
        secret = "ntk_" + secrets.token_urlsafe(32)
        return cls(name, _hash(secret), tuple(scopes)), secret

    def __repr__(self) -> str:
        return f"ApiKey({self.name!r}, scopes={self.scopes})"


@dataclass
class KeyStore:
    """The API keys a server accepts (looked up by the hash of the presented secret)."""

    keys: list[ApiKey] = field(default_factory=list)

    def check(self, secret: str) -> ApiKey:
        digest = _hash(secret)
        for k in self.keys:
            if hmac.compare_digest(k.digest, digest):
                return k
        raise AuthError("unknown API key", code="invalid_api_key")

    @classmethod
    def load(cls, path: str | Path) -> KeyStore:
        p = Path(path)
        if not p.is_file():
            return cls([])
        try:
            rows = json.loads(p.read_text(encoding="utf-8"))
            return cls([ApiKey(r["name"], r["sha256"], tuple(r["scopes"])) for r in rows])
        except (ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"API key file {p} is malformed: {exc}") from exc

    def save(self, path: str | Path) -> None:
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        rows = [{"name": k.name, "sha256": k.digest, "scopes": list(k.scopes)} for k in self.keys]
        p.write_text(json.dumps(rows, indent=1), encoding="utf-8")
        p.chmod(0o600)

    def add(self, key: ApiKey) -> None:
        if any(k.name == key.name for k in self.keys):
            raise ConfigError(f"an API key named {key.name!r} exists already")
        self.keys.append(key)


@dataclass
class Tokens:
    """Issue and verify HS256 JWTs: ``sub`` (key name), ``scopes``, ``iat``, ``exp``, ``jti``."""

    secret: str
    ttl: float = 3600.0

    def __post_init__(self) -> None:
        if len(self.secret) < 32:
            raise ConfigError("the JWT secret must be at least 32 characters (NTLAB_JWT_SECRET)")

    def issue(
        self, key: ApiKey, scopes: list[str] | None = None, ttl: float | None = None
    ) -> dict[str, Any]:
        import jwt

        wanted = list(key.scopes if not scopes else scopes)
        refused = [s for s in wanted if s not in SCOPES or not grants(key.scopes, s)]
        if refused:
            raise AuthError(f"key {key.name!r} cannot grant scope(s) {refused}; it holds {list(key.scopes)}",
                            status=403, code="forbidden")  # fmt: skip
        life = self.ttl if ttl is None else min(float(ttl), self.ttl)
        now = time.time()
        # exp rounded up: a token lives at least its ttl (int() could leave a 1 s token ~0 s)
        claims = {"sub": key.name, "scopes": wanted, "iat": int(now), "exp": math.ceil(now + life),
                  "jti": uuid.uuid4().hex}  # fmt: skip
        token = jwt.encode(claims, self.secret, algorithm="HS256")
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": int(life),
            "scopes": wanted,
        }

    def verify(self, header: str | None) -> dict[str, Any]:
        import jwt

        if not header:
            raise AuthError("this endpoint needs a bearer token: POST /auth/token with an API key")
        kind, _, token = header.partition(" ")
        if kind.lower() != "bearer" or not token:
            raise AuthError("the Authorization header must be 'Bearer <token>'")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                options={"require": ["exp", "iat", "sub"]})  # fmt: skip
        except jwt.ExpiredSignatureError:
            raise AuthError("the token has expired; request a new one (POST /auth/token)",
                            code="token_expired") from None  # fmt: skip
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid token: {exc}", code="invalid_token") from None
        if not isinstance(claims.get("scopes"), list):
            raise AuthError("invalid token: no scopes", code="invalid_token")
        return claims


class RateLimiter:
    """``limit`` requests per moving window for each key (the ``limits`` package, in memory)."""

    def __init__(self, limit: str = "100/minute") -> None:
        from limits import parse
        from limits.storage import MemoryStorage
        from limits.strategies import MovingWindowRateLimiter

        try:
            self.item = parse(limit)
        except ValueError as exc:
            raise ConfigError(
                f"rate limit {limit!r} is not understood (e.g. '100/minute'): {exc}"
            ) from exc
        self.text = limit
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, who: str) -> None:
        if self._limiter.hit(self.item, who):
            return
        reset, _ = self._limiter.get_window_stats(self.item, who)
        wait = max(1, math.ceil(reset - time.time()))
        raise RateLimited(
            f"rate limit of {self.text} exceeded for {who!r}; retry in {wait} s", wait
        )
