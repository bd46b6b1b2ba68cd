"""The built-in parity checks (registered on import by :mod:`ntlab.reports.parity`).

Each function compares one part of ntlab with an independent implementation on the
context's real data and returns rows. The tables hold ntlab's functions themselves (no
lookup by name), so a renamed function breaks here at import, not silently in a report.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import ntlab.indicators as ind
import ntlab.risk as risk
from ntlab._optional import attempt_import
from ntlab.reports.parity import (
    NO_CLAIM,
    TOLERANCES,
    ParityContext,
    compare,
    compare_curves,
    not_available,
    parity_check,
    rows_frame,
)
from ntlab.risk.measures import periods_per_year

__all__ = ["SEED_SHARPE", "METRICS", "TALIB_REFERENCES"]

# ----------------------------------------------------------------------------- metrics

# metric -> (ntlab function, how to call it, tolerance kind, {reference: how to call it})
# ``r`` is a return Series, ``p`` the periods per year; VaR/ES are positive losses in ntlab.
_QS = "quantstats"
_EMP = "empyrical"
METRICS: dict[str, tuple[Callable, Callable, str, dict[str, Callable]]] = {
    "sharpe": (
        risk.sharpe_ratio, lambda f, r, p: f(r, p), "sharpe",
        {_QS: lambda m, r, p: m.stats.sharpe(r, periods=p), _EMP: lambda m, r, p: m.sharpe_ratio(r, annualization=p)},
    ),
    "sortino": (
        risk.sortino_ratio, lambda f, r, p: f(r, p), "risk_metric",
        {_QS: lambda m, r, p: m.stats.sortino(r, periods=p), _EMP: lambda m, r, p: m.sortino_ratio(r, annualization=p)},
    ),
    "max_drawdown": (
        risk.max_drawdown, lambda f, r, p: f(r), "risk_metric",
        {_QS: lambda m, r, p: m.stats.max_drawdown(r), _EMP: lambda m, r, p: m.max_drawdown(r)},
    ),
    "cagr": (
        risk.cagr, lambda f, r, p: f(r, p), "risk_metric",
        {_QS: lambda m, r, p: m.stats.cagr(r, periods=p), _EMP: lambda m, r, p: m.annual_return(r, annualization=p)},
    ),
    "volatility": (
        risk.volatility, lambda f, r, p: f(r, p), "risk_metric",
        {_QS: lambda m, r, p: m.stats.volatility(r, periods=p), _EMP: lambda m, r, p: m.annual_volatility(r, annualization=p)},
    ),
    "total_return": (
        risk.total_return, lambda f, r, p: f(r), "risk_metric",
        {_QS: lambda m, r, p: m.stats.comp(r), _EMP: lambda m, r, p: m.cum_returns_final(r)},
    ),
    "calmar": (
        risk.calmar_ratio, lambda f, r, p: f(r, p), "risk_metric",
        {_QS: lambda m, r, p: m.stats.calmar(r, periods=p), _EMP: lambda m, r, p: m.calmar_ratio(r, annualization=p)},
    ),
    "omega": (
        risk.omega_ratio, lambda f, r, p: f(r), "risk_metric",
        {_EMP: lambda m, r, p: m.omega_ratio(r, required_return=0.0, annualization=p)},
    ),
    "VaR 95% (normal)": (
        risk.value_at_risk, lambda f, r, p: f(r, 0.95, "normal"), "risk_metric",
        {_QS: lambda m, r, p: -m.stats.value_at_risk(r, confidence=0.95)},
    ),
    "VaR 95% (historical)": (
        risk.value_at_risk, lambda f, r, p: f(r, 0.95, "historical"), "risk_metric",
        {_EMP: lambda m, r, p: -m.value_at_risk(r, cutoff=0.05)},
    ),
    "CVaR 95% (historical)": (
        risk.expected_shortfall, lambda f, r, p: f(r, 0.95, "historical"), "risk_metric",
        {_EMP: lambda m, r, p: -m.conditional_value_at_risk(r, cutoff=0.05)},
    ),
}  # fmt: skip


def _metric_rows(ctx: ParityContext, reference: str) -> pd.DataFrame:
    ref = attempt_import(reference, purpose="the metrics parity check")
    rows = []
    for series_name, r in ctx.returns().items():
        p = periods_per_year(r.index)  # type: ignore[arg-type]
        for metric, (fn, call, kind, refs) in METRICS.items():
            if reference not in refs:
                continue
            check = f"{metric} of {series_name}"
            rows.append(
                compare(
                    check,
                    reference,
                    call(fn, r, p),
                    refs[reference](ref, r, p),
                    TOLERANCES[kind],
                    note=f"{len(r)} bars, {p:g} periods/year",
                )  # fmt: skip
            )
    return rows_frame(rows)


@parity_check("risk metrics", "metrics vs quantstats")
def metrics_vs_quantstats(ctx: ParityContext) -> pd.DataFrame:
    """Return-series metrics of ntlab.risk against quantstats on real daily returns."""
    return _metric_rows(ctx, _QS)


@parity_check("risk metrics", "metrics vs empyrical")
def metrics_vs_empyrical(ctx: ParityContext) -> pd.DataFrame:
    """Return-series metrics of ntlab.risk against empyrical on real daily returns."""
    return _metric_rows(ctx, _EMP)


# ----------------------------------------------------------------------------- indicators

# name -> (ntlab function, ntlab call, TA-Lib call, output names); ``o`` holds one symbol's
# open/high/low/close/volume as float Series (ntlab) or arrays (TA-Lib). The whole series is
# compared, warm-up included: the NaN positions must agree too.
_HLC = ("high", "low", "close")


def _hlc(o: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(o[k] for k in _HLC)


TALIB_REFERENCES: dict[str, tuple[Callable, Callable, Callable, tuple[str, ...]]] = {
    "SMA(20)": (ind.sma, lambda f, o: f(o["close"], 20), lambda t, o: t.SMA(o["close"], 20), ("sma",)),
    "EMA(20)": (ind.ema, lambda f, o: f(o["close"], 20), lambda t, o: t.EMA(o["close"], 20), ("ema",)),
    "WMA(20)": (ind.wma, lambda f, o: f(o["close"], 20), lambda t, o: t.WMA(o["close"], 20), ("wma",)),
    "RSI(14)": (ind.rsi, lambda f, o: f(o["close"], 14), lambda t, o: t.RSI(o["close"], 14), ("rsi",)),
    "MACD(12,26,9)": (
        ind.macd, lambda f, o: f(o["close"], 12, 26, 9), lambda t, o: t.MACD(o["close"], 12, 26, 9),
        ("line", "signal", "hist"),
    ),
    "ROC(10)": (ind.roc, lambda f, o: f(o["close"], 10), lambda t, o: t.ROC(o["close"], 10), ("roc",)),
    "MOM(10)": (ind.momentum, lambda f, o: f(o["close"], 10), lambda t, o: t.MOM(o["close"], 10), ("mom",)),
    "Bollinger(20,2)": (
        ind.bollinger, lambda f, o: f(o["close"], 20, 2.0), lambda t, o: t.BBANDS(o["close"], 20, 2.0, 2.0),
        ("upper", "middle", "lower"),
    ),
    "TRANGE": (ind.true_range, lambda f, o: f(*_hlc(o)), lambda t, o: t.TRANGE(*_hlc(o)), ("trange",)),
    "ATR(14)": (ind.atr, lambda f, o: f(*_hlc(o), window=14), lambda t, o: t.ATR(*_hlc(o), 14), ("atr",)),
    "STOCH(5,3,3)": (
        ind.stoch, lambda f, o: f(*_hlc(o), fastk=5, slowk=3, slowd=3),
        lambda t, o: t.STOCH(*_hlc(o), 5, 3, 0, 3, 0), ("k", "d"),
    ),
    "CCI(14)": (ind.cci, lambda f, o: f(*_hlc(o), window=14), lambda t, o: t.CCI(*_hlc(o), 14), ("cci",)),
    "ADX(14)": (
        ind.adx, lambda f, o: f(*_hlc(o), window=14),
        lambda t, o: (t.ADX(*_hlc(o), 14), t.PLUS_DI(*_hlc(o), 14), t.MINUS_DI(*_hlc(o), 14)),
        ("adx", "+DI", "-DI"),
    ),
    "OBV": (ind.obv, lambda f, o: f(o["close"], o["volume"]), lambda t, o: t.OBV(o["close"], o["volume"]), ("obv",)),
}  # fmt: skip


def _outputs(value: Any) -> list[np.ndarray]:
    """An indicator's output(s) as a list of 1-d float arrays."""
    if isinstance(value, pd.DataFrame):
        return [value[c].to_numpy(dtype=float) for c in value.columns]
    if isinstance(value, tuple | list):
        return [np.asarray(v, dtype=float) for v in value]
    return [np.asarray(value, dtype=float)]


