"""``python -m benchmarks``: every benchmark in turn, each writing ``benchmarks/results/``."""

from __future__ import annotations

import importlib

NAMES = ("indicators", "backtest", "parallel", "risk", "live", "strategies", "strategy_backtests",
         "sentiment", "forecast")  # fmt: skip

if __name__ == "__main__":
    for name in NAMES:
        print(f"== benchmarks.{name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").main()
