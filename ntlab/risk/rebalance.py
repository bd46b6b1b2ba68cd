"""Rebalancing to target weights and portfolio optimisation (skfolio, imported lazily).

:func:`rebalance_orders` turns target weights into the orders that move today's holdings
there, rounding target quantities toward zero to whole lots (so the plan never buys more
than the weights allow) and sending sells before buys. :func:`optimise_weights` computes
weights with skfolio's optimisers when the user asks for one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError, RiskError
from ntlab.model import OrderRequest, OrderSide
from ntlab.risk._checks import check_positive, clean_frame
from ntlab.risk._gate_nb import floor_to_lot_nb

__all__ = ["RebalancePlan", "rebalance_orders", "optimise_weights", "OPTIMISERS"]

OPTIMISERS = ("equal_weight", "inverse_volatility", "min_variance", "max_sharpe", "mean_variance",
              "risk_parity", "min_cvar")  # fmt: skip


@dataclass(frozen=True)
class RebalancePlan:
    """Orders (sells first) and a table per symbol.

    ``table`` columns: ``price``, ``current_qty``, ``target_weight``, ``target_qty``,
    ``trade_qty`` (signed), ``trade_value`` (signed), ``final_weight``.
    ``cash_after`` is the cash left once every order fills at ``price`` (no costs).
    """

    orders: list[OrderRequest]
    table: pd.DataFrame
    equity: float
    cash_after: float


def _series(values: Mapping[str, float] | pd.Series | None, name: str) -> pd.Series:
    s = pd.Series({} if values is None else values, dtype=float, name=name)
    if not np.isfinite(s.to_numpy()).all():
        raise RiskError(
            f"{name} must be finite numbers; bad for {list(s.index[~np.isfinite(s.to_numpy())])}"
        )
    return s


def rebalance_orders(
    target_weights: Mapping[str, float] | pd.Series,
    prices: Mapping[str, float] | pd.Series,
    positions: Mapping[str, float] | pd.Series | None = None,
    *,
    cash: float = 0.0,
    equity: float | None = None,
    lot_size: float = 1.0,
    min_trade_value: float = 0.0,
    strategy_id: str | None = None,
) -> RebalancePlan:
    """Orders that move ``positions`` to ``target_weights`` of equity.

    Parameters
    ----------
    target_weights : mapping symbol -> weight
        Fractions of equity (negative = short). Held symbols not named get weight 0.
    prices : mapping symbol -> price
        A positive price for every symbol held or targeted.
    positions : mapping symbol -> signed units, optional
    cash : float
        Cash; ``equity`` defaults to ``cash + sum(positions * prices)``.
    lot_size : float
        Target quantities are rounded toward zero to whole lots (0 = fractional).
    min_trade_value : float
        Skip trades smaller than this in currency.
    """
    w = _series(target_weights, "target_weights")
    px = _series(prices, "prices")
    pos = _series(positions, "positions")
    check_positive(lot_size, "lot_size", allow_zero=True)
    check_positive(min_trade_value, "min_trade_value", allow_zero=True)
    symbols = list(dict.fromkeys([*pos.index[pos != 0], *w.index]))
    bad = [s for s in symbols if not px.get(s, 0.0) > 0]
    if bad:
        raise RiskError(
            f"no positive price for {bad[:10]}; every held or targeted symbol needs one"
        )
    px = px.reindex(symbols)
    current = pos.reindex(symbols).fillna(0.0)
    weights = w.reindex(symbols).fillna(0.0)
    equity = float(cash + (current * px).sum()) if equity is None else float(equity)
    if not equity > 0:
        raise RiskError(f"equity must be positive to rebalance, got {equity!r}")
    target = np.array([floor_to_lot_nb(q, lot_size) for q in (weights * equity / px).to_numpy()])
    trade = target - current.to_numpy()
    trade[np.abs(trade * px.to_numpy()) < max(min_trade_value, 1e-12)] = 0.0
    table = pd.DataFrame(
        {
            "price": px,
            "current_qty": current,
            "target_weight": weights,
            "target_qty": current + trade,
            "trade_qty": trade,
        }
    )
    table["trade_value"] = table["trade_qty"] * table["price"]
    table["final_weight"] = table["target_qty"] * table["price"] / equity
    orders = [
        OrderRequest(
            symbol=s,
            side=OrderSide.BUY if q > 0 else OrderSide.SELL,
            quantity=float(abs(q)),
            strategy_id=strategy_id,
        )
        for s, q in sorted(table["trade_qty"].items(), key=lambda kv: kv[1] > 0)
        if q != 0
    ]
    cash_after = float(cash - table["trade_value"].sum())
    return RebalancePlan(orders, table, equity, cash_after)


def optimise_weights(
    returns: pd.DataFrame,
    method: str = "min_variance",
    *,
    min_weight: float = 0.0,
    max_weight: float = 1.0,
    risk_aversion: float = 1.0,
    cvar_level: float = 0.95,
    **options: Any,
) -> pd.Series:
    """Portfolio weights (summing to 1) from asset returns of shape (n_obs, n_assets).

    Methods: ``equal_weight`` and ``inverse_volatility`` (computed here); with skfolio
    (imported on first use): ``min_variance``, ``max_sharpe`` and ``mean_variance``
    (``MeanRisk`` with variance, minimising risk, maximising the Sharpe ratio or the utility
    ``mean - risk_aversion * variance``), ``risk_parity`` (``RiskBudgeting``, equal variance
    contributions) and ``min_cvar`` (``MeanRisk`` minimising CVaR at ``cvar_level``).
    ``min_weight``/``max_weight`` bound each weight (0 lower bound = long only). Extra
    ``options`` go to the skfolio estimator.
    """
    x = clean_frame(returns, "asset returns", min_rows=3)
    cols = returns.columns if isinstance(returns, pd.DataFrame) else pd.RangeIndex(x.shape[1])
    if method not in OPTIMISERS:
        raise ConfigError(f"unknown optimiser {method!r}; use one of {list(OPTIMISERS)}")
    if method == "equal_weight":
        return pd.Series(1.0 / x.shape[1], index=cols, name="weight")
    if method == "inverse_volatility":
        sd = x.std(axis=0, ddof=1)
        if (sd == 0).any():
            raise RiskError(
                f"inverse-volatility weights are undefined: {list(cols[sd == 0])} have zero volatility"
            )
        return pd.Series((1 / sd) / (1 / sd).sum(), index=cols, name="weight")
    opt = attempt_import("skfolio.optimization", purpose="portfolio optimisation")
    sk = attempt_import("skfolio", purpose="portfolio optimisation")
    bounds = {"min_weights": min_weight, "max_weights": max_weight}
    if method == "risk_parity":
        model = opt.RiskBudgeting(risk_measure=sk.RiskMeasure.VARIANCE, **bounds, **options)
    else:
        objective = {
            "min_variance": opt.ObjectiveFunction.MINIMIZE_RISK,
            "min_cvar": opt.ObjectiveFunction.MINIMIZE_RISK,
            "max_sharpe": opt.ObjectiveFunction.MAXIMIZE_RATIO,
            "mean_variance": opt.ObjectiveFunction.MAXIMIZE_UTILITY,
        }[method]
        measure = sk.RiskMeasure.CVAR if method == "min_cvar" else sk.RiskMeasure.VARIANCE
        extra = {"cvar_beta": cvar_level} if method == "min_cvar" else {}
        if method == "mean_variance":
            extra["risk_aversion"] = risk_aversion
        model = opt.MeanRisk(
            objective_function=objective, risk_measure=measure, **bounds, **extra, **options
        )
    try:
        model.fit(pd.DataFrame(x, columns=cols))
    except Exception as exc:  # skfolio/cvxpy raise many kinds; say which optimiser failed
        raise RiskError(
            f"skfolio could not solve {method!r} ({type(exc).__name__}: {exc})"
        ) from exc
    return pd.Series(np.asarray(model.weights_, dtype=float), index=cols, name="weight")
