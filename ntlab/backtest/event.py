"""ntlab's own event backtest: bar by bar, numba core, the live sessions' execution rules.

A decision made at bar t's close fills at bar t+1's open (or close, see
:class:`ntlab.execution.FillModel`). Orders are sized by the shared
:class:`ntlab.execution.ExecutionPolicy` (whole shares by default), pay its commission
and slippage, may be capped by a share of the bar's volume, and must fit the buying
power (``equity / initial_margin``). Stop-loss and take-profit levels from
``Signals.stop_loss/take_profit`` are checked against each bar's high and low; when a
bar touches both the stop counts, and a bar that gaps through the stop fills at the
open. Shorts pay a borrow fee, negative cash pays margin interest. With ``limits``, new
orders pass ``ntlab.risk``'s pre-trade gate kernels (position, leverage, sector caps and
the daily-loss / drawdown circuit breaker), the same ones :class:`ntlab.risk.RiskGate`
runs in live sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ntlab._progress import progress_scope
from ntlab.backtest._common import (
    as_layout,
    check_summary,
    layout_of,
    price_arrays,
    resolve_checked,
)
from ntlab.backtest._event_nb import REASON_OPEN, REASON_STOP, REASON_TAKE, simulate_nb
from ntlab.backtest._trades_nb import trades_nb
from ntlab.backtest.result import BacktestResult
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.execution.policy import ExecutionPolicy
from ntlab.execution.sleeves import first_prices, warn_small_sleeves
from ntlab.risk._gate_nb import REASONS as GATE_REASONS
from ntlab.risk.limits import RiskLimits
from ntlab.risk.periods import resolve_periods
from ntlab.strategies.base import Signals, Strategy

__all__ = ["EventSettings", "run_event", "simulate"]

_REASONS = {0: "signal", REASON_STOP: "stop", REASON_TAKE: "take_profit", REASON_OPEN: "open"}


@dataclass(frozen=True, kw_only=True)
class EventSettings:
    """Settings of the event backtest.

    Parameters
    ----------
    init_cash : float
    policy : ExecutionPolicy
        Sizing, commission, slippage and fills (shared with live sessions).
    use_signal_stops : bool
        Honour ``Signals.stop_loss`` / ``take_profit`` levels.
    stop_loss_pct, take_profit_pct : float
        Protective levels this far from the entry fill price where the signals give
        none (0 = off).
    initial_margin : float
        Gross exposure may reach ``equity / initial_margin``: 1 is a cash account, 0.5
        allows 2x (Reg T).
    borrow_rate, margin_rate : float
        Annual borrow fee on short market value, and annual interest on negative cash,
        charged per bar.
    stop_on_entry_bar : bool
        Check stop-loss/take-profit on the bar whose open filled the entry (the rest of
        that bar comes after the fill). False waits for the next bar, as backtrader's
        bracket orders do.
    periods_per_year : float, optional
        Bars per year for annualised figures and per-bar carry costs; None reads it from
        the data's timestamps and calendar (:func:`ntlab.risk.periods_per_year`).
    """

    init_cash: float = 100_000.0
    policy: ExecutionPolicy = field(default_factory=ExecutionPolicy)
    use_signal_stops: bool = True
    stop_loss_pct: float = 0.0
    take_profit_pct: float = 0.0
    initial_margin: float = 1.0
    borrow_rate: float = 0.0
    margin_rate: float = 0.0
    stop_on_entry_bar: bool = True
    periods_per_year: float | None = None

    def __post_init__(self) -> None:
        if not (self.init_cash > 0 and np.isfinite(self.init_cash)):
            raise ConfigError(f"EventSettings.init_cash must be positive, got {self.init_cash!r}")
        if not isinstance(self.policy, ExecutionPolicy):
            raise ConfigError("EventSettings.policy must be an ntlab.execution.ExecutionPolicy")
        for name in ("stop_loss_pct", "take_profit_pct"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(
                    f"EventSettings.{name} is a fraction in [0, 1), got {getattr(self, name)}"
                )
        if not 0.05 <= self.initial_margin <= 1.0:
            raise ConfigError(
                f"EventSettings.initial_margin must lie in [0.05, 1], got {self.initial_margin}"
            )
        for name in ("borrow_rate", "margin_rate"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ConfigError(
                    f"EventSettings.{name} is an annual fraction in [0, 1), got {getattr(self, name)}"
                )
        if self.periods_per_year is not None:
            resolve_periods(self.periods_per_year, pd.DatetimeIndex([]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "init_cash": self.init_cash,
            "policy": self.policy.to_dict(),
            "use_signal_stops": self.use_signal_stops,
            "stop_loss_pct": self.stop_loss_pct,
            "take_profit_pct": self.take_profit_pct,
            "initial_margin": self.initial_margin,
            "borrow_rate": self.borrow_rate,
            "margin_rate": self.margin_rate,
            "stop_on_entry_bar": self.stop_on_entry_bar,
            "periods_per_year": self.periods_per_year,
        }


@dataclass(frozen=True)
class Prepared:
    """Price arrays and kernel settings of one (data, settings) pair, reusable across signals."""

    prices: tuple[np.ndarray, ...]
    layout: str
    params: np.ndarray
    scalars: tuple
    use_levels: bool
    gate: tuple[np.ndarray, np.ndarray, np.ndarray]
    periods_per_year: float


def prepare(
    data: MarketData,
    settings: EventSettings,
    limits: RiskLimits | None = None,
    sectors: Mapping[str, str] | None = None,
) -> Prepared:
    """Everything :func:`simulate` needs from ``data`` and ``settings`` (sweeps prepare once)."""
    prices = price_arrays(data)
    pol = settings.policy
    ppy = resolve_periods(settings.periods_per_year, data.index)
    scalars = (
        pol.fills.order_type_code if pol.fills.order_type != "market" else 0,
        float(pol.fills.entry_offset),
        pol.fills.fill_at == "next_close",
        pol.size_at == "fill",
        float(settings.stop_loss_pct),
        float(settings.take_profit_pct),
        float(settings.initial_margin),
        settings.borrow_rate / ppy,
        settings.margin_rate / ppy,
        bool(settings.stop_on_entry_bar),
        bool(pol.fills.optimistic_take),
    )
    gate = gate_arrays(data, limits, sectors, lot=pol.lot)
    n = max(data.n_symbols, 1)
    warn_small_sleeves(settings.init_cash / n, first_prices(prices[3]), pol.lot, n, stacklevel=4)
    return Prepared(
        prices, layout_of(prices[3]), pol.params(), scalars, settings.use_signal_stops, gate, ppy
    )


def gate_arrays(
    data: MarketData, limits: RiskLimits | None, sectors: Mapping[str, str] | None, *, lot: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(limits vector, sector ids, new-day flags) for the engine's pre-trade gate.

    Mirrors :class:`ntlab.risk.RiskGate`: symbols missing from ``sectors`` share the sector
    "UNKNOWN"; a trading day is a calendar date in New York.
    """
    m, n = data.n_symbols, data.n_bars
    if limits is None:
        return np.empty(0), np.full(m, -1, dtype=np.int64), np.zeros(n, dtype=np.bool_)
    if not isinstance(limits, RiskLimits):
        raise ConfigError(f"limits must be an ntlab.risk.RiskLimits, got {type(limits).__name__}")
    if limits.max_correlation is not None:
        raise ConfigError(
            "the event backtest does not apply RiskLimits.max_correlation (it needs each order's "
            "rolling correlation with the book); drop it here, RiskGate applies it in live sessions"
        )
    if sectors is None and limits.max_sector_exposure is not None:
        meta = data.meta
        if "sector" not in meta.columns:
            raise ConfigError(
                "RiskLimits.max_sector_exposure is set: pass sectors={symbol: sector} to run_event "
                "(or load data whose meta has a 'sector' column)"
            )
        sectors = {s: v for s, v in meta["sector"].items() if isinstance(v, str)}
    names = [(sectors or {}).get(s, "UNKNOWN") for s in data.symbols]
    codes = {name: k for k, name in enumerate(dict.fromkeys(names))}
    sector_ids = np.array([codes[x] for x in names], dtype=np.int64)
    k = limits.kernel_args()
    vector = np.array(
        [
            k["max_position_value"], k["max_position_fraction"], k["max_leverage"], k["max_sector_fraction"],
            k["max_daily_loss_fraction"], k["max_daily_loss_value"], k["max_drawdown"],
        ]
    )  # fmt: skip
    days = data.index.tz_convert("America/New_York").normalize()
    new_day = np.ones(n, dtype=np.bool_)
    new_day[1:] = days[1:] != days[:-1]
    return vector, sector_ids, new_day


