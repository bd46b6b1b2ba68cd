"""Registry of strategies by name: ``get("momentum", lookback=20)``."""

from __future__ import annotations

from typing import Any

from ntlab.errors import ConfigError
from ntlab.strategies.base import Strategy

__all__ = ["register", "get", "available", "strategy_class", "from_dict"]

_REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator that makes a strategy available by its ``name``."""
    name = getattr(cls, "name", None)
    if not name:
        raise ConfigError(f"{cls.__name__} needs a class attribute 'name' to be registered")
    if name in _REGISTRY and _REGISTRY[name] is not cls:
        raise ConfigError(
            f"a strategy named {name!r} is already registered ({_REGISTRY[name].__name__})"
        )
    _REGISTRY[name] = cls
    return cls


def _load_builtins() -> None:
    import ntlab.strategies.builtin  # noqa: F401  (registers the built-in strategies)


def available() -> list[str]:
    """Names of every registered strategy."""
    _load_builtins()
    return sorted(_REGISTRY)


def strategy_class(name: str) -> type[Strategy]:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown strategy {name!r}; available: {sorted(_REGISTRY)}") from None


def get(name: str, **params: Any) -> Strategy:
    """A strategy by name, configured with keyword parameters."""
    return strategy_class(name)(**params)


def from_dict(data: dict[str, Any]) -> Strategy:
    """Inverse of ``Strategy.to_dict()``: ``{"strategy": name, **params}``."""
    if "strategy" not in data:
        raise ConfigError("a strategy dict needs a 'strategy' key naming it")
    params = dict(data)
    cls = strategy_class(params.pop("strategy"))
    return cls(config=cls.Config.from_dict(params))
