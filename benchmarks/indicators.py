"""ntlab indicators vs TA-Lib vs pandas on 1,000,000 bars, plus streaming update cost.

Run from the repo root: ``python -m benchmarks.indicators``. Writes
``benchmarks/results/indicators.{json,md}``.

Columns: ``ntlab_ms`` is the public function on a NumPy array (TA-Lib's own input type),
``ntlab_series_ms`` the same on a pandas Series (index kept), ``talib_ms`` TA-Lib on the
array, ``pandas_ms`` the usual pandas recipe (its seeding may differ; empty where pandas
has none). ``ratio`` = ntlab_ms / talib_ms (<= 1 means ntlab is at least as fast).
``stream_us`` is one ``update`` of a single-symbol stream from Python; ``stream500_us``
one ``update`` of a 500-symbol stream with an array per bar.

ntlab and TA-Lib are timed in the same rounds (each round calls both, the order reversed
every other round), so both see the same machine load and the same allocator state: the
machine is shared and a lone best-of-N can land in a quiet or a busy moment.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

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

    def bands():  # ntlab's five outputs: BBANDS' three, then %B and bandwidth in NumPy
        up, mid, low = talib.BBANDS(c, 20, 2.0, 2.0, 0)
        width = up - low
        return up, mid, low, (c - low) / width, width / mid

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
        "bollinger": bands,
        "bollinger (BBANDS alone)": lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
        "obv": lambda: talib.OBV(c, v),
        "rolling_corr": lambda: talib.CORREL(c, y, 30),
        "rolling_beta": lambda: talib.BETA(y, c, 20),
    }


def best_times(fns: dict[str, Callable[[], object]], *, repeat: int) -> dict[str, float]:
    """Best wall time (s) of each function over ``repeat`` rounds after one warm-up call
    each; every round calls every function once, in reversed order every other round."""
    for fn in fns.values():
        fn()
    best = dict.fromkeys(fns, float("inf"))
    order = list(fns)
    for r in range(repeat):
        for k in order if r % 2 == 0 else order[::-1]:
            t0 = time.perf_counter()
            fns[k]()
            best[k] = min(best[k], time.perf_counter() - t0)
    return best


def _per_update(stream, bars: list, passes: int) -> float:
    """Best time per ``update`` (us) over ``passes`` passes through ``bars`` (reset between)."""
    best = float("inf")
    for _ in range(passes):
        stream.reset()
        upd = stream.update
        t0 = time.perf_counter()
        for bar in bars:
            upd(*bar)
        best = min(best, (time.perf_counter() - t0) / len(bars))
    return best * 1e6


def _stream_cost(spec, a: dict[str, np.ndarray], n_updates: int = 20_000) -> tuple[float, float]:
    one = spec.make_stream(**spec.params)
    rows = list(zip(*[a[r][:n_updates].tolist() for r in spec.inputs]))
    many = spec.make_stream(n_symbols=500, **spec.params)
    rng = np.random.default_rng(1)
    bars = [[a[r][i] * rng.uniform(0.99, 1.01, 500) for r in spec.inputs] for i in range(2_000)]
    return _per_update(one, rows, 5), _per_update(many, bars, 3)


def main(n: int = N, repeat: int = 15) -> list[dict]:
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
        fns = {
            "ntlab_ms": lambda f=fn, a=arr_in, p=params: f(*a, **p),
            "ntlab_series_ms": lambda f=fn, a=ser_in, p=params: f(*a, **p),
        }
        if spec.name in ta:
            fns["talib_ms"] = ta[spec.name]
        if spec.name == "bollinger":  # also BBANDS alone (three of ntlab's five outputs)
            fns["talib_bbands_ms"] = ta["bollinger (BBANDS alone)"]
        t0 = time.perf_counter()
        fns["ntlab_ms"]()
        rounds = repeat if time.perf_counter() - t0 > 0.005 else 3 * repeat  # cheap: more
        row |= {k: t * 1e3 for k, t in best_times(fns, repeat=rounds).items()}
        if spec.name in ta:
            row["ratio"] = row["ntlab_ms"] / row["talib_ms"]
            row["series_ratio"] = row["ntlab_series_ms"] / row["talib_ms"]
        if "talib_bbands_ms" in row:
            row["ratio_vs_bbands"] = row["ntlab_ms"] / row["talib_bbands_ms"]
        if spec.name in pdr:
            row["pandas_ms"] = best_time(pdr[spec.name], repeat=3) * 1e3
            row["vs_pandas"] = row["ntlab_series_ms"] / row["pandas_ms"]
        row["stream_us"], row["stream500_us"] = _stream_cost(spec, a)
        rows.append(row)
        print(row, file=sys.stderr, flush=True)
    notes = (
        f"{n:,} bars of a seeded random-walk OHLCV series (one symbol), best wall time of {repeat} "
        f"rounds ({3 * repeat} for calls under 5 ms) after a warm-up call, ntlab (ndarray), ntlab "
        "(Series) and TA-Lib timed in the same "
        "rounds (order reversed every other round); ratio = ntlab (ndarray) / TA-Lib (ndarray), "
        "series_ratio = ntlab (pd.Series in and out) / TA-Lib (ndarray); vs_pandas = ntlab "
        "(Series) / the pandas recipe (best of 3). The TA-Lib side computes what ntlab returns: "
        "ADX + PLUS_DI + MINUS_DI for adx; BBANDS plus %B and bandwidth in NumPy for bollinger "
        "(BBANDS alone, three of the five outputs: talib_bbands_ms, ratio_vs_bbands). Each call "
        "writes fresh output arrays (8 MB per output): whether the allocator recycles memory or "
        "the kernel must fault in and zero fresh pages depends on the process's earlier "
        "allocations, and can dominate multi-output rows (macd, adx, bollinger); both sides share "
        "that state within a round. Rows near ratio 1 are ties at a hardware bound both sides "
        "share: sma, ema, atr, macd, rsi repeat TA-Lib's operations in TA-Lib's order (that is "
        "what makes them bit for bit equal), so both run one chain of dependent floating-point "
        "operations per bar at its latency (sma: two adds, ema: a subtract and an fma, atr: an "
        "fma); momentum and true_range read and write each bar once at memory bandwidth. Their "
        "kernels time within a few percent of TA-Lib's calls and single runs land on either side "
        "of 1. wma is faster because TA-Lib's running sums restart every 8 * window bars, so "
        "ntlab runs four such segments side by side; bound by throughput rather than latency, "
        "it varies more from run to run (where the arrays lie, the neighbours' memory traffic). "
        "Against BBANDS alone ntlab's bollinger "
        "writes five 8 MB outputs to BBANDS' three (and its middle band is the same TA-Lib SMA "
        "chain), which is the difference in ratio_vs_bbands. stream_us: one update of a "
        "one-symbol stream from Python "
        "(best of 5 passes of 20,000 bars); stream500_us: one update of a 500-symbol stream (array "
        "per bar, best of 3 passes of 2,000 bars)."
    )
    write_results("indicators", rows, title="Indicators: ntlab vs TA-Lib vs pandas", notes=notes)
    return rows


if __name__ == "__main__":
    main()
