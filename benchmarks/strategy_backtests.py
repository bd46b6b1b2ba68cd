"""What each strategy achieves in a backtest on the bundled data, next to the seed's claim.

Every strategy runs with its default parameters (chosen a priori, not tuned on these
periods; exceptions are stated in the ``note`` column) through
``ntlab.backtest.event.run_event`` on its default settings (0.1 % fee + 0.05 % slippage
per trade, market orders at the next bar's open, whole shares sized at the decision
close, the strategy's stop-loss/take-profit levels on; the vector engine makes the same
trades on its defaults, tests/test_common.py), the engine of ``ntlab backtest``, ``make
demo`` and the notebooks. Learned
strategies train walk-forward inside ``signals`` (no bar sees its future). An
equal-weight buy-and-hold of the same symbols over the same bars is shown for scale.

Run: ``python -m benchmarks.strategy_backtests [name ...]`` from the repository root
(all strategies by default; the neural ones take a few minutes each on a CPU).
Writes ``benchmarks/results/strategy_backtests.{json,md}`` and the tables of README.md
and docs/strategies.md (between their ``strategy_backtests`` markers; ``--docs`` only
rewrites those from the JSON).
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

from benchmarks._common import RESULTS, write_results
from ntlab.backtest.event import run_event
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
    result = run_event(signals, data)
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
        "engine": result.settings_text(),
        "periods/year": s["periods_per_year"],
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
            "run_event on default settings (see the engine column): fee 0.1 %, slippage 0.05 % per trade, "
            "next-open market orders, whole shares sized at the decision close, the strategy's stop-loss and "
            "take-profit levels on, equal sleeves (weight = target / n_symbols); Sharpe annualised with the "
            "periods/year read from the data's calendar. Defaults were set a priori; "
            "no parameter was tuned on these periods (see notes). Seed Sharpe ratios come from the seed's "
            "feature table and were never verified; the seed states no data, period or costs for them."
        ),
    )


# ---------------------------------------------------------------------- docs tables
DOCS = {  # file -> columns of its table (each cell rendered from the JSON by _cell)
    "README.md": ("strategy", "seed Sharpe", "Sharpe", "trades", "periods/year", "data", "period"),
    "docs/strategies.md": (
        "strategy", "seed Sharpe", "Sharpe", "CAGR", "max drawdown", "trades", "exposure",
        "buy & hold Sharpe", "periods/year", "data", "period",
    ),
}  # fmt: skip
START, END = "<!-- strategy_backtests:start -->", "<!-- strategy_backtests:end -->"
_PCT = {"CAGR", "max drawdown", "exposure"}


def _cell(col: str, value) -> str:
    if col == "periods/year":
        return f"{value:,.6g}"
    if isinstance(value, float):
        return f"{value:.1%}" if col in _PCT else f"{value:.2f}"
    return str(value)


def docs_table(rows: list[dict], cols: tuple[str, ...], engine: str) -> str:
    """The Markdown table (and the engine line above it) that README/docs show."""
    lines = [f"Engine and settings: {engine}.", ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "---|" * len(cols))
    lines += ["| " + " | ".join(_cell(c, r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def write_docs(root=RESULTS.parent.parent) -> None:
    """Rewrite the tables between the markers of README.md and docs/strategies.md."""
    rows = json.loads((RESULTS / "strategy_backtests.json").read_text())["rows"]
    engines = {r["engine"].rsplit(",", 1)[0] for r in rows}
    engine = "; ".join(sorted(engines)) + " (bars/year in the periods/year column)"
    for name, cols in DOCS.items():
        path = root / name
        text = path.read_text()
        a, b = text.index(START) + len(START), text.index(END)
        path.write_text(text[:a] + "\n" + docs_table(rows, cols, engine) + "\n" + text[b:])


if __name__ == "__main__":
    if sys.argv[1:] != ["--docs"]:
        main(sys.argv[1:])
    write_docs()
