"""Vectorised backtests through vectorbt, for fast research and sweeps.

A target decided on bar t is ordered on bar t+1 at that bar's open (its close when
the data has closes only). Orders are placed only when a symbol's target changes,
as target percentages of the shared portfolio value (``target / n_symbols``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ntlab._optional import attempt_import
from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies.base import Signals, Strategy

__all__ = ["VectorSettings", "run_vector", "target_weights"]


@dataclass(frozen=True, kw_only=True)
class VectorSettings:
    init_cash: float = 100_000.0
    fees: float = 0.001  # fraction of traded value
    slippage: float = 0.0005  # fraction of price, against the trader
    fill_at: str = "next_open"  # or "next_close"

    def __post_init__(self) -> None:
        if self.init_cash <= 0:
            raise ConfigError("init_cash must be positive")
        if not (0 <= self.fees < 0.1 and 0 <= self.slippage < 0.1):
            raise ConfigError("fees and slippage are fractions, each in [0, 0.1)")
        if self.fill_at not in ("next_open", "next_close"):
            raise ConfigError("fill_at must be 'next_open' or 'next_close'")


def target_weights(signals: Signals) -> pd.DataFrame:
    """Portfolio weights from sleeve targets: ``target / n_symbols`` (equal sleeves)."""
    return signals.target / signals.target.shape[1]


def run_vector(
    strategy: Strategy | Signals, data: MarketData, settings: VectorSettings | None = None
) -> BacktestResult:
    """Backtest a strategy (or ready-made signals) on ``data`` with vectorbt."""
    cfg = settings or VectorSettings()
    vbt = attempt_import("vectorbt", purpose="vectorised backtests")
    signals = strategy.signals(data) if isinstance(strategy, Strategy) else strategy
    weights = target_weights(signals)
    changed = weights.ne(weights.shift(1).fillna(0.0))
    orders = weights.where(changed).shift(1)  # decided on t, executed on t+1
    close = data.close
    price = data.open if (cfg.fill_at == "next_open" and data.has("open")) else close
    pf = vbt.Portfolio.from_orders(
        close=close,
        size=orders,
        size_type="targetpercent",
        price=price,
        fees=cfg.fees,
        slippage=cfg.slippage,
        init_cash=cfg.init_cash,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        ffill_val_price=True,
        freq="1D",
    )
    equity = pf.value()
    equity.name = "equity"
    trades = pf.trades.records_readable
    positions = pf.assets()
    return BacktestResult(
        strategy=signals.strategy_id,
        engine="vectorbt",
        equity=equity,
        trades=trades,
        positions=positions,
        init_cash=cfg.init_cash,
        settings={"fees": cfg.fees, "slippage": cfg.slippage, "fill_at": cfg.fill_at},
    )
