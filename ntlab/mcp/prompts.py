"""MCP prompts that walk an assistant through honest, causal research with the tools."""

from __future__ import annotations

from typing import Any

__all__ = ["register", "causal_research_loop", "news_signal_check"]


def causal_research_loop(strategy: str = "momentum", data: str = "sample:stocks") -> str:
    """Research one strategy without fooling yourself: look-ahead, costs, trials, out of sample."""
    return f"""You are researching the trading strategy `{strategy}` on `{data}` with ntlab's tools.
Every figure must come from a tool call; quote the tool and its settings with each figure.

1. Read the rules: `describe_strategy` (or the resource ntlab://strategies/{strategy}).
2. Prove it is causal: `check_strategy_lookahead` with data="{data}". If it fails, stop and
   report the first leaking bar; no backtest of a leaking strategy means anything.
3. Baseline with costs: `run_backtest` (engine "event", fees and slippage left on). Report
   Sharpe, total return, max drawdown, trades and the costs paid. Compare with holding the
   symbols: `performance_summary` with symbol=... and `benchmark_comparison`.
4. Search honestly: `run_sweep` over a small grid chosen before looking (say so). Report the
   number of trials, the best Sharpe next to its deflated Sharpe and the PBO if given: a best
   of many trials is expected to look good by chance.
5. Out of sample: `walk_forward` with the same grid. Only the out-of-sample folds count.
6. Risk of what you would trade: `risk_report` and `var_backtest` on its symbols.
7. Conclude in plain words: does the out-of-sample, after-cost result beat holding the
   symbols? Say what was not tested. Never round a number up or present in-sample results
   as expected performance."""


def news_signal_check(symbols: str = "AAPL,MSFT,IBM", data: str = "sample:stocks") -> str:
    """Check whether news sentiment led returns, causally, before trading on it."""
    return f"""Check whether news sentiment carries information about {symbols} on `{data}`.

1. `news_summary` for the symbols: how many items, over which dates, from which source.
   The bundled "example" source is illustrative, not real news: say so in the answer.
2. `symbol_sentiment` and `sentiment_timeline`: the causal series (a bar sees only news
   published before it).
3. `sentiment_ic` at horizons 1 and 5: the rank correlation of sentiment at bar t with the
   return after it, and its t-statistic. |t| < 2 is noise; overlapping horizons overstate t.
4. Only if the IC is clearly non-zero: `run_backtest` of `enhanced_momentum` or
   `neural_sentiment`, then `walk_forward`, and report after-cost, out-of-sample figures."""


def register(server: Any) -> None:
    server.prompt(title="Causal research loop")(causal_research_loop)
    server.prompt(title="Does news lead returns?")(news_signal_check)
