"""A paper session on replayed bars makes the event backtest's orders and fills, exactly.

Same data, same strategy (the session runs its live stream bar by bar, the backtest its
batch signals), same ExecutionPolicy (sizing at the decision bar's close, whole shares,
commission, slippage, next-open fills through the shared kernels). Aligned on purpose:

- the same RiskLimits on both sides (the session's RiskGate batch kernel at each decision,
  the backtest's ``limits=``: the same ``check_orders_nb`` and circuit breaker), or none
  (``RiskLimits(max_leverage=None)`` vs no limits);
- a 2x margin account on both (``initial_margin=0.5``; SimClient ``max_leverage=2``) so no
  buying-power rule binds: the targets ask for at most 1x, and the two engines enforce
  buying power at different moments (the backtest caps a fill, the broker refuses an order);
- no protective stops (the backtest checks them inside the bar, a session at the close);
- the backtest's targets before the session's first live bar are zeroed: the session
  starts flat there, as ``simulate(start=...)`` does.
"""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import EventSettings, run_event
from ntlab.data import load_sample
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.execution.journal import Journal
from ntlab.live import DecisionLog, ReplayMarket, SessionSettings, TradingSession
from ntlab.risk import RiskLimits
from ntlab.strategies import get
from ntlab.strategies.base import Signals

PARAMS = {"allow_short": True}


GATED = RiskLimits(
    max_position_fraction=0.04, max_leverage=1.0, max_drawdown=0.12, max_daily_loss=0.02
)


@pytest.mark.parametrize(
    ("policy", "limits"),
    [
        (ExecutionPolicy(), None),
        (
            ExecutionPolicy(
                commission=Commission(pct=0.0, per_share=0.005, minimum=1.0),
                slippage=Slippage(pct=0.001),
            ),
            None,
        ),
        (ExecutionPolicy(), GATED),
    ],
    ids=["default-costs", "per-share-costs", "risk-gate-and-breaker"],
)
def test_session_and_event_backtest_make_the_same_fills(tmp_path, policy, limits):
    _parity(
        tmp_path,
        load_sample("sp500_20").between("2014-01-01T00:00Z", "2016-12-31T00:00Z"),
        policy,
        limits,
    )


def test_parity_holds_through_missing_bars(tmp_path):
    """sp500_1y has gaps (names entering and leaving the index): an order for a symbol without
    a bar keeps working, and a new target replaces it in both engines."""
    data = load_sample("sp500_1y")
    gappy = data.close.isna().sum()
    data = data.select(
        list(dict.fromkeys([*gappy.sort_values(ascending=False).index[:30], *data.symbols[:30]]))
    )
    assert data.close.isna().to_numpy().sum() > 500
    limits = RiskLimits(max_position_fraction=0.012, max_leverage=1.0, max_drawdown=0.05)
    final = _parity(tmp_path, data, ExecutionPolicy(), limits)
    assert final["metrics"]["replaced"] > 0  # a new target replaced an order stuck on a gap
    assert final["metrics"]["gate_resizes"] > 50


def _parity(tmp_path, data, policy, limits):
    strategy = get("momentum", **PARAMS)
    start = strategy.warmup + 1
    signals = strategy.signals(data)
    target = signals.target.copy()
    target.iloc[:start] = 0.0
    backtest = run_event(
        Signals(signals.strategy_id, target, signals.confidence), data,
        EventSettings(init_cash=100_000, policy=policy, use_signal_stops=False, initial_margin=0.5),
        limits=limits,
    )  # fmt: skip
    session = TradingSession(
        ReplayMarket(data, start=start, cash=100_000, policy=policy, max_leverage=2.0),
        SessionSettings(folder=tmp_path, session_id="parity", limits=limits or RiskLimits(max_leverage=None),
                        strategy_params={"momentum": PARAMS}),
    )  # fmt: skip
    session.start({"strategies": ["momentum"], "symbols": data.symbols, "risk_level": "aggressive",
                   "max_position_size": 1e9})  # fmt: skip
    session.run()
    final = session.stop()

    fills = pd.DataFrame(
        [(pd.Timestamp(f.timestamp), f.symbol, f.side.value, f.quantity, f.price, f.commission)
         for f in Journal(final["journal"]).fills("parity")],
        columns=["time", "symbol", "side", "quantity", "price", "fee"],
    )  # fmt: skip
    orders = backtest.orders.astype({"symbol": str, "side": str})[fills.columns]
    key = ["time", "symbol"]
    ours = fills.sort_values(key).reset_index(drop=True)
    theirs = orders.sort_values(key).reset_index(drop=True)
    assert len(ours) == len(theirs) > 300
    pd.testing.assert_frame_equal(
        ours, theirs, check_exact=True
    )  # same orders, same fills, to the bit
    curve = np.array([e for _, e in final["equity_curve"]])
    times = pd.to_datetime([t for t, _ in final["equity_curve"]], unit="ms", utc=True)
    np.testing.assert_allclose(curve, backtest.equity.loc[times].to_numpy(), rtol=1e-12)
    assert final["equity"] == pytest.approx(backtest.equity.iloc[-1], rel=1e-12)
    # the same orders cut or refused (the backtest has no bar after the last to list its decisions at)
    cut = [
        (pd.Timestamp(x["time"]), x["symbol"])
        for x in DecisionLog.read(final["decision_log"])
        if x["gate"]["action"] in ("reject", "resize") and pd.Timestamp(x["time"]) < data.index[-1]
    ]
    decided = [data.index[data.index.get_loc(t) - 1] for t in backtest.gate["time"]]
    assert sorted(cut) == sorted(zip(decided, backtest.gate["symbol"].astype(str), strict=True))
    return final


