"""Vectorised backtests through vectorbt, for fast research and sweeps.

A target decided on bar t is ordered on bar t+1 at that bar's open (its close when
the data has closes only, or with ``fill_at="next_close"``). Orders are placed only
when a symbol's target changes, as target percentages of the shared portfolio value
(``target / n_symbols``), sells before buys (vectorbt's automatic call sequence).

What the vector path does not model (use :func:`ntlab.backtest.run_event`): stop-loss
and take-profit levels (``Signals.stop_loss/take_profit`` are ignored here), limit and
stop entries, volume caps, margin and borrow costs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._progress import progress_scope
from ntlab.backtest._common import check_summary, resolve_checked
from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.execution.sleeves import first_prices, warn_small_sleeves
from ntlab.risk.periods import resolve_periods
from ntlab.strategies.base import Signals, Strategy

__all__ = ["VectorSettings", "run_vector", "target_weights", "vector_orders"]


@dataclass(frozen=True, kw_only=True)
class VectorSettings:
    """Settings of the vectorbt path.

    Parameters
    ----------
    init_cash : float
    fees : float
        Commission as a fraction of traded value.
    fixed_fees : float
        Commission per order, in currency.
    slippage : float
        Fraction of price, against the trader.
    fill_at : {"next_open", "next_close"}
    lot_size : float or None
        Order sizes are multiples of this (vectorbt's ``size_granularity``); None trades
        fractions.
    periods_per_year : float, optional
        Bars per year for annualised figures; None reads it from the data's timestamps
        and calendar (:func:`ntlab.risk.periods_per_year`).
    """

    init_cash: float = 100_000.0
    fees: float = 0.001
    fixed_fees: float = 0.0
    slippage: float = 0.0005
    fill_at: str = "next_open"
    lot_size: float | None = None
    periods_per_year: float | None = None

    def __post_init__(self) -> None:
        if self.init_cash <= 0:
            raise ConfigError("init_cash must be positive")
        if not (0 <= self.fees < 0.1 and 0 <= self.slippage < 0.1):
            raise ConfigError("fees and slippage are fractions, each in [0, 0.1)")
        if self.fixed_fees < 0:
            raise ConfigError("fixed_fees must be >= 0")
        if self.fill_at not in ("next_open", "next_close"):
            raise ConfigError("fill_at must be 'next_open' or 'next_close'")
        if self.lot_size is not None and not self.lot_size > 0:
            raise ConfigError("lot_size must be > 0 (or None for fractional sizes)")
        if self.periods_per_year is not None:
            resolve_periods(self.periods_per_year, pd.DatetimeIndex([]))


def target_weights(signals: Signals) -> pd.DataFrame:
    """Portfolio weights from sleeve targets: ``target / n_symbols`` (equal sleeves)."""
    return signals.target / signals.target.shape[1]


def vector_orders(signals: Signals) -> pd.DataFrame:
    """Target-percent orders: the new weight on the bar after each change, NaN elsewhere."""
    weights = target_weights(signals)
    changed = weights.ne(weights.shift(1).fillna(0.0))
    return weights.where(changed).shift(1)  # decided on t, executed on t+1


def run_vector(
    strategy: Strategy | Signals,
    data: MarketData,
    settings: VectorSettings | None = None,
    *,
    allow_lookahead: bool = False,
    progress: bool | None = None,
) -> BacktestResult:
    """Backtest a strategy (or ready-made signals) on ``data`` with vectorbt.

    ``progress`` turns the bars of long runs (a learned strategy's retrains) on or off.

    Raises
    ------
    LookAheadError
        When the strategy fails the causality check and ``allow_lookahead`` is False.
    """
    cfg = settings or VectorSettings()
    vbt = attempt_import("vectorbt", purpose="vectorised backtests")
    with progress_scope(progress):  # the bars of long signal runs (retrains)
        signals, check = resolve_checked(strategy, data, allow_lookahead=allow_lookahead)
    close = data.close
    if cfg.lot_size is not None:
        n = max(data.n_symbols, 1)
        prices = first_prices(close.to_numpy(dtype=float))
        warn_small_sleeves(cfg.init_cash / n, prices, cfg.lot_size, n)
    price = data.open if (cfg.fill_at == "next_open" and data.has("open")) else close
    pf = vbt.Portfolio.from_orders(
        close=close,
        size=vector_orders(signals),
        size_type="targetpercent",
        price=price,
        fees=cfg.fees,
        fixed_fees=cfg.fixed_fees,
        slippage=cfg.slippage,
        size_granularity=np.nan if cfg.lot_size is None else cfg.lot_size,
        init_cash=cfg.init_cash,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        ffill_val_price=True,
        freq="1D",  # only vectorbt's own stats use it; ntlab scores with ntlab.risk
    )
    equity = pf.value()
    equity.name = "equity"
    symbols = np.asarray(data.symbols, dtype=object)
    orders = pf.orders.values
    return BacktestResult(
        strategy=signals.strategy_id,
        engine="vectorbt",
        equity=equity,
        trades=_trades(pf.trades.values, data.index, symbols),
        positions=pd.DataFrame(
            pf.assets().to_numpy(), index=data.index, columns=pd.Index(data.symbols, name="symbol")
        ),
        init_cash=cfg.init_cash,
        periods_per_year=resolve_periods(cfg.periods_per_year, data.index),
        settings={
            **asdict(cfg),
            "stops": "not modelled by the vector path",
            "lookahead_check": check_summary(check, allow_lookahead),
        },
        orders=pd.DataFrame(
            {
                "time": data.index[orders["idx"]],
                "symbol": symbols[orders["col"]],
                "side": np.where(orders["side"] == 0, "buy", "sell"),
                "quantity": orders["size"],
                "price": orders["price"],
                "fee": orders["fees"],
                "reason": "signal",
            }
        ),
        close=close,
        costs={"commission": float(orders["fees"].sum())},
    )


def _trades(rec: np.ndarray, index: pd.DatetimeIndex, symbols: np.ndarray) -> pd.DataFrame:
    """vectorbt's exit-trade records with ntlab's trade columns."""
    rec = rec[np.lexsort((rec["col"], rec["entry_idx"]))]
    return pd.DataFrame(
        {
            "symbol": symbols[rec["col"]],
            "side": np.where(rec["direction"] == 0, "long", "short"),
            "entry_time": index[rec["entry_idx"]],
            "exit_time": index[rec["exit_idx"]],
            "entry_price": rec["entry_price"],
            "exit_price": rec["exit_price"],
            "quantity": rec["size"],
            "pnl": rec["pnl"],
            "return": rec["return"],
            "exit_reason": np.where(rec["status"] == 0, "open", "signal"),
        }
    )
