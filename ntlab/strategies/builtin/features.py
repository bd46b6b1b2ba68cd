"""Indicator features shared by the rule strategies, in batch and streaming form.

Batch functions return arrays of shape (n_bars, n_symbols); their ``...Stream`` twins
take one bar (arrays of shape (n_symbols,)) and return that bar's row, built on
:mod:`ntlab.indicators` and its streams, which give exactly the batch values. Data
shorter than an indicator's warm-up gives NaN (no signal) instead of an error, so a
strategy can run on any prefix of the data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab.indicators import bollinger, macd, returns, rolling_volatility, rolling_zscore, rsi
from ntlab.indicators import stream as ist
from ntlab.indicators.oscillators import macd_warmup

__all__ = [
    "MomentumParams",
    "momentum_features",
    "MomentumFeatureStream",
    "band_features",
    "BandFeatureStream",
    "ML_FEATURES",
    "ml_features",
    "MLFeatureStream",
]

#: Columns of :func:`ml_features`, in order.
ML_FEATURES = ("momentum_z", "rsi_centred", "macd_hist_rel", "ret_5", "ret_20", "vol_20")


def _or_nan(
    fn: Callable[..., Any], x: pd.DataFrame, warmup: int, *args: Any, outputs: int = 1
) -> list[np.ndarray]:
    """Outputs of an indicator as arrays; all NaN when ``x`` is too short for it."""
    if len(x) <= warmup:
        return [np.full(x.shape, np.nan) for _ in range(outputs)]
    out = fn(x, *args)
    parts = out if outputs > 1 else (out,)
    return [np.asarray(p, dtype=float) for p in parts[:outputs]]


@dataclass(frozen=True)
class MomentumParams:
    """Parameters of :func:`momentum_features` (taken from a strategy config)."""

    lookback: int
    z_window: int
    rsi_window: int
    macd_fast: int
    macd_slow: int
    macd_signal: int

    @classmethod
    def of(cls, cfg: Any) -> MomentumParams:
        return cls(
            cfg.lookback,
            cfg.z_window,
            cfg.rsi_window,
            cfg.macd_fast,
            cfg.macd_slow,
            cfg.macd_signal,
        )

    @property
    def warmup(self) -> int:
        """Bars before every feature is defined."""
        return max(
            self.lookback + self.z_window - 1,
            self.rsi_window,
            macd_warmup(self.macd_fast, self.macd_slow, self.macd_signal),
        )


def momentum_features(close: pd.DataFrame, p: MomentumParams) -> dict[str, np.ndarray]:
    """``z`` (z-score of ``lookback``-bar momentum over ``z_window`` bars), ``rsi`` and
    ``hist`` (MACD histogram), each of shape (n_bars, n_symbols)."""
    (mom,) = _or_nan(returns, close, p.lookback, p.lookback)
    mom_df = pd.DataFrame(mom, index=close.index, columns=close.columns)
    (z,) = _or_nan(rolling_zscore, mom_df, p.lookback + p.z_window - 1, p.z_window)
    (r,) = _or_nan(rsi, close, p.rsi_window, p.rsi_window)
    warm = macd_warmup(p.macd_fast, p.macd_slow, p.macd_signal)
    _, _, hist = _or_nan(macd, close, warm, p.macd_fast, p.macd_slow, p.macd_signal, outputs=3)
    return {"z": z, "rsi": r, "hist": hist}


class MomentumFeatureStream:
    """One bar at a time, the row :func:`momentum_features` gives for that bar."""

    def __init__(self, p: MomentumParams, n_symbols: int) -> None:
        self._mom = ist.Returns(p.lookback, n_symbols=n_symbols)
        self._z = ist.ZScore(p.z_window, n_symbols=n_symbols)
        self._rsi = ist.RSI(p.rsi_window, n_symbols=n_symbols)
        self._macd = ist.MACD(p.macd_fast, p.macd_slow, p.macd_signal, n_symbols=n_symbols)

    def update(self, close: np.ndarray) -> dict[str, np.ndarray]:
        z = self._z.update(self._mom.update(close))
        return {"z": z, "rsi": self._rsi.update(close), "hist": self._macd.update(close).hist}


def band_features(
    close: pd.DataFrame, window: int, k: float, rsi_window: int
) -> dict[str, np.ndarray]:
    """``pb`` (Bollinger %B), ``middle``, ``lower``, ``upper`` and ``rsi``, shape (n_bars, n_symbols)."""
    upper, middle, lower, pb = _or_nan(bollinger, close, window - 1, window, k, outputs=4)
    (r,) = _or_nan(rsi, close, rsi_window, rsi_window)
    return {"pb": pb, "middle": middle, "lower": lower, "upper": upper, "rsi": r}


class BandFeatureStream:
    """One bar at a time, the row :func:`band_features` gives for that bar."""

    def __init__(self, window: int, k: float, rsi_window: int, n_symbols: int) -> None:
        self._bb = ist.Bollinger(window, k, n_symbols=n_symbols)
        self._rsi = ist.RSI(rsi_window, n_symbols=n_symbols)

    def update(self, close: np.ndarray) -> dict[str, np.ndarray]:
        bb = self._bb.update(close)
        return {
            "pb": bb.percent_b,
            "middle": bb.middle,
            "lower": bb.lower,
            "upper": bb.upper,
            "rsi": self._rsi.update(close),
        }


def _stack_ml(
    f: dict[str, np.ndarray], close: np.ndarray, r5: np.ndarray, r20: np.ndarray, v20: np.ndarray
) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        parts = [f["z"], (f["rsi"] - 50.0) / 50.0, f["hist"] / close, r5, r20, v20]
    return np.stack(parts, axis=-1)


def ml_features(close: pd.DataFrame, p: MomentumParams) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """:func:`momentum_features` and the model features :data:`ML_FEATURES`, an array of
    shape (n_bars, n_symbols, 6): momentum z, (RSI - 50) / 50, MACD histogram / close,
    5- and 20-bar returns, 20-bar volatility of log returns."""
    f = momentum_features(close, p)
    (r5,) = _or_nan(returns, close, 5, 5)
    (r20,) = _or_nan(returns, close, 20, 20)
    (v20,) = _or_nan(rolling_volatility, close, 20, 20)
    return f, _stack_ml(f, close.to_numpy(dtype=float), r5, r20, v20)


class MLFeatureStream:
    """One bar at a time, the rows :func:`ml_features` gives for that bar."""

    def __init__(self, p: MomentumParams, n_symbols: int) -> None:
        self._momentum = MomentumFeatureStream(p, n_symbols)
        self._r5 = ist.Returns(5, n_symbols=n_symbols)
        self._r20 = ist.Returns(20, n_symbols=n_symbols)
        self._v20 = ist.Volatility(20, n_symbols=n_symbols)

    def update(self, close: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
        f = self._momentum.update(close)
        X = _stack_ml(
            f, close, self._r5.update(close), self._r20.update(close), self._v20.update(close)
        )
        return f, X
