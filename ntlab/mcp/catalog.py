"""The tools ``ntlab mcp`` serves, in the seed's nine groups, each one service function.

A row is (group, tool name, ``module:function`` under :mod:`ntlab.service`, the scope an
HTTP caller needs).
Tool descriptions are the functions' and request models' docstrings; input schemas are
the request models. Nothing else is defined here.
"""

from __future__ import annotations

from importlib import import_module

from ntlab.mcp._adapter import ToolSpec

__all__ = ["GROUPS", "CATALOG", "tool_specs"]

GROUPS = (
    "portfolio",
    "trading",
    "strategy",
    "news",
    "risk",
    "forecast",
    "analytics",
    "system",
    "market",
)

R = "read"  # scopes an HTTP caller needs (ntlab server's): reads
W = "trade"  # changes state: a session, an order, a model
A = "admin"  # changes risk limits

CATALOG: tuple[tuple[str, str, str, str], ...] = (
    # portfolio management
    ("portfolio", "get_portfolio_status", "portfolio:portfolio_status", R),
    ("portfolio", "list_positions", "portfolio:positions", R),
    ("portfolio", "list_fills", "portfolio:fills", R),
    ("portfolio", "rebalance_portfolio", "portfolio:rebalance", W),
    ("portfolio", "session_metrics", "analytics:session_metrics", R),
    # trading execution
    ("trading", "start_session", "sessions:start_session", W),
    ("trading", "stop_session", "sessions:stop_session", W),
    ("trading", "step_session", "sessions:step_session", W),
    ("trading", "session_status", "sessions:session_status", R),
    ("trading", "place_order", "orders:place_order", W),
    ("trading", "cancel_order", "orders:cancel_order", W),
    ("trading", "replace_order", "orders:replace_order", W),
    ("trading", "list_orders", "orders:list_orders", R),
    ("trading", "get_order", "orders:get_order", R),
    ("trading", "flatten_positions", "orders:flatten", W),
    # strategy management
    ("strategy", "list_strategies", "strategies:list_strategies", R),
    ("strategy", "describe_strategy", "strategies:describe_strategy", R),
    ("strategy", "check_strategy_lookahead", "strategies:check_lookahead", R),
    ("strategy", "strategy_signals", "strategies:signals", R),
    ("strategy", "run_backtest", "backtest:run_backtest", R),
    ("strategy", "run_sweep", "research:run_sweep", R),
    # news and sentiment
    ("news", "fetch_news", "news:fetch_news", R),
    ("news", "score_headlines", "news:score_headlines", R),
    ("news", "tag_headlines", "news:tag_headlines", R),
    ("news", "news_summary", "news:news_summary", R),
    ("news", "symbol_sentiment", "news:symbol_sentiment", R),
    ("news", "sentiment_timeline", "news:sentiment_timeline", R),
    ("news", "sentiment_ic", "news:sentiment_ic", R),
    # risk analysis
    ("risk", "risk_report", "risk:risk_analysis", R),
    ("risk", "value_at_risk", "analytics:value_at_risk", R),
    ("risk", "var_backtest", "risk:var_backtest", R),
    ("risk", "position_size", "sizing:position_size", R),
    ("risk", "get_risk_limits", "risk:get_limits", R),
    ("risk", "set_risk_limits", "risk:set_limits", A),
    # neural forecasting
    ("forecast", "list_forecast_architectures", "forecast_eval:architectures", R),
    ("forecast", "train_forecaster", "forecast:train", W),
    ("forecast", "list_forecasters", "forecast:list_models", R),
    ("forecast", "describe_forecaster", "forecast_eval:describe_model", R),
    ("forecast", "forecast", "forecast:forecast", R),
    ("forecast", "evaluate_forecaster", "forecast_eval:evaluate", R),
    ("forecast", "baseline_forecast", "forecast_eval:baseline", R),
    ("forecast", "delete_forecaster", "forecast_eval:delete_model", W),
    # performance analytics
    ("analytics", "performance_summary", "analytics:performance_summary", R),
    ("analytics", "drawdown_analysis", "analytics:drawdown_analysis", R),
    ("analytics", "rolling_performance", "analytics:rolling_performance", R),
    ("analytics", "benchmark_comparison", "analytics:benchmark_comparison", R),
    ("analytics", "trade_analysis", "analytics:trade_analysis", R),
    ("analytics", "walk_forward", "research:run_walk_forward", R),
    # system monitoring
    ("system", "health", "system:health", R),
    ("system", "system_info", "system:info", R),
    ("system", "list_sessions", "sessions:list_sessions", R),
    ("system", "list_jobs", "jobs:list_jobs", R),
    ("system", "session_journal", "sessions:journal_events", R),
    ("system", "decision_log", "sessions:decision_log", R),
    # market analysis
    ("market", "list_datasets", "data:list_samples", R),
    ("market", "get_bars", "data:bars", R),
    ("market", "list_indicators", "indicators:list_indicators", R),
    ("market", "compute_indicators", "indicators:compute_indicator", R),
    ("market", "correlation_matrix", "market:correlation_matrix", R),
    ("market", "pairs_cointegration", "market:pairs_cointegration", R),
    ("market", "market_regime", "market:market_regime", R),
    ("market", "volatility_analysis", "market:volatility_analysis", R),
    ("market", "relative_strength", "market:relative_strength", R),
)


#: tools that only read what the process holds in memory (no data loaded, nothing computed
#: beyond a snapshot): called on the event loop rather than a worker thread
INLINE = frozenset({"health", "system_info", "list_sessions", "list_jobs", "list_strategies",
                    "list_indicators", "list_forecasters", "get_portfolio_status",
                    "list_positions", "session_status", "get_order", "get_risk_limits"})  # fmt: skip


def tool_specs(*, strict: bool = True) -> list[ToolSpec]:
    """The catalog resolved to functions (``strict=False`` skips rows not written yet)."""
    specs = []
    for group, name, target, scope in CATALOG:
        module, _, func = target.partition(":")
        try:
            fn = getattr(import_module(f"ntlab.service.{module}"), func)
        except (ImportError, AttributeError):
            if strict:
                raise
            continue
        specs.append(ToolSpec(name=name, group=group, fn=fn, scope=scope, inline=name in INLINE))
    return specs