def simulate(
    signals: Signals,
    data: MarketData,
    settings: EventSettings,
    *,
    start: int = 0,
    prepared: Prepared | None = None,
) -> tuple:
    """Run the numba core on aligned signals; returns its raw arrays (see ``simulate_nb``)."""
    prep = prepared or prepare(data, settings)
    if not 0 <= start < data.n_bars:
        raise ConfigError(
            f"start must index a bar of the data (0 .. {data.n_bars - 1}), got {start}"
        )
    target = as_layout(signals.target, prep.layout)
    stop = take = np.empty((0, 0), order=prep.layout)
    if prep.use_levels and (signals.stop_loss is not None or signals.take_profit is not None):
        stop = _levels(signals.stop_loss, target.shape, prep.layout)
        take = _levels(signals.take_profit, target.shape, prep.layout)
    return simulate_nb(
        *prep.prices,
        target,
        stop,
        take,
        1.0 / target.shape[1],
        float(settings.init_cash),
        prep.params,
        *prep.scalars,
        *prep.gate,
        int(start),
    )


def _levels(frame: pd.DataFrame | None, shape: tuple[int, int], layout: str) -> np.ndarray:
    if frame is None:
        return np.full(shape, np.nan, order=layout)
    return as_layout(frame, layout)


def run_event(
    strategy: Strategy | Signals,
    data: MarketData,
    settings: EventSettings | None = None,
    *,
    limits: RiskLimits | None = None,
    sectors: Mapping[str, str] | None = None,
    allow_lookahead: bool = False,
    progress: bool | None = None,
) -> BacktestResult:
    """Backtest a strategy (or ready-made signals) on ``data`` with ntlab's event engine.

    Parameters
    ----------
    strategy : Strategy or Signals
        A strategy is first checked for look-ahead (:func:`ntlab.testing.check_causal`,
        reusing this run's signals; ``result.settings["lookahead_check"]`` says how many
        bars it checked), and a fitted one for overlap with its fit range.
    data : MarketData
        OHLCV bars (close-only data trades at the closes).
    settings : EventSettings, optional
    limits : RiskLimits, optional
        Pre-trade limits, applied with ``ntlab.risk``'s gate kernels (the ones
        :class:`ntlab.risk.RiskGate` runs in live sessions): per-symbol position caps,
        leverage, sector exposure (needs ``sectors``) and the daily-loss / drawdown
        circuit breaker. Orders it cuts or refuses are listed in ``result.gate``.
    sectors : mapping symbol -> sector, optional
        For the sector limit (default: a ``sector`` column of ``data.meta``).
    allow_lookahead : bool
        Run a strategy that fails the causality check anyway.
    progress : bool, optional
        Progress bars of long runs (a learned strategy's retrains); False turns them off.

    Raises
    ------
    LookAheadError
        When the strategy uses future bars and ``allow_lookahead`` is False.
    """
    cfg = settings or EventSettings()
    prep = prepare(data, cfg, limits, sectors)
    with progress_scope(progress):  # the bars of long signal runs (retrains)
        signals, check = resolve_checked(strategy, data, allow_lookahead=allow_lookahead)
    res = build_result(signals, data, cfg, *simulate(signals, data, cfg, prepared=prep))
    res.settings["lookahead_check"] = check_summary(check, allow_lookahead)
    if limits is not None:
        res.settings["limits"] = limits.to_dict()
    return res