@parity_check("indicators", "indicators vs TA-Lib")
def indicators_vs_talib(ctx: ParityContext) -> pd.DataFrame:
    """ntlab.indicators against TA-Lib on one real OHLCV series, warm-up included."""
    talib = attempt_import("talib", purpose="the indicator parity check")
    frame = ctx.market().symbol_frame(ctx.symbol)
    o = {
        k: frame[k].astype(float) for k in ("open", "high", "low", "close", "volume") if k in frame
    }
    arrays = {k: v.to_numpy() for k, v in o.items()}
    tol = TOLERANCES["indicator"]
    rows = []
    for name, (fn, ours, theirs, outs) in TALIB_REFERENCES.items():
        check = f"{name} of {ctx.symbol}"
        a, b = _outputs(ours(fn, o)), _outputs(theirs(talib, arrays))
        for label, x, y in zip(outs, a, b):
            rows.append(
                compare_curves(
                    f"{check} {label}" if len(outs) > 1 else check,
                    "TA-Lib",
                    x,
                    y,
                    tol,
                    note=f"all {len(x)} bars, warm-up NaNs included",
                )  # fmt: skip
            )
    return rows_frame(rows)


# ----------------------------------------------------------------------------- engines


def _bare_signals(ctx: ParityContext, md: Any) -> Any:
    """The strategy's targets without stop/take-profit levels (the vector path ignores them)."""
    from ntlab.strategies import Signals, get

    s = get(ctx.strategy).signals(md)
    return Signals(s.strategy_id, s.target, s.confidence)


