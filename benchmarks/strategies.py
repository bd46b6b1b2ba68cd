"""Live-style signal generation: one new bar for 524 symbols (``sp500_1y``).

For every non-neural strategy, side by side in one run:

- ``stream``: ntlab's live stream (``strategy.stream(history)``, then ``update`` per bar:
  ring buffers and recursive indicator state), per-bar time over the sample's last 45
  bars after a 200-bar warm-up;
- ``recompute``: the naive live loop, ``strategy.signals(window)`` on the trailing
  ``WINDOW`` bars for each new bar, keeping the last row (ntlab's own batch code);
- for momentum and mean reversion also ``talib``: the indicators a TA-Lib user would
  recompute per bar (RSI + MACD, or BBANDS + RSI, for each symbol over the trailing
  window), without the strategy logic, i.e. a lower bound for that approach.

Bars where a walk-forward model refits, or pairs are re-selected, cost more; the
``max`` column shows them, and the ``bars over 5 ms`` column counts them.

Run: ``python -m benchmarks.strategies`` from the repository root.
"""

from __future__ import annotations

import time

import numpy as np

from benchmarks._common import write_results
from ntlab.data import load_sample
from ntlab.strategies import get
from ntlab.strategies.builtin.filings import illustrative_filings

WARM = 200
WINDOW = 120

CASES = {
    "momentum": {},
    "mean_reversion": {},
    "mirror (filings)": {"strategy": "mirror", "filings": "generated"},
    "mirror (pattern)": {"strategy": "mirror", "mode": "pattern", "library_bars": 250},
    "pairs": {"formation": 120, "reselect_every": 21, "max_candidates": 40},
    "enhanced_momentum": {"first_fit": 150, "refit_every": 21, "train_bars": 150},
    "weighted_ensemble": {},
    "voting_ensemble": {},
    "stacking_ensemble": {"first_fit": 150, "refit_every": 21, "train_bars": 150},
}


def _strategy(label: str, params: dict, data):
    params = dict(params)
    name = params.pop("strategy", label)
    if params.get("filings") == "generated":
        params["filings"] = illustrative_filings(data, seed=1)
    return get(name, **params)


def _stream_times(strategy, data) -> np.ndarray:
    stream = strategy.stream(data[:WARM])
    arrays = {f: data.field(f).to_numpy() for f in stream.fields}
    times = []
    for i in range(WARM, data.n_bars):
        bar = {f: a[i] for f, a in arrays.items()}
        t0 = time.perf_counter()
        stream.update(data.index[i], **bar)
        times.append(time.perf_counter() - t0)
    return np.array(times)


def _recompute_time(strategy, data, bars: range) -> float:
    times = []
    for i in bars:
        window = data[i + 1 - WINDOW : i + 1]
        t0 = time.perf_counter()
        strategy.clone().signals(window).target.iloc[-1]
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def _talib_time(label: str, data, bars: range) -> float | None:
    import talib

    if label not in ("momentum", "mean_reversion"):
        return None
    close = data.close.to_numpy()
    times = []
    for i in bars:
        window = close[i + 1 - WINDOW : i + 1]
        t0 = time.perf_counter()
        for j in range(window.shape[1]):
            x = np.ascontiguousarray(window[:, j])
            if label == "momentum":
                talib.RSI(x, 14)
                talib.MACD(x, 12, 26, 9)
            else:
                talib.BBANDS(x, 20, 2.0, 2.0, 0)
                talib.RSI(x, 14)
        times.append(time.perf_counter() - t0)
    return float(np.median(times))


def main() -> None:
    data = load_sample("sp500_1y")
    rows = []
    for label, params in CASES.items():
        strategy = _strategy(label, params, data)
        _stream_times(strategy, data[: WARM + 5])  # warm numba and imports
        stream = _stream_times(strategy, data)
        sample = range(data.n_bars - 10, data.n_bars)
        recompute = _recompute_time(strategy, data, sample)
        talib_ms = _talib_time(label, data, sample)
        median = float(np.median(stream))
        row = {
            "strategy": label,
            "symbols": data.n_symbols,
            "stream median ms": median * 1e3,
            "stream p95 ms": float(np.quantile(stream, 0.95)) * 1e3,
            "stream max ms": float(stream.max()) * 1e3,
            "bars over 5 ms": f"{int((stream > 0.005).sum())}/{len(stream)}",
            "recompute ms": recompute * 1e3,
            "recompute / stream": recompute / median,
        }
        if talib_ms is not None:
            row["talib ms"] = talib_ms * 1e3
            row["talib / stream"] = talib_ms / median
        rows.append(row)
        print(row, flush=True)
    write_results(
        "strategies",
        rows,
        title="Live-style signals: one new bar for 524 symbols (sp500_1y)",
        notes=(
            f"stream: strategy.stream(first {WARM} bars), then update() per bar over the last "
            f"{data.n_bars - WARM} bars; recompute: signals() on the trailing {WINDOW} bars per new bar, "
            "median of 10 bars; talib: TA-Lib's indicators alone per symbol over the same window. "
            "max / bars over 5 ms are refit or re-selection bars (enhanced_momentum and stacking refit "
            "every 21 bars here, pairs re-select every 21 bars: deliberately often so they show). "
            "Mirror filings use ntlab.strategies.builtin.filings.illustrative_filings(sp500_1y, seed=1) (random)."
        ),
    )


if __name__ == "__main__":
    main()
