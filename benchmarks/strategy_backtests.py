"""What each strategy achieves in a backtest on the bundled data, next to the seed's claim.

Every strategy runs with its default parameters (chosen a priori, not tuned on these
periods; exceptions are stated in the ``note`` column) through
``ntlab.backtest.vector.run_vector`` with its default costs (0.1 % fee + 0.05 %
slippage per trade, fills at the next bar's open, equal sleeves per symbol). Learned
strategies train walk-forward inside ``signals`` (no bar sees its future). An
equal-weight buy-and-hold of the same symbols over the same bars is shown for scale.

Run: ``python -m benchmarks.strategy_backtests [name ...]`` from the repository root
(all strategies by default; the neural ones take a few minutes each on a CPU).
Writes ``benchmarks/results/strategy_backtests.{json,md}``.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

from benchmarks._common import RESULTS, write_results
from ntlab.backtest.vector import run_vector
from ntlab.data import load_sample
from ntlab.risk import measures
from ntlab.strategies import get

SEED_SHARPE = {
    "mirror": 6.01,
    "momentum": 2.84,
    "enhanced_momentum": 3.20,
    "neural_sentiment": 2.95,
    "mean_reversion": 2.15,
}

NEWS = "illustrative news (random tones, data/news_example.jsonl): measures plumbing, not skill"
RUNS = [
    ("momentum", {}, "stocks", None, ""),
    ("mean_reversion", {}, "stocks", None, ""),
    (
        "mirror",
        {"filings_path": "example"},
        "stocks",
        None,
        "illustrative filings (random, data/filings_example.csv): measures noise, not skill",
    ),
    ("mirror", {"mode": "pattern"}, "stocks", None, "pattern mode on real prices"),
    ("pairs", {}, "sp500_20", None, ""),
    ("enhanced_momentum", {"news_path": "example"}, "stocks", None, NEWS),
    ("neural_sentiment", {"news_path": "example"}, "stocks", None, "NHITS (tiny, CPU); " + NEWS),
    ("neural_trend", {}, "stocks", None, "NHITS (tiny, CPU)"),
    (
        "neural_arbitrage",
        {},
        "indices",
        "2007-01-01",
        "NHITS (tiny, CPU); NASDAQ vs S&P 500 spread; h=20 was chosen looking at 2005-2007 forecasts, "
        "so the run starts in 2007 and its first model is fitted in 2008",
    ),
    ("weighted_ensemble", {}, "stocks", None, "momentum + mean reversion + pattern mirror"),
    ("voting_ensemble", {}, "stocks", None, "momentum + mean reversion + pattern mirror"),
    ("stacking_ensemble", {}, "stocks", None, "momentum + mean reversion + pattern mirror"),
]


def _buy_and_hold_sharpe(data) -> float:
    r = data.close.pct_change(fill_method=None).mean(axis=1).fillna(0.0).iloc[1:]
    return measures.sharpe_ratio(r, measures.periods_per_year(data.index))


def run(name: str, params: dict, sample: str, start: str | None, note: str) -> dict:
    data = load_sample(sample)
    if start:
        data = data.between(pd.Timestamp(start, tz="UTC"), None)
    strategy = get(name, **params)
    t0 = time.perf_counter()
    signals = strategy.signals(data)
    seconds = time.perf_counter() - t0
    result = run_vector(signals, data)
    s = result.summary()
    label = name if name != "mirror" else f"mirror ({params.get('mode', 'filings')})"
    t = signals.target.to_numpy()
    first = data.index[int(np.argmax((t != 0).any(axis=1)))] if (t != 0).any() else None
    return {
        "strategy": label,
        "seed Sharpe": SEED_SHARPE.get(name, "n/a")
        if params.get("mode", "filings") == "filings"
        else "n/a",
        "Sharpe": s["sharpe"],
        "CAGR": s["cagr"],
        "max drawdown": s["max_drawdown"],
        "trades": int(s["trades"]),
        "exposure": float((t != 0).mean()),
        "buy & hold Sharpe": _buy_and_hold_sharpe(data),
        "data": f"{sample} ({data.n_symbols} symbols)",
        "period": f"{data.index[0].date()} .. {data.index[-1].date()}",
        "first signal": str(first.date()) if first is not None else "none",
        "signals s": seconds,
        "note": note,
    }


def main(names: list[str]) -> None:
    path = RESULTS / "strategy_backtests.json"
    previous = (
        {r["strategy"]: r for r in json.loads(path.read_text())["rows"]} if path.exists() else {}
    )
    rows = dict(previous)
    for name, params, sample, start, note in RUNS:
        if names and name not in names:
            continue
        row = run(name, params, sample, start, note)
        rows[row["strategy"]] = row
        print(
            {k: row[k] for k in ("strategy", "Sharpe", "CAGR", "trades", "signals s")}, flush=True
        )
    order = [r[0] if r[0] != "mirror" else f"mirror ({r[1].get('mode', 'filings')})" for r in RUNS]
    write_results(
        "strategy_backtests",
        [rows[k] for k in order if k in rows],
        title="Strategy backtests on the bundled data (defaults, default costs) vs the seed's claimed Sharpe",
        notes=(
            "run_vector defaults: fee 0.1 %, slippage 0.05 % per trade, next-open fills, equal sleeves "
            "(weight = target / n_symbols), daily Sharpe annualised with 252 bars. Defaults were set a priori; "
            "no parameter was tuned on these periods (see notes). Seed Sharpe ratios come from the seed's "
            "feature table and were never verified; the seed states no data, period or costs for them."
        ),
    )


if __name__ == "__main__":
    main(sys.argv[1:])