def _event_settings(vector: Any) -> Any:
    """Event-engine settings equal to a VectorSettings: fractional sizes at the fill price, same costs, no stops."""
    from ntlab.backtest.event import EventSettings
    from ntlab.execution.costs import Commission, Slippage
    from ntlab.execution.policy import ExecutionPolicy

    policy = ExecutionPolicy(
        fractional=True,
        size_at="fill",
        commission=Commission(pct=vector.fees),
        slippage=Slippage(pct=vector.slippage),
    )
    return EventSettings(init_cash=vector.init_cash, policy=policy, use_signal_stops=False)


_ENGINE_NOTE = (
    "fractional sizes at the fill price, fees 0.1%, slippage 0.05%, next-open fills, stops off"
)


@parity_check("backtest engines", "vector path vs backtrader")
def vector_vs_backtrader(ctx: ParityContext) -> pd.DataFrame:
    """ntlab's vectorbt path against backtrader: one symbol, same signals, fees, slippage, next-open fills."""
    from ntlab.backtest.vector import VectorSettings, run_vector
    from ntlab.reports._backtrader_ref import backtrader_equity

    md = ctx.market().select([ctx.symbol])
    signals = _bare_signals(ctx, md)
    settings = VectorSettings()
    ours = run_vector(signals, md, settings)
    theirs = backtrader_equity(md.symbol_frame(ctx.symbol), signals.target[ctx.symbol], settings)
    return rows_frame([
        compare_curves(f"equity of {ctx.strategy} on {ctx.symbol}", "backtrader", ours.equity, theirs,
                       TOLERANCES["portfolio_value"], note=f"{ours.n_trades} trades, {_ENGINE_NOTE}"),
    ])  # fmt: skip


