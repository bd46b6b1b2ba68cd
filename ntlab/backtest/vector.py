"""Vectorised backtests through vectorbt, for fast research and sweeps.

A target decided on bar t is ordered on bar t+1 at that bar's open (its close when
the data has closes only, or with ``fill_at="next_close"``). Orders are placed only
when a symbol's target changes, as target percentages of the shared portfolio value
(``target / n_symbols``), sells before buys (vectorbt's automatic call sequence).

The strategy's stop-loss and take-profit levels (``Signals.stop_loss/take_profit``) are
honoured by default, with the event engine's exit rule (see :func:`run_vector`). What
the vector path does not model (use :func:`ntlab.backtest.run_event`): levels set as a
fraction of the entry fill (``EventSettings.stop_loss_pct``), limit and stop entries,
volume caps, margin and borrow costs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._progress import progress_scope
from ntlab.backtest._common import check_summary, price_arrays, resolve_checked
from ntlab.backtest._vector_nb import vector_exits_nb
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
    use_signal_stops : bool
        Exit at the strategy's stop-loss / take-profit levels (as the event engine does).
    """

    init_cash: float = 100_000.0
    fees: float = 0.001
    fixed_fees: float = 0.0
    slippage: float = 0.0005
    fill_at: str = "next_open"
    lot_size: float | None = None
    periods_per_year: float | None = None
    use_signal_stops: bool = True

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

    With ``use_signal_stops`` (the default) the strategy's stop-loss and take-profit
    levels exit inside the bar that reaches them, at the event engine's prices (stop
    first when a bar touches both; gaps fill at the open; take-profits pay no slippage).
    vectorbt books each bar as two rows then, the fill and the exits, in the bar's order.
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
    if cfg.lot_size is not None:
        n = max(data.n_symbols, 1)
        prices = first_prices(data.close.to_numpy(dtype=float))
        warn_small_sleeves(cfg.init_cash / n, prices, cfg.lot_size, n)
    book = _Book.build(signals, data, cfg)
    symbols = pd.Index(data.symbols, name="symbol")
    frame = lambda a: pd.DataFrame(a, columns=symbols)  # noqa: E731
    pf = vbt.Portfolio.from_orders(
        close=frame(book.close),
        size=frame(book.size),
        size_type="targetpercent",
        price=frame(book.price),
        fees=cfg.fees,
        fixed_fees=cfg.fixed_fees,
        slippage=frame(book.slippage) if book.k == 2 else cfg.slippage,
        size_granularity=np.nan if cfg.lot_size is None else cfg.lot_size,
        init_cash=cfg.init_cash,
        cash_sharing=True,
        group_by=True,
        call_seq="auto",
        ffill_val_price=True,
        freq="1D",  # only vectorbt's own stats use it; ntlab scores with ntlab.risk
    )
    last = slice(book.k - 1, None, book.k)  # each bar's last row: the book at its close
    equity = pd.Series(pf.value().to_numpy()[last], index=data.index, name="equity")
    names = np.asarray(data.symbols, dtype=object)
    orders = pf.orders.values
    return BacktestResult(
        strategy=signals.strategy_id,
        engine="vectorbt",
        equity=equity,
        trades=_trades(pf.positions.values, data.index, names, book),
        positions=pd.DataFrame(pf.assets().to_numpy()[last], index=data.index, columns=symbols),
        init_cash=cfg.init_cash,
        periods_per_year=resolve_periods(cfg.periods_per_year, data.index),
        settings={**asdict(cfg), "lookahead_check": check_summary(check, allow_lookahead)},
        orders=pd.DataFrame(
            {
                "time": data.index[orders["idx"] // book.k],
                "symbol": names[orders["col"]],
                "side": np.where(orders["side"] == 0, "buy", "sell"),
                "quantity": orders["size"],
                "price": orders["price"],
                "fee": orders["fees"],
                "reason": book.reasons(orders["idx"], orders["col"]),
            }
        ),
        close=data.close,
        costs={"commission": float(orders["fees"].sum())},
    )


_EXIT_NAMES = np.array(["signal", "stop", "take_profit"], dtype=object)


@dataclass(frozen=True)
class _Book:
    """vectorbt's inputs: ``k`` rows per bar (2 when protective exits happen: the fill row
    and the exit row, in the bar's order), and the exit reason of each exit row."""

    k: int
    size: np.ndarray
    price: np.ndarray
    close: np.ndarray
    slippage: np.ndarray
    exit_first: bool  # with next-close fills the exits come first in a bar
    why: np.ndarray  # (n_bars, n_symbols): 0 none, 1 stop, 2 take-profit

    @classmethod
    def build(cls, signals: Signals, data: MarketData, cfg: VectorSettings) -> _Book:
        o, h, lo, c, _ = price_arrays(data)
        at_close = cfg.fill_at == "next_close" or not data.has("open")
        fill_px = c if at_close else o
        size = vector_orders(signals).to_numpy(dtype=float)
        why = np.zeros(c.shape, dtype=np.int64)
        if cfg.use_signal_stops and (
            signals.stop_loss is not None or signals.take_profit is not None
        ):
            nan = np.full(c.shape, np.nan)
            sl = nan if signals.stop_loss is None else signals.stop_loss.to_numpy(dtype=float)
            tp = nan if signals.take_profit is None else signals.take_profit.to_numpy(dtype=float)
            target = signals.target.to_numpy(dtype=float)
            exit_px, why = vector_exits_nb(target, sl, tp, o, h, lo, c, at_close)
        if not why.any():
            return cls(1, size, fill_px, c, np.empty(0), at_close, why)
        n, m = c.shape
        fill, out = (
            (slice(1, None, 2), slice(0, None, 2))
            if at_close
            else (slice(0, None, 2), slice(1, None, 2))
        )
        rows = np.full((2 * n, m), np.nan)
        big_size, big_price, big_close = rows.copy(), rows.copy(), rows.copy()
        big_size[fill], big_size[out] = size, np.where(why > 0, 0.0, np.nan)
        big_price[fill], big_price[out] = fill_px, exit_px
        big_close[0::2], big_close[1::2] = o, c  # mid-bar rows are marked at the open
        slip = np.full((2 * n, m), cfg.slippage)
        slip[out] = np.where(why == 2, 0.0, cfg.slippage)  # a take-profit is a limit order
        return cls(2, big_size, big_price, big_close, slip, at_close, why)

    def exit_row(self, idx: np.ndarray) -> np.ndarray:
        """True where a (doubled) row index is a bar's exit row."""
        if self.k == 1:
            return np.zeros(len(idx), dtype=bool)
        return (idx % 2 == 0) if self.exit_first else (idx % 2 == 1)

    def reasons(self, idx: np.ndarray, col: np.ndarray) -> np.ndarray:
        """ "signal", "stop" or "take_profit" for orders at rows ``idx`` of columns ``col``."""
        code = np.where(self.exit_row(idx), self.why[idx // self.k, col], 0)
        return _EXIT_NAMES[code]


def _trades(
    rec: np.ndarray, index: pd.DatetimeIndex, symbols: np.ndarray, book: _Book
) -> pd.DataFrame:
    """vectorbt's position records (flat -> position -> flat, as the event engine's round
    trips; a resize stays inside its trade) with ntlab's trade columns."""
    rec = rec[np.lexsort((rec["col"], rec["entry_idx"]))]
    reason = book.reasons(rec["exit_idx"], rec["col"])
    return pd.DataFrame(
        {
            "symbol": symbols[rec["col"]],
            "side": np.where(rec["direction"] == 0, "long", "short"),
            "entry_time": index[rec["entry_idx"] // book.k],
            "exit_time": index[rec["exit_idx"] // book.k],
            "entry_price": rec["entry_price"],
            "exit_price": rec["exit_price"],
            "quantity": rec["size"],
            "pnl": rec["pnl"],
            "return": rec["return"],
            "exit_reason": np.where(rec["status"] == 0, "open", reason),
        }
    )
