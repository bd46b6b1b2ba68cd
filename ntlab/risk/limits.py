"""Risk limits and the portfolio state the pre-trade gate checks orders against."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from ntlab._time import to_utc
from ntlab.errors import ConfigError, RiskError
from ntlab.risk._checks import as_float_map, camel

__all__ = ["RiskLimits", "PortfolioState"]


@dataclass(frozen=True, kw_only=True)
class RiskLimits:
    """The limits a :class:`~ntlab.risk.RiskGate` enforces; ``None`` means no limit.

    Fractions are of current equity unless stated (0.05 = 5%). The seed's ``RiskLimits``
    fields map onto ``max_position_value`` (its ``max_position_size``, currency),
    ``max_sector_exposure``, ``max_daily_loss``, ``max_leverage`` and ``max_correlation``.

    Attributes
    ----------
    max_position_value : float, optional
        Cap on ``|position| * price`` per symbol, in currency.
    max_position_fraction : float, optional
        Cap on ``|position| * price / equity`` per symbol (the tighter of the two applies).
    max_sector_exposure : float, optional
        Cap on a sector's gross exposure ``sum |q * price|`` / equity.
    max_daily_loss : float, optional
        Circuit breaker: halt new exposure once ``(day_start_equity - equity) /
        day_start_equity`` reaches this fraction. Clears on the next trading day.
    max_daily_loss_value : float, optional
        The same in currency (the tighter of the two applies).
    max_drawdown : float, optional
        Circuit breaker: halt once ``1 - equity / peak_equity`` reaches this fraction.
        Clears only by a manual reset.
    max_leverage : float, optional
        Cap on gross exposure / equity (1.0 = no leverage; default).
    max_correlation : float, optional
        Refuse a new or larger position whose signed correlation with a held name (over
        the state's recent returns) exceeds this, in (0, 1].
    min_correlation_obs : int
        Recent returns needed to judge a correlation (default 20).
    """

    max_position_value: float | None = None
    max_position_fraction: float | None = None
    max_sector_exposure: float | None = None
    max_daily_loss: float | None = None
    max_daily_loss_value: float | None = None
    max_drawdown: float | None = None
    max_leverage: float | None = 1.0
    max_correlation: float | None = None
    min_correlation_obs: int = 20

    def __post_init__(self) -> None:
        for name in ("max_position_value", "max_daily_loss_value", "max_leverage", "max_sector_exposure",
                     "max_position_fraction"):  # fmt: skip
            self._check(name, upper=None)
        for name in ("max_daily_loss", "max_drawdown", "max_correlation"):
            self._check(name, upper=1.0)
        n = self.min_correlation_obs
        if isinstance(n, bool) or not isinstance(n, int) or n < 3:
            raise ConfigError(f"RiskLimits: min_correlation_obs must be an integer >= 3, got {n!r}")

    def _check(self, name: str, upper: float | None) -> None:
        value = getattr(self, name)
        if value is None:
            return
        ok = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        )
        if not ok or (upper is not None and value > upper):
            bound = f" and at most {upper}" if upper is not None else ""
            raise ConfigError(
                f"RiskLimits: {name} must be a positive number{bound}, or None; got {value!r}"
            )

    def kernel_args(self) -> dict[str, float]:
        """The limits as the floats the ``_gate_nb`` kernels take (``inf`` for no limit)."""
        inf = math.inf

        def val(x: float | None) -> float:
            return inf if x is None else float(x)

        return {
            "max_position_value": val(self.max_position_value),
            "max_position_fraction": val(self.max_position_fraction),
            "max_leverage": val(self.max_leverage),
            "max_sector_fraction": val(self.max_sector_exposure),
            "max_correlation": val(self.max_correlation),
            "max_daily_loss_fraction": val(self.max_daily_loss),
            "max_daily_loss_value": val(self.max_daily_loss_value),
            "max_drawdown": val(self.max_drawdown),
        }

    def to_dict(self) -> dict[str, Any]:
        """camelCase keys (``maxPositionValue``, ``maxDailyLoss``, ...)."""
        return {camel(f.name): getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RiskLimits:
        names = {camel(f.name): f.name for f in fields(cls)} | {f.name: f.name for f in fields(cls)}
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise ConfigError(
                f"RiskLimits: unknown field(s) {unknown}; known: {sorted(k for k in names if '_' not in k)}"
            )
        return cls(**{names[k]: v for k, v in data.items()})


@dataclass(frozen=True, kw_only=True)
class PortfolioState:
    """What the gate needs to know about the account at the moment of an order.

    Attributes
    ----------
    cash : float
        Cash balance in account currency.
    positions : mapping symbol -> signed units (negative = short)
    prices : mapping symbol -> last price (every held symbol needs one)
    equity : float, optional
        Net liquidation value; defaults to ``cash + sum(q * price)``.
    day_start_equity : float, optional
        Equity at the start of the trading day (default: ``equity``).
    peak_equity : float, optional
        High-water mark for the drawdown breaker (default: the larger of the two above).
    recent_returns : DataFrame of shape (n_obs, n_symbols), optional
        Recent per-bar returns with symbols as columns, for the correlation limit.
    timestamp : datetime, optional
        Tz-aware time of the state; the gate uses its trading day to clear a daily-loss halt.
    """

    cash: float
    positions: Mapping[str, float] = field(default_factory=dict)
    prices: Mapping[str, float] = field(default_factory=dict)
    equity: float | None = None
    day_start_equity: float | None = None
    peak_equity: float | None = None
    recent_returns: pd.DataFrame | None = field(default=None, compare=False)
    timestamp: datetime | None = None

    def __post_init__(self) -> None:
        positions = as_float_map(self.positions, "positions")
        prices = as_float_map(self.prices, "prices")
        for symbol, qty in positions.items():
            if qty != 0 and not prices.get(symbol, 0.0) > 0:
                raise RiskError(
                    f"PortfolioState: held symbol {symbol!r} needs a positive price in prices"
                )
        if not math.isfinite(self.cash):
            raise RiskError(f"PortfolioState: cash must be finite, got {self.cash!r}")
        held = [s for s, q in positions.items() if q != 0]
        qty = np.array([positions[s] for s in held], dtype=float)
        exposure = np.abs(qty) * np.array([prices[s] for s in held], dtype=float)
        equity = self.equity
        if equity is None:
            equity = self.cash + float(np.sum(np.sign(qty) * exposure))
        day_start = equity if self.day_start_equity is None else self.day_start_equity
        peak = max(equity, day_start) if self.peak_equity is None else self.peak_equity
        for name, value in (
            ("equity", equity),
            ("day_start_equity", day_start),
            ("peak_equity", peak),
        ):
            if not math.isfinite(value):
                raise RiskError(f"PortfolioState: {name} must be finite, got {value!r}")
        if self.recent_returns is not None and not isinstance(self.recent_returns, pd.DataFrame):
            raise RiskError("PortfolioState: recent_returns must be a DataFrame (n_obs, n_symbols)")
        set_ = object.__setattr__
        set_(self, "positions", positions)
        set_(self, "prices", prices)
        set_(self, "equity", float(equity))
        set_(self, "day_start_equity", float(day_start))
        set_(self, "peak_equity", float(peak))
        if self.timestamp is not None:
            set_(self, "timestamp", to_utc(self.timestamp, what="PortfolioState.timestamp"))
        # derived arrays, computed once per state (the gate may check many orders against it)
        set_(self, "_held", held)
        set_(self, "_held_qty", qty)
        set_(self, "_held_exposure", exposure)
        set_(self, "_returns_view", None)
        set_(self, "_sector_view", None)

    @property
    def held(self) -> list[str]:
        """Symbols with a non-zero position."""
        return list(self._held)

    def exposure(self, symbols: set[str] | None = None) -> float:
        """Gross exposure ``sum |q * price|`` over all positions, or over ``symbols``."""
        if symbols is None:
            return float(self._held_exposure.sum())
        mask = np.fromiter((s in symbols for s in self._held), dtype=bool, count=len(self._held))
        return float(self._held_exposure[mask].sum())

    @property
    def leverage(self) -> float:
        return self.exposure() / self.equity if self.equity > 0 else math.inf

    def sector_exposure(
        self, sectors: Mapping[str, str], sector: str, default: str = "UNKNOWN"
    ) -> float:
        """Gross exposure of the held names whose sector (``sectors[s]``, else ``default``) is ``sector``."""
        view = self._sector_view
        if view is None or view[0] is not sectors:  # labels cached per mapping object
            labels = np.array([sectors.get(s, default) for s in self._held], dtype=object)
            view = (sectors, labels)
            object.__setattr__(self, "_sector_view", view)
        return float(self._held_exposure[view[1] == sector].sum())

    def correlation_inputs(self, symbol: str, side: float) -> tuple[np.ndarray, int, np.ndarray]:
        """Inputs of :func:`ntlab.risk._gate_nb.max_correlation_nb` for a new position in ``symbol``.

        Returns the recent returns as a (n_obs, n_symbols) array (NaN kept: the kernel uses
        pairwise-complete rows), the column of ``symbol`` and the signs
        ``side * sign(position)`` per column (0 for names not held and for ``symbol``).
        """
        if self.recent_returns is None:
            raise RiskError(
                f"the correlation limit needs recent returns of {symbol} (the state has no recent_returns)"
            )
        if self._returns_view is None:
            rr = self.recent_returns
            columns = {str(c): i for i, c in enumerate(rr.columns)}
            held_cols = np.array([columns.get(s, -1) for s in self._held], dtype=np.int64)
            values = np.asfortranarray(
                rr.to_numpy(dtype=float)
            )  # columns contiguous for the kernel
            object.__setattr__(self, "_returns_view", (values, columns, held_cols))
        values, columns, held_cols = self._returns_view
        col = columns.get(symbol)
        if col is None:
            raise RiskError(
                f"the correlation limit needs recent returns of {symbol}; recent_returns lacks it"
            )
        signs = np.zeros(values.shape[1])
        known = held_cols >= 0
        signs[held_cols[known]] = side * np.sign(self._held_qty[known])
        signs[col] = 0.0
        return values, col, signs
