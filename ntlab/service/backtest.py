"""Backtests: one strategy on the bars of a spec, on the event engine or vectorbt."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ntlab.service._base import Context, Request, jsonable
from ntlab.service.data import DataRef, describe, load_data
from ntlab.service.strategies import StrategyRef, make_strategy

__all__ = ["CostSettings", "BacktestRequest", "run_backtest", "backtest_job", "event_settings"]


class CostSettings(Request):
    """Cash and costs (the CLI's defaults: 0.1% commission, 0.05% slippage, fills at next open)."""

    init_cash: float = Field(100_000.0, gt=0, le=1e15, allow_inf_nan=False)
    fees: float = Field(0.001, ge=0, lt=1, allow_inf_nan=False)
    slippage: float = Field(0.0005, ge=0, lt=1, allow_inf_nan=False)
    stop_loss_pct: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False)
    take_profit_pct: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False)


def event_settings(costs: CostSettings | None = None, **values: float) -> Any:
    """The EventSettings these costs mean (commission and slippage as fractions of value).

    Give a :class:`CostSettings` or its fields as keywords (``init_cash``, ``fees``,
    ``slippage``, ``stop_loss_pct``, ``take_profit_pct``; the CLI's flags).
    """
    from ntlab.backtest.event import EventSettings
    from ntlab.execution import Commission, ExecutionPolicy, Slippage

    c = {
        **(
            costs.model_dump() if costs is not None else CostSettings.model_construct().model_dump()
        ),
        **values,
    }
    policy = ExecutionPolicy(
        commission=Commission(pct=c["fees"]), slippage=Slippage(pct=c["slippage"])
    )
    return EventSettings(init_cash=c["init_cash"], policy=policy, stop_loss_pct=c["stop_loss_pct"],
                         take_profit_pct=c["take_profit_pct"])  # fmt: skip


def vector_settings(costs: CostSettings | None = None, **values: float) -> Any:
    """The VectorSettings these costs mean (as :func:`event_settings`)."""
    from ntlab.backtest.vector import VectorSettings

    c = {
        **(
            costs.model_dump() if costs is not None else CostSettings.model_construct().model_dump()
        ),
        **values,
    }
    return VectorSettings(init_cash=c["init_cash"], fees=c["fees"], slippage=c["slippage"])


class BacktestRequest(StrategyRef, DataRef, CostSettings):
    """A backtest: strategy + params, data, engine, costs, optional risk ``limits``.

    ``detail`` adds the equity curve, trades and fills to the summary. ``limits`` is a
    :class:`ntlab.risk.RiskLimits` dict (``maxPositionFraction``, ``maxDailyLoss``, ...),
    event engine only.
    """

    engine: Literal["event", "vector"] = "event"
    limits: dict[str, Any] | None = None
    allow_lookahead: bool = False
    detail: bool = False


def run_backtest(
    req: BacktestRequest, ctx: Context | None = None, progress: Any = None
) -> dict[str, Any]:
    """``BacktestResult.to_dict()`` (summary, costs, settings; curves and trades with ``detail``)."""
    from ntlab.errors import ConfigError

    strategy = make_strategy(req, ctx)
    data = load_data(req, ctx)
    if progress is not None:
        progress(0.1, f"backtesting {strategy.name} on {data.n_bars} bars x {data.n_symbols}")
    if req.engine == "vector":
        from ntlab.backtest.vector import run_vector

        if req.limits is not None:
            raise ConfigError("risk limits apply on the event engine only; use engine='event'")
        result = run_vector(
            strategy, data, vector_settings(req), allow_lookahead=req.allow_lookahead
        )
    else:
        from ntlab.backtest.event import run_event
        from ntlab.risk.limits import RiskLimits

        limits = None if req.limits is None else RiskLimits.from_dict(req.limits)
        result = run_event(
            strategy, data, event_settings(req), limits=limits, allow_lookahead=req.allow_lookahead
        )
    out = result.to_dict()
    if not req.detail:
        out = {k: v for k, v in out.items() if k not in ("equity", "trades", "orders", "gate")}
    out["strategyParams"] = jsonable(strategy.config.to_dict())
    out["data"] = describe(data)
    return out


def check_backtest(req: BacktestRequest, ctx: Context | None = None) -> None:
    make_strategy(req, ctx)
    load_data(req, ctx)


def backtest_job(req: BacktestRequest, ctx: Context | None = None) -> dict[str, Any]:
    """:func:`run_backtest` as a job (strategy and data checked first)."""
    from ntlab.service.jobs import submit

    return submit("backtest", run_backtest, req, ctx, check_backtest)