@parity_check("backtest engines", "event engine vs vectorbt")
def event_vs_vectorbt(ctx: ParityContext) -> pd.DataFrame:
    """ntlab's event engine against the vectorbt path on the same signals (equity curve)."""
    check = f"event engine equity of {ctx.strategy} on {ctx.data}"
    from ntlab.backtest.event import run_event
    from ntlab.backtest.vector import VectorSettings, run_vector

    md = ctx.market()
    signals, settings = _bare_signals(ctx, md), VectorSettings()
    ours = run_event(signals, md, _event_settings(settings))
    ref = run_vector(signals, md, settings)
    return rows_frame([
        compare_curves(check, "vectorbt", ours.equity, ref.equity, TOLERANCES["portfolio_value"],
                       note=f"{md.n_symbols} symbols, {ours.n_trades} trades, {_ENGINE_NOTE}"),
    ])  # fmt: skip


@parity_check("backtest engines", "event engine vs backtrader")
def event_vs_backtrader(ctx: ParityContext) -> pd.DataFrame:
    """ntlab's event engine against backtrader on one symbol (equity curve)."""
    check = f"event engine equity of {ctx.strategy} on {ctx.symbol}"
    from ntlab.backtest.event import run_event
    from ntlab.backtest.vector import VectorSettings
    from ntlab.reports._backtrader_ref import backtrader_equity

    md = ctx.market().select([ctx.symbol])
    signals, settings = _bare_signals(ctx, md), VectorSettings()
    ours = run_event(signals, md, _event_settings(settings))
    theirs = backtrader_equity(md.symbol_frame(ctx.symbol), signals.target[ctx.symbol], settings)
    return rows_frame([
        compare_curves(check, "backtrader", ours.equity, theirs, TOLERANCES["portfolio_value"],
                       note=f"{ours.n_trades} trades, {_ENGINE_NOTE}"),
    ])  # fmt: skip


@parity_check("paper trading", "paper session vs backtest")
def paper_vs_backtest(ctx: ParityContext) -> pd.DataFrame:
    """A paper TradingSession replaying the data against the event backtest (equity curve)."""
    check = f"paper session equity of {ctx.strategy} on {ctx.data}"
    from ntlab.backtest.event import EventSettings, run_event
    from ntlab.live import replay_session as replay
    from ntlab.strategies import get

    session = replay(get(ctx.strategy), ctx.market())
    # the settings a session shares with the event engine: stops checked at the close (no
    # intrabar stops) and 2x margin buying power, as the session's SimClient has
    same = EventSettings(use_signal_stops=False, initial_margin=0.5)
    ref = run_event(get(ctx.strategy), ctx.market(), same)
    row = compare_curves(
        check, "event backtest", session.equity, ref.equity, TOLERANCES["portfolio_value"]
    )
    row["note"] = (
        "event engine with use_signal_stops=False, initial_margin=0.5 (the session's settings)"
    )
    return rows_frame([row])


# ----------------------------------------------------------------------------- claimed Sharpe

# seed name -> (claimed Sharpe or None, tolerance from the seed's "Backtest Match" column,
# registry names that implement it)
SEED_SHARPE: dict[str, tuple[float | None, float, tuple[str, ...]]] = {
    "Mirror Trading": (6.01, 0.03, ("mirror", "mirror_trading")),
    "Momentum Trading": (2.84, 0.04, ("momentum", "momentum_trading")),
    "Enhanced Momentum": (3.20, 0.05, ("enhanced_momentum", "enhanced")),
    "Neural Sentiment": (2.95, 0.05, ("neural_sentiment", "sentiment")),
    "Neural Arbitrage": (None, 0.04, ("neural_arbitrage", "arbitrage")),
    "Neural Trend": (None, 0.05, ("neural_trend", "trend")),
    "Mean Reversion": (2.15, 0.03, ("mean_reversion", "mean_rev")),
    "Pairs Trading": (None, 0.04, ("pairs", "pairs_trading")),
}