def build_result(
    signals: Signals,
    data: MarketData,
    cfg: EventSettings,
    equity: np.ndarray,
    cash: np.ndarray,
    positions: np.ndarray,
    records: np.ndarray,
    totals: np.ndarray,
    marks: np.ndarray,
    gate_records: np.ndarray,
) -> BacktestResult:
    """Wrap the core's arrays in a :class:`BacktestResult` with clean trade and order tables.

    Open positions are marked at each symbol's last close (``marks``).
    """
    index, symbols = data.index, pd.Index(data.symbols)
    raw = trades_nb(records, len(symbols), data.n_bars - 1, marks)
    return BacktestResult(
        strategy=signals.strategy_id,
        engine="event",
        equity=pd.Series(equity, index=index, name="equity"),
        trades=_trades_frame(raw, index, symbols),
        positions=pd.DataFrame(positions, index=index, columns=symbols, copy=False),
        init_cash=cfg.init_cash,
        periods_per_year=resolve_periods(cfg.periods_per_year, index),
        settings=cfg.to_dict(),
        orders=_orders_frame(records, index, symbols),
        gate=_gate_frame(gate_records, index, symbols),
        cash=pd.Series(cash, index=index, name="cash"),
        close=data.close,
        costs={
            "commission": float(totals[0]),
            "borrow": float(totals[1]),
            "margin_interest": float(totals[2]),
        },
    )


