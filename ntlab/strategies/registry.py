"""Strategies by name or import path, and the one way to turn a spec into an object.

>>> from ntlab.strategies import get, resolve_strategy
>>> get("momentum", lookback=20)                                # doctest: +SKIP
>>> resolve_strategy("momentum", lookback=20)                   # the same
>>> resolve_strategy("my_pkg.strats:MyCross", fast=5)           # a user's class by import path
>>> resolve_strategy(fitted)                                    # a copy, fitted state kept
"""

from __future__ import annotations

import copy
from importlib import import_module
from typing import Any

from ntlab.errors import ConfigError
from ntlab.strategies.base import Strategy

__all__ = [
    "register",
    "get",
    "available",
    "strategy_class",
    "from_dict",
    "resolve_strategy",
    "strategy_spec",
]

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


def _import_class(path: str) -> type[Strategy]:
    module_name, _, attr = path.partition(":")
    if not module_name or not attr:
        raise ConfigError(
            f"strategy import path {path!r} must look like 'package.module:ClassName'"
        )
    try:
        module = import_module(module_name)
    except Exception as exc:  # noqa: BLE001  (any import failure is the user's to see)
        raise ConfigError(
            f"cannot import strategy {path!r}: importing module {module_name!r} failed with "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = sorted(
                n
                for n, v in vars(module).items()
                if isinstance(v, type) and issubclass(v, Strategy)
            )
            raise ConfigError(
                f"cannot import strategy {path!r}: module {module_name!r} has no attribute "
                f"{attr!r}; the Strategy classes it defines: {names}"
            )
        obj = getattr(obj, part)
    if not (isinstance(obj, type) and issubclass(obj, Strategy)):
        raise ConfigError(
            f"strategy import path {path!r} names {obj!r}, not a subclass of ntlab.strategies.Strategy"
        )
    return obj


def strategy_class(name: str) -> type[Strategy]:
    """The class of a registered name, or of an import path ``package.module:ClassName``."""
    if ":" in name:
        return _import_class(name)
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown strategy {name!r}; registered: {sorted(_REGISTRY)} "
            "(or give an import path 'package.module:ClassName')"
        ) from None


def get(name: str, **params: Any) -> Strategy:
    """A strategy by registered name or import path, configured with keyword parameters."""
    return strategy_class(name)(**params)


def from_dict(data: dict[str, Any]) -> Strategy:
    """Inverse of ``Strategy.to_dict()``: ``{"strategy": name or import path, **params}``."""
    if "strategy" not in data:
        raise ConfigError("a strategy dict needs a 'strategy' key naming it")
    params = dict(data)
    cls = strategy_class(params.pop("strategy"))
    return cls(config=cls.Config.from_dict(params))


def strategy_spec(strategy: Strategy | type[Strategy]) -> str:
    """How to name a strategy's class in a config: its registered name when the registry
    maps that name to this very class, else its import path ``module:QualName``."""
    cls = strategy if isinstance(strategy, type) else type(strategy)
    name = getattr(cls, "name", None)
    if name:
        _load_builtins()
        if _REGISTRY.get(name) is cls:
            return name
    return f"{cls.__module__}:{cls.__qualname__}"


def _copy(strategy: Strategy) -> Strategy:
    try:
        return copy.deepcopy(strategy)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(
            f"cannot copy strategy {strategy!r} ({type(exc).__name__}: {exc}); a session and "
            "a backtest need their own copy: make its state deep-copyable"
        ) from exc


def resolve_strategy(spec: Any, **params: Any) -> Strategy:
    """The one way any face or runner turns a strategy spec into a strategy object.

    Parameters
    ----------
    spec : Strategy, Strategy class, str or dict
        - a :class:`Strategy` object: returns an independent deep copy, so fitted state
          (attributes ending in ``_``), side inputs and the config are kept and the
          caller's object is never changed by the run; ``params`` are refused (they would
          change a config the fitted state was learned under);
        - a Strategy subclass: ``cls(**params)``;
        - a registered name (``"momentum"``) or an import path
          ``"package.module:ClassName"`` (NautilusTrader's ImportableStrategyConfig is the
          model): the class built with ``params``;
        - a dict ``{"strategy": name or import path, **config}`` (``Strategy.to_dict()``'s
          form); ``params`` override its entries.
    **params
        Config parameters for the class.

    Raises
    ------
    ConfigError
        An unknown name (the message lists the registered ones), an import path that fails
        (the message says why), a class that is not a Strategy, bad parameters.
    """
    if isinstance(spec, Strategy):
        if params:
            raise ConfigError(
                f"{spec.name}: give parameters through the Strategy object's config, not "
                f"both ({sorted(params)})"
            )
        return _copy(spec)
    if isinstance(spec, type) and issubclass(spec, Strategy):
        return spec(**params)
    if isinstance(spec, str):
        return get(spec, **params)
    if isinstance(spec, dict):
        return from_dict({**spec, **params})
    raise ConfigError(
        "a strategy is a Strategy object, a Strategy class, a registered name, an import "
        f"path 'package.module:ClassName' or a {{'strategy': ..., **params}} dict; got "
        f"{type(spec).__name__}"
    )
