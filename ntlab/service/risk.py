"""Risk: the seed's RiskMetrics of a weighted basket, VaR back-tests, session risk limits."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError
from ntlab.service._base import Context, default_context, jsonable
from ntlab.service.data import DataRef, describe, load_data
from ntlab.service.sessions import SessionRef

__all__ = [
    "RiskRequest",
    "VarBacktestRequest",
    "LimitsRequest",
    "basket_returns",
    "risk_analysis",
    "var_backtest",
    "get_limits",
    "set_limits",
]


class RiskRequest(DataRef):
    """Risk of a basket of the data's symbols held at fixed ``weights`` (default equal).

    ``benchmark`` names a symbol of the same data for beta; ``method`` picks the VaR
    estimator behind var95/var99/cvar95 (the table holds all of them).
    """

    weights: dict[str, float] | None = Field(None, min_length=1, max_length=1000)
    method: Literal["historical", "normal", "cornish_fisher", "monte_carlo"] = "historical"
    benchmark: str | None = Field(None, min_length=1, max_length=20)
    n_paths: int = Field(10_000, ge=100, le=200_000)


def basket_returns(data: Any, weights: dict[str, float] | None) -> pd.Series:
    """Daily returns of a fixed-weight basket of ``data``'s closes (rows where all trade)."""
    rets = data.close.pct_change().iloc[1:]
    if weights is None:
        weights = {s: 1.0 / data.n_symbols for s in data.symbols}
    missing = sorted(set(weights) - set(data.symbols))
    if missing:
        from ntlab.errors import UnknownSymbolError

        raise UnknownSymbolError(f"weights name {missing}, which {data.name} does not hold")
    w = pd.Series(weights, dtype=float)
    frame = rets[list(w.index)].dropna()
    if len(frame) < 3:
        raise ConfigError(f"too few bars where every weighted symbol trades ({len(frame)})")
    return (frame * w).sum(axis=1).rename("basket")


def risk_analysis(req: RiskRequest, ctx: Context | None = None) -> dict[str, Any]:
    """``ntlab.risk.RiskReport.from_returns(...).to_dict()`` of the basket, plus its summary."""
    from ntlab.risk.report import RiskReport

    ref = req
    symbols = None if req.symbols is None else list(req.symbols)
    if req.benchmark is not None and symbols is not None and req.benchmark not in symbols:
        ref = req.model_copy(update={"symbols": [*symbols, req.benchmark]})
    data = load_data(ref, ctx)
    weights = req.weights
    if weights is None and req.benchmark is not None:
        chosen = [s for s in (symbols or data.symbols) if s != req.benchmark] or [req.benchmark]
        weights = {s: 1.0 / len(chosen) for s in chosen}
    r = basket_returns(data, weights)
    bench = None
    if req.benchmark is not None:
        bench = data.close[req.benchmark].pct_change().reindex(r.index)
    report = RiskReport.from_returns(r, benchmark=bench, method=req.method, n_paths=req.n_paths)
    return jsonable(
        report.to_dict()
        | {"summary": report.summary(), "weights": weights or {}, "observations": len(r)}
        | {"data": describe(data)}
    )


class VarBacktestRequest(DataRef):
    """Roll a VaR model over the basket's returns and test its exceedances (Kupiec, Christoffersen)."""

    weights: dict[str, float] | None = Field(None, min_length=1, max_length=1000)
    level: float = Field(0.99, gt=0.5, lt=1, allow_inf_nan=False)
    window: int = Field(250, ge=3, le=100_000)
    method: Literal["historical", "normal", "cornish_fisher"] = "historical"


def var_backtest(req: VarBacktestRequest, ctx: Context | None = None) -> dict[str, Any]:
    """``ntlab.risk.var_backtest(...).summary()`` of the basket."""
    from ntlab.risk.var_backtest import var_backtest as run

    data = load_data(req, ctx)
    r = basket_returns(data, req.weights)
    result = run(r, req.level, window=req.window, method=req.method)
    return jsonable(result.summary() | {"data": describe(data)})


def get_limits(req: SessionRef, ctx: Context | None = None) -> dict[str, Any]:
    """The risk limits a session's gate enforces, and the breaker's state."""
    session = (ctx or default_context()).sessions.get(req.session_id)
    gate = session.gate
    if gate is None:
        raise ConfigError(f"session {session.session_id} has not started")
    s = session.status()
    return jsonable(
        {
            "session_id": session.session_id,
            "limits": gate.limits.to_dict(),
            "circuit_breaker": s["circuit_breaker"],
        }
    )


class LimitsRequest(SessionRef):
    """New risk limits (a RiskLimits dict: ``maxPositionValue``, ``maxDailyLoss``, ...)."""

    limits: dict[str, Any] = Field(min_length=1)


def set_limits(
    req: LimitsRequest, ctx: Context | None = None, actor: str = "local"
) -> dict[str, Any]:
    """Change a running session's limits (its gate and decisions) from the next decision on."""
    from ntlab.risk.limits import RiskLimits
    from ntlab.service.orders import _audited, _running

    session = (ctx or default_context()).sessions.get(req.session_id)
    limits = RiskLimits.from_dict({**session.gate.limits.to_dict(), **req.limits})
    _running(session, "change risk limits")
    setter = getattr(session, "set_limits", None)
    if setter is None:
        raise ConfigError(
            "this TradingSession cannot change its limits while it runs; stop it and start "
            "again with 'limits' in the StartRequest"
        )
    _audited(session, actor, "set_limits", {"limits": limits.to_dict()},
             lambda: setter(limits))  # fmt: skip
    return get_limits(req, ctx)
