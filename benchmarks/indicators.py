"""ntlab indicators vs TA-Lib vs pandas on 1,000,000 bars, plus streaming update cost.

Run from the repo root: ``python -m benchmarks.indicators``. Writes
``benchmarks/results/indicators.{json,md}``.

Columns: ``ntlab_ms`` is the public function on a NumPy array (TA-Lib's own input type),
``ntlab_series_ms`` the same on a pandas Series (index kept), ``talib_ms`` TA-Lib on the
array, ``pandas_ms`` the usual pandas recipe (its seeding may differ; empty where pandas
has none). ``ratio`` = ntlab_ms / talib_ms (<= 1 means ntlab is at least as fast).
``stream_us`` is one ``update`` of a single-symbol stream from Python; ``stream500_us``
one ``update`` of a 500-symbol stream with an array per bar.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

import ntlab.indicators as ind
from benchmarks._common import best_time, write_results

N = 1_000_000


def make_bars(n: int = N, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = close * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    volume = rng.integers(1_000, 100_000, n).astype(float)
    bench = close * np.exp(np.cumsum(rng.normal(0, 0.005, n)))
    return {
        "close": close,
        "high": high,
        "low": low,
        "volume": volume,
        "x": close,
        "y": bench,
        "benchmark": bench,
    }


def _pandas_recipes(s: dict[str, pd.Series]):
    c, h, lo, v, y = s["close"], s["high"], s["low"], s["volume"], s["y"]

    def tr():
        return pd.concat([h - lo, (h - c.shift()).abs(), (lo - c.shift()).abs()], axis=1).max(
            axis=1
        )

    def rsi():
        d = c.diff()
        up = d.clip(lower=0).ewm(alpha=1 / 14, adjust=False).mean()
        dn = (-d.clip(upper=0)).ewm(alpha=1 / 14, adjust=False).mean()
        return 100 * up / (up + dn)

    def macd():
        line = c.ewm(span=12, adjust=False).mean() - c.ewm(span=26, adjust=False).mean()
        sig = line.ewm(span=9, adjust=False).mean()
        return line, sig, line - sig

    def stoch():
        hh, ll = h.rolling(5).max(), lo.rolling(5).min()
        k = (100 * (c - ll) / (hh - ll)).rolling(3).mean()
        return k, k.rolling(3).mean()

    def boll():
        m, sd = c.rolling(20).mean(), c.rolling(20).std(ddof=0)
        return m + 2 * sd, m, m - 2 * sd

    def vwap():
        tp = (h + lo + c) / 3
        return (tp * v).rolling(20).sum() / v.rolling(20).sum()

    def features():
        out = {f"ret_{k}": c.pct_change(k) for k in (5, 10, 20, 50)}
        out["volume_ratio"] = v / v.rolling(20).mean()
        return out

    return {
        "sma": lambda: c.rolling(20).mean(),
        "ema": lambda: c.ewm(span=20, adjust=False).mean(),
        "rsi": rsi,
        "macd": macd,
        "stoch": stoch,
        "roc": lambda: c.pct_change(10) * 100,
        "momentum": lambda: c.diff(10),
        "true_range": tr,
        "atr": lambda: tr().ewm(alpha=1 / 14, adjust=False).mean(),
        "bollinger": boll,
        "rolling_volatility": lambda: np.log(c / c.shift()).rolling(20).std(),
        "obv": lambda: (np.sign(c.diff()).fillna(0) * v).cumsum(),
        "vwap": vwap,
        "volume_ratio": lambda: v / v.rolling(20).mean(),
        "returns": lambda: c.pct_change(),
        "rolling_zscore": lambda: (c - c.rolling(20).mean()) / c.rolling(20).std(),
        "rolling_corr": lambda: c.rolling(30).corr(y),
        "rolling_beta": lambda: c.rolling(20).cov(y) / y.rolling(20).var(),
        "return_features": features,
    }


def _talib_calls(a: dict[str, np.ndarray]):
    import talib

    c, h, lo, v, y = a["close"], a["high"], a["low"], a["volume"], a["y"]
    return {
        "sma": lambda: talib.SMA(c, 20),
        "ema": lambda: talib.EMA(c, 20),
        "wma": lambda: talib.WMA(c, 20),
        "rsi": lambda: talib.RSI(c, 14),
        "macd": lambda: talib.MACD(c, 12, 26, 9),
        "stoch": lambda: talib.STOCH(h, lo, c, 5, 3, 0, 3, 0),
        "cci": lambda: talib.CCI(h, lo, c, 14),
        "adx": lambda: (
            talib.ADX(h, lo, c, 14),
            talib.PLUS_DI(h, lo, c, 14),
            talib.MINUS_DI(h, lo, c, 14),
        ),
        "roc": lambda: talib.ROC(c, 10),
        "momentum": lambda: talib.MOM(c, 10),
        "true_range": lambda: talib.TRANGE(h, lo, c),
        "atr": lambda: talib.ATR(h, lo, c, 14),
        "bollinger": lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
        "obv": lambda: talib.OBV(c, v),
        "rolling_corr": lambda: talib.CORREL(c, y, 30),
        "rolling_beta": lambda: talib.BETA(y, c, 20),
    }


def _stream_cost(spec, a: dict[str, np.ndarray], n_updates: int = 20_000) -> tuple[float, float]:
    one = spec.make_stream(**spec.params)
    rows = list(zip(*[a[r][:n_updates].tolist() for r in spec.inputs]))
    upd = one.update
    t0 = time.perf_counter()
    for bar in rows:
        upd(*bar)
    single = (time.perf_counter() - t0) / len(rows) * 1e6
    many = spec.make_stream(n_symbols=500, **spec.params)
    rng = np.random.default_rng(1)
    bars = [[a[r][i] * rng.uniform(0.99, 1.01, 500) for r in spec.inputs] for i in range(2_000)]
    upd = many.update
    t0 = time.perf_counter()
    for bar in bars:
        upd(*bar)
    return single, (time.perf_counter() - t0) / len(bars) * 1e6


def main(n: int = N, repeat: int = 7) -> list[dict]:
    a = make_bars(n)
    s = {k: pd.Series(v) for k, v in a.items()}
    ta = _talib_calls(a)
    pdr = _pandas_recipes(s)
    rows = []
    for spec in ind.INDICATORS:
        params = dict(spec.params)
        arr_in = [a[r] for r in spec.inputs]
        ser_in = [s[r] for r in spec.inputs]
        row: dict = {"indicator": spec.name}
        fn = spec.function
        row["ntlab_ms"] = (
            best_time(lambda f=fn, a=arr_in, p=params: f(*a, **p), repeat=repeat) * 1e3
        )
        row["ntlab_series_ms"] = (
            best_time(lambda f=fn, a=ser_in, p=params: f(*a, **p), repeat=repeat) * 1e3
        )
        if spec.name in ta:
            row["talib_ms"] = best_time(ta[spec.name], repeat=repeat) * 1e3
            row["ratio"] = row["ntlab_ms"] / row["talib_ms"]
            row["series_ratio"] = row["ntlab_series_ms"] / row["talib_ms"]
        if spec.name in pdr:
            row["pandas_ms"] = best_time(pdr[spec.name], repeat=3) * 1e3
            row["vs_pandas"] = row["ntlab_series_ms"] / row["pandas_ms"]
        row["stream_us"], row["stream500_us"] = _stream_cost(spec, a)
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    notes = (
        f"{n:,} bars of a seeded random-walk OHLCV series (one symbol), best of {repeat} runs after a "
        "warm-up call; ratio = ntlab (ndarray) / TA-Lib (ndarray), series_ratio = ntlab (pd.Series in "
        "and out) / TA-Lib (ndarray); vs_pandas = ntlab (Series) / the pandas recipe. TA-Lib's ADX row "
        "is ADX + PLUS_DI + MINUS_DI (ntlab returns all three in one call). stream_us: one update of a "
        "one-symbol stream from Python; stream500_us: one update of a 500-symbol stream (array per bar)."
    )
    write_results("indicators", rows, title="Indicators: ntlab vs TA-Lib vs pandas", notes=notes)
    return rows


if __name__ == "__main__":
    main()
