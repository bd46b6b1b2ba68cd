"""Strategies: list, describe a config, check for look-ahead, compute signals."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from pydantic import Field

from ntlab.errors import ConfigError
from ntlab.service._base import Context, Request, default_context, jsonable
from ntlab.service.data import DataRef, describe, load_data

__all__ = [
    "StrategyRef",
    "SignalsRequest",
    "CheckRequest",
    "make_strategy",
    "list_strategies",
    "describe_strategy",
    "check_lookahead",
    "signals",
]


class StrategyRef(Request):
    """A strategy by registered name (``momentum``) and the parameters of its config."""

    strategy: str = Field(min_length=1, max_length=200)
    params: dict[str, Any] = Field(default_factory=dict)


def make_strategy(ref: StrategyRef, ctx: Context | None = None) -> Any:
    """The configured Strategy object (ConfigError for an unknown name or parameter)."""
    from ntlab.strategies.registry import resolve_strategy

    ctx = ctx or default_context()
    if ":" in ref.strategy and not ctx.import_paths:
        raise ConfigError(
            f"strategy {ref.strategy!r}: import paths are not accepted here; name a registered "
            "strategy (GET /strategies lists them)"
        )
    return resolve_strategy(ref.strategy, **ref.params)


def _doc(cls: Any) -> str:
    """The first paragraph of the class's own docstring (else its module's)."""
    import sys

    text = cls.__dict__.get("__doc__") or sys.modules[cls.__module__].__doc__ or ""
    return inspect.cleandoc(text).split("\n\n")[0].replace("\n", " ")


def list_strategies() -> dict[str, Any]:
    """Every registered strategy: name, one-line description, warm-up with its defaults."""
    from ntlab.strategies import available, strategy_class

    out = []
    for name in available():
        cls = strategy_class(name)
        out.append({"name": name, "class": cls.__name__, "description": _doc(cls)})
    return {"strategies": out}


class DescribeRequest(Request):
    strategy: str = Field(min_length=1, max_length=200)


def describe_strategy(req: DescribeRequest) -> dict[str, Any]:
    """A strategy's config: each parameter's type and default, the warm-up, example data."""
    from ntlab.strategies import strategy_class

    cls = strategy_class(req.strategy)
    default = cls()
    params = []
    for f in dataclasses.fields(cls.Config):
        params.append(
            {
                "name": f.name,
                "type": str(f.type),
                "default": jsonable(getattr(default.config, f.name)),
            }
        )
    return {
        "name": req.strategy,
        "class": f"{cls.__module__}:{cls.__name__}",
        "description": _doc(cls),
        "config": cls.Config.__name__,
        "params": params,
        "warmup": int(default.warmup),
        "examples": [
            {
                "sample": ex.sample,
                "symbols": list(ex.symbols),
                "start": ex.start,
                "end": ex.end,
                "params": jsonable(dict(ex.params)),
                "note": ex.note,
            }
            for ex in cls.examples
        ],
    }


class CheckRequest(StrategyRef, DataRef):
    """Run ``ntlab.testing.check_strategy`` on these bars; ``prefixes`` are bar counts to compare."""

    prefixes: list[int] | None = Field(None, min_length=1, max_length=20)


def check_lookahead(req: CheckRequest, ctx: Context | None = None) -> dict[str, Any]:
    """The look-ahead check: ``passed`` True with the checks run, or False with the first leak."""
    from ntlab.errors import LookAheadError
    from ntlab.testing import check_strategy

    strategy = make_strategy(req, ctx)
    data = load_data(req, ctx)
    base = {"strategy": strategy.name, "params": jsonable(strategy.config.to_dict())}
    try:
        report = check_strategy(strategy, data, prefixes=req.prefixes)
    except LookAheadError as exc:
        return base | {"passed": False, "checks": [], "error": str(exc), "data": describe(data)}
    return base | {
        "passed": True,
        "checks": report.passed,
        "prefixes": report.prefixes,
        "error": None,
        "data": describe(data),
    }


class SignalsRequest(StrategyRef, DataRef):
    """Signals of a strategy on bars: ``latest`` (the last bar, every symbol) or the ``changes``."""

    mode: str = Field("latest", pattern="^(latest|changes)$")
    limit: int = Field(200, ge=1, le=10_000)


def signals(req: SignalsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Seed-schema Signal records (camelCase), entry price from the closes."""
    strategy = make_strategy(req, ctx)
    data = load_data(req, ctx)
    sig = strategy.signals(data)
    close = data.close
    found = sig.latest(close) if req.mode == "latest" else sig.to_records(close=close)
    rows = [s.to_dict() for s in found[-req.limit :]]
    return {
        "strategy": strategy.name,
        "params": jsonable(strategy.config.to_dict()),
        "mode": req.mode,
        "count": len(found),
        "signals": jsonable(rows),
        "data": describe(data),
    }