def _fast_example(name: str):
    """The strategy's first documented example that trades and is not marked slow, or None."""
    from ntlab.strategies import strategy_class

    examples = getattr(strategy_class(name), "examples", ())
    return next((e for e in examples if e.trades and not e.slow), None)


def _measured_sharpe(ctx: ParityContext, name: str) -> tuple[float, str] | None:
    """Sharpe with costs on the second half of the strategy's own example data, or None.

    Each strategy documents the bundled data and parameters it is meant for (its
    ``examples``); the report runs the first fast one. Strategies whose only examples
    train neural networks for minutes are left to ``benchmarks/strategy_backtests.py``.
    """
    from ntlab.reports.tearsheet import is_learned, out_of_sample, run_config
    from ntlab.risk.measures import periods_per_year, sharpe_ratio
    from ntlab.strategies import resolve_strategy

    example = _fast_example(name)
    if example is None:
        return None
    config = {"strategy": name, **dict(example.params)}
    md = example.data()
    result = ctx._cached(f"example:{name}", lambda: run_config(config, data=md)[0])
    start = md.index[md.n_bars // 2]
    test = out_of_sample(result, start) if result.equity.index[0] < start else result
    r = test.returns.iloc[1:]
    learned = "fitted on the first half; " if is_learned(resolve_strategy(config)) else ""
    note = (
        f"example config {dict(example.params) or '(defaults)'}, {learned}event engine (whole shares, "
        f"stops honoured, fees 0.1% + slippage 0.05%, next-open fills), sample:{example.sample} "
        f"test period {r.index[0].date()}..{r.index[-1].date()}"
    )
    return sharpe_ratio(r, periods_per_year(r.index), undefined="nan"), note  # type: ignore[arg-type]


@parity_check("strategies", "strategy Sharpe vs seed claims")
def strategy_sharpe_vs_seed(ctx: ParityContext) -> pd.DataFrame:
    """Measured Sharpe of every registered strategy next to the Sharpe the seed claimed."""
    from ntlab.strategies import available

    registered = available()
    rows, seen = [], set()
    for seed_name, (claim, tol, aliases) in SEED_SHARPE.items():
        name = next((a for a in aliases if a in registered), None)
        check = f"Sharpe of {seed_name}" + (f" ({name})" if name else "")
        if name is None:
            rows.append(
                not_available(
                    check,
                    "seed claim",
                    f"no registered strategy named {aliases[0]!r} yet",
                    tolerance=tol,
                )
            )
            if claim is not None:
                rows[-1]["reference_value"] = claim
            continue
        seen.add(name)
        rows.append(_sharpe_row(ctx, check, name, claim, tol))
    for name in registered:
        if name not in seen:
            rows.append(_sharpe_row(ctx, f"Sharpe of {name}", name, None, np.nan))
    return rows_frame(rows)


def _sharpe_row(
    ctx: ParityContext, check: str, name: str, claim: float | None, tol: float
) -> dict[str, Any]:
    measured = _measured_sharpe(ctx, name)
    if measured is None:
        row = not_available(
            check,
            "seed claim",
            "its examples train neural networks for minutes; measured by benchmarks/strategy_backtests.py",
            tolerance=tol,
        )
        if claim is not None:
            row["reference_value"] = claim
        return row
    sharpe, note = measured
    if claim is None:
        row = not_available(
            check, "seed claim", "the seed claims no Sharpe for it. " + note, tolerance=tol
        )
        row.update(ntlab_value=sharpe, status=NO_CLAIM)
        return row
    row = compare(check, "seed claim", sharpe, claim, tol, note=note)
    if not row["pass"]:
        row["note"] = f"claim not reproduced. {note}"
    return row
