"""Market analysis: correlation, cointegrated pairs, regimes, volatility, relative strength.

Each function takes the bars of a :class:`~ntlab.service.data.DataRef` and computes with
ntlab's library. Labels at bar t use bars up to t only; the period summaries say so.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from ntlab.errors import ConfigError, DataError
from ntlab.service._base import Context, jsonable
from ntlab.service.data import DataRef, describe, load_data

__all__ = [
    "CorrelationRequest",
    "PairsRequest",
    "RegimeRequest",
    "VolatilityRequest",
    "StrengthRequest",
    "correlation_matrix",
    "pairs_cointegration",
    "market_regime",
    "volatility_analysis",
    "relative_strength",
]

MAX_MATRIX_SYMBOLS = 60
MAX_PAIRS_SYMBOLS = 25


def _closes(req: DataRef, ctx: Context | None, cap: int) -> tuple[Any, pd.DataFrame]:
    data = load_data(req, ctx)
    if data.n_symbols < 2:
        raise ConfigError(f"need at least two symbols, {data.name} selection has {data.n_symbols}")
    if data.n_symbols > cap:
        raise ConfigError(
            f"{data.n_symbols} symbols is too many here (at most {cap}); pass symbols"
        )
    return data, data.close


class CorrelationRequest(DataRef):
    method: Literal["pearson", "spearman", "kendall"] = "pearson"


def correlation_matrix(req: CorrelationRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Correlation of daily returns between the symbols over the period (pairwise complete)."""
    data, close = _closes(req, ctx, MAX_MATRIX_SYMBOLS)
    rets = close.pct_change(fill_method=None).iloc[1:]
    corr = rets.corr(method=req.method, min_periods=3)
    vals = corr.to_numpy()
    off = vals[~np.eye(len(vals), dtype=bool)]
    return jsonable(
        {
            "method": req.method,
            "symbols": list(corr.columns),
            "observations": int(rets.notna().all(axis=1).sum()),
            "matrix": vals,
            "mean_offdiagonal": float(np.nanmean(off)),
            "data": describe(data),
        }
    )


class PairsRequest(DataRef):
    """``pvalue``: the test level a pair must pass."""

    pvalue: float = Field(0.05, gt=0, lt=1, allow_inf_nan=False)


def _half_life(spread: np.ndarray) -> float | None:
    """Bars for a deviation of the spread to halve, from an AR(1) fit of its changes."""
    lag, diff = spread[:-1] - spread[:-1].mean(), np.diff(spread)
    slope = float(np.dot(lag, diff) / np.dot(lag, lag))
    return float(-np.log(2) / np.log1p(slope)) if -1 < slope < 0 else None


def _pair(y: np.ndarray, x: np.ndarray, level: float) -> dict[str, Any]:
    from ntlab.strategies.builtin.pairs import engle_granger_pvalue

    p = engle_granger_pvalue(y, x)
    beta, alpha = np.polyfit(x, y, 1)
    spread = y - (alpha + beta * x)
    return {
        "pvalue": p,
        "cointegrated": bool(p < level),
        "hedge_ratio": beta,
        "spread_z": (spread[-1] - spread.mean()) / spread.std(ddof=1),
        "half_life_bars": _half_life(spread),
        "bars": len(y),
    }