def test_replay_session_equals_the_event_backtest_without_intrabar_stops():
    """``replay_session`` (what the parity report calls) over every bar of the data."""
    from ntlab.live import replay_session

    data = (
        load_sample("stocks")
        .select(["AAPL", "IBM", "FB"])
        .between("2011-01-01T00:00Z", "2013-03-01T00:00Z")
    )
    ours = replay_session(get("momentum", **PARAMS), data)
    ref = run_event(
        get("momentum", **PARAMS), data, EventSettings(use_signal_stops=False, initial_margin=0.5)
    )
    assert ours.equity.index.equals(ref.equity.index) and len(ours.fills) == len(ref.orders) > 20
    np.testing.assert_allclose(ours.equity.to_numpy(), ref.equity.to_numpy(), rtol=1e-12)


def _non_neural() -> list[str]:
    from ntlab.strategies import available

    return [n for n in available() if not n.startswith("neural")]


def _example(name: str):
    from ntlab.strategies import strategy_class

    ex = next(e for e in strategy_class(name).examples if not e.slow)
    return ex.data(), dict(ex.params)


def _same_fills(ours, ref) -> None:
    orders = ref.orders.astype({"symbol": str, "side": str})[ours.fills.columns]
    key = ["time", "symbol"]
    mine = ours.fills.sort_values(key).reset_index(drop=True)
    theirs = orders.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, theirs, check_exact=False, rtol=1e-9)
    np.testing.assert_allclose(ours.equity.to_numpy(), ref.equity.to_numpy(), rtol=1e-9)


SAME = EventSettings(use_signal_stops=False, initial_margin=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("name", _non_neural())
def test_every_registered_strategy_makes_the_same_fills_in_a_session_and_the_event_backtest(name):
    """Each registered non-neural strategy on its own example data: the session's stream
    bar by bar and the event backtest's batch signals give the same fills."""
    from ntlab.live import replay_session

    data, params = _example(name)
    data = data[: min(data.n_bars, 400)]
    strategy = get(name, **params)
    ours = replay_session(strategy, data)
    ref = run_event(get(name, **params), data, SAME)
    assert len(ours.fills) == len(ref.orders) > 0
    _same_fills(ours, ref)


def test_a_user_strategy_by_import_path_and_a_fitted_user_object_match_the_backtest():
    """A user's own classes (tests/user_strategies.py, not registered): by import path, and
    as a fitted object whose learned level the session keeps."""
    from ntlab.live import replay_session
    from tests.user_strategies import AboveLevel, SmaCross

    data = (
        load_sample("stocks")
        .select(["AAPL", "IBM"])
        .between("2010-01-01T00:00Z", "2011-06-30T00:00Z")
    )
    ours = replay_session("tests.user_strategies:SmaCross", data)
    ref = run_event(SmaCross(), data, SAME)
    assert len(ours.fills) == len(ref.orders) > 10
    _same_fills(ours, ref)
    fitted = AboveLevel().fit(data[:100])
    ours = replay_session(fitted, data)
    assert ours.status["active_strategies"] == ["tests.user_strategies:AboveLevel"]
    sig = fitted.signals(data)
    target = sig.target.copy()
    target.iloc[:1] = 0.0  # the session decides from bar 1 on (warm-up 0 + 1), flat before
    ref = run_event(Signals(sig.strategy_id, target, sig.confidence), data, SAME)
    assert len(ours.fills) == len(ref.orders) > 0
    _same_fills(ours, ref)