def labels(codes: np.ndarray, categories: list[str] | pd.Index) -> pd.Categorical:
    """A categorical column from integer codes (fast for long tables)."""
    return pd.Categorical.from_codes(codes.astype(np.int64), categories=categories)


_REASON_NAMES = [_REASONS[k] for k in sorted(_REASONS)]


def _trades_frame(raw: np.ndarray, index: pd.DatetimeIndex, symbols: pd.Index) -> pd.DataFrame:
    order = np.lexsort((raw[:, 0], raw[:, 2])) if len(raw) else np.zeros(0, dtype=np.int64)
    raw = raw[order]
    return pd.DataFrame(
        {
            "symbol": labels(raw[:, 0], symbols),
            "side": labels(raw[:, 1] < 0, ["long", "short"]),
            "entry_time": index[raw[:, 2].astype(np.int64)],
            "exit_time": index[raw[:, 3].astype(np.int64)],
            "entry_price": raw[:, 4],
            "exit_price": raw[:, 5],
            "quantity": raw[:, 6],
            "pnl": raw[:, 7],
            "return": raw[:, 8],
            "exit_reason": labels(raw[:, 9], _REASON_NAMES),
        }
    )


def _gate_frame(rec: np.ndarray, index: pd.DatetimeIndex, symbols: pd.Index) -> pd.DataFrame:
    codes = rec[:, 4].astype(np.int64)
    return pd.DataFrame(
        {
            "time": index[rec[:, 0].astype(np.int64)],
            "symbol": labels(rec[:, 1], symbols),
            "requested": rec[:, 2],
            "allowed": rec[:, 3],
            "code": codes,
            "reason": [GATE_REASONS[int(c)] for c in codes],
        }
    )


def _orders_frame(rec: np.ndarray, index: pd.DatetimeIndex, symbols: pd.Index) -> pd.DataFrame:
    qty = rec[:, 2]
    return pd.DataFrame(
        {
            "time": index[rec[:, 0].astype(np.int64)],
            "symbol": labels(rec[:, 1], symbols),
            "side": labels(qty < 0, ["buy", "sell"]),
            "quantity": np.abs(qty),
            "price": rec[:, 3],
            "fee": rec[:, 4],
            "reason": labels(rec[:, 5], _REASON_NAMES[:3]),
        }
    )