def pairs_cointegration(req: PairsRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Engle-Granger test of every pair of log closes over the period, best first.

    The pairs strategy's test (both orders, the larger p-value); hedge ratio from OLS of
    log y on log x. With many pairs some pass by chance: ``expected_false_positives``
    is pairs x pvalue.
    """
    data, close = _closes(req, ctx, MAX_PAIRS_SYMBOLS)
    logp = np.log(close)
    rows = []
    for a, b in combinations(logp.columns, 2):
        both = logp[[a, b]].dropna()
        if len(both) >= 30:
            rows.append(
                {"y": a, "x": b, **_pair(both[a].to_numpy(), both[b].to_numpy(), req.pvalue)}
            )
    if not rows:
        raise DataError("no pair has 30 bars in common in this period")
    rows.sort(key=lambda r: r["pvalue"])
    return jsonable(
        {
            "pairs_tested": len(rows),
            "pvalue": req.pvalue,
            "cointegrated": sum(r["cointegrated"] for r in rows),
            "expected_false_positives": len(rows) * req.pvalue,
            "pairs": rows,
            "data": describe(data),
        }
    )


class RegimeRequest(DataRef):
    """A bar is "up" above its ``trend_window`` SMA and "volatile" when its ``vol_window``
    volatility is above the median of the last ``vol_lookback`` bars."""

    trend_window: int = Field(200, ge=2, le=5000)
    vol_window: int = Field(20, ge=2, le=1000)
    vol_lookback: int = Field(252, ge=2, le=5000)


def regimes(close: pd.Series, req: RegimeRequest) -> pd.DataFrame:
    """Causal labels per bar ("up-calm", "down-volatile", ...) with the volatility and its percentile."""
    from ntlab.indicators import rolling_volatility, sma

    trend = sma(close, window=req.trend_window)
    vol = rolling_volatility(close, window=req.vol_window)
    pct = vol.rolling(req.vol_lookback, min_periods=req.vol_window).rank(pct=True)
    label = np.where(close > trend, "up", "down").astype(object)
    label = label + "-" + np.where(pct > 0.5, "volatile", "calm")
    frame = pd.DataFrame({"label": label, "vol": vol, "vol_pct": pct}, index=close.index)
    return frame[trend.notna() & pct.notna()]


def market_regime(req: RegimeRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Trend x volatility regime of each symbol at its last bar, and the period's split.

    ``next_bar_return_mean`` per regime describes the period (it looks one bar ahead).
    """
    data = load_data(req, ctx)
    if data.n_symbols > MAX_MATRIX_SYMBOLS:
        raise ConfigError(
            f"{data.n_symbols} symbols is too many (at most {MAX_MATRIX_SYMBOLS}); pass symbols"
        )
    out = []
    for sym in data.symbols:
        close = data.close[sym].dropna()
        reg = regimes(close, req)
        if reg.empty:
            raise DataError(
                f"{sym}: {len(close)} bars do not cover the {req.trend_window}-bar warm-up"
            )
        nxt = close.pct_change(fill_method=None).shift(-1).reindex(reg.index)
        split = [
            {
                "regime": lab,
                "share": len(g) / len(reg),
                "bars": len(g),
                "next_bar_return_mean": nxt[g.index].mean(),
            }
            for lab, g in reg.groupby("label")
        ]
        last = reg.iloc[-1]
        out.append(
            {
                "symbol": sym,
                "bar": reg.index[-1],
                "regime": last["label"],
                "volatility_percentile": last["vol_pct"],
                "bars_classified": len(reg),
                "regimes": split,
            }
        )
    return jsonable({"symbols": out, "data": describe(data)})


class VolatilityRequest(DataRef):
    window: int = Field(20, ge=2, le=1000)


def volatility_analysis(req: VolatilityRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Per symbol: realised volatility of the period and its rolling ``window`` value now.

    Both are the annualised standard deviation of log returns; highest now first.
    """
    from ntlab.indicators import rolling_volatility
    from ntlab.risk import periods_per_year

    data = load_data(req, ctx)
    if data.n_symbols > MAX_MATRIX_SYMBOLS:
        raise ConfigError(
            f"{data.n_symbols} symbols is too many (at most {MAX_MATRIX_SYMBOLS}); pass symbols"
        )
    ppy = periods_per_year(data.index)
    rows = []
    for sym in data.symbols:
        c = data.close[sym].dropna()
        roll = rolling_volatility(c, window=req.window, periods_per_year=ppy).dropna()
        if roll.empty:
            raise DataError(f"{sym}: {len(c)} bars are fewer than the {req.window}-bar window")
        realised = np.log(c).diff().std(ddof=1) * np.sqrt(ppy)
        rows.append(
            {
                "symbol": sym,
                "realised": realised,
                "current": roll.iloc[-1],
                "min": roll.min(),
                "max": roll.max(),
                "current_percentile": (roll <= roll.iloc[-1]).mean(),
            }
        )
    rows.sort(key=lambda r: -r["current"])
    return jsonable(
        {"window": req.window, "periods_per_year": ppy, "symbols": rows, "data": describe(data)}
    )


class StrengthRequest(DataRef):
    """Returns over the last ``lookback`` bars up to ``end``; the ``top`` leaders listed."""

    lookback: int = Field(60, ge=1, le=5000)
    top: int = Field(10, ge=1, le=1000)


def relative_strength(req: StrengthRequest, ctx: Context | None = None) -> dict[str, Any]:
    """Symbols ranked by their return over the lookback, with the return per unit of volatility."""
    data = load_data(req, ctx)
    close = data.close
    if len(close) <= req.lookback:
        raise DataError(f"{len(close)} bars are not more than the lookback of {req.lookback}")
    window = close.iloc[-req.lookback - 1 :]
    ret = window.iloc[-1] / window.iloc[0] - 1.0
    vol = window.pct_change(fill_method=None).std(ddof=1)
    ranked = ret.dropna().sort_values(ascending=False)
    leaders = [
        {"rank": i + 1, "symbol": s, "return": ret[s], "return_per_vol": ret[s] / vol[s]}
        for i, s in enumerate(ranked.index[: req.top])
    ]
    return jsonable(
        {
            "bar": close.index[-1],
            "lookback_bars": req.lookback,
            "ranked": len(ranked),
            "median_return": ranked.median(),
            "leaders": leaders,
            "data": describe(data),
        }
    )
