import numpy as np
import pandas as pd
import pytest

from ntlab.data import MarketData
from ntlab.errors import ConfigError, LookAheadError
from ntlab.strategies import Signals, Strategy, StrategyConfig, get
from ntlab.strategies.builtin.momentum import Momentum
from ntlab.testing import check_strategy


def test_momentum_passes_the_shared_checks(stocks):
    report = check_strategy(get("momentum"), stocks)
    assert report.passed == ["config round-trip", "valid output", "determinism", "causality"]


def test_momentum_rule_by_hand():
    # closes rise steadily, then jump: the z-score of 2-bar momentum crosses 1 on the jump
    close = pd.Series([10, 10.1, 10.2, 10.3, 10.4, 10.5, 12.0, 12.1, 12.1, 12.1, 12.1], dtype=float)
    index = pd.date_range("2024-01-01", periods=len(close), freq="D", tz="UTC")
    md = MarketData.from_closes(pd.DataFrame({"X": close.to_numpy()}, index=index))
    strat = Momentum(
        lookback=2, z_window=4, entry_z=1.0, exit_z=0.0, confirm_rsi=False, confirm_macd=False
    )
    sig = strat.signals(md)
    mom = close / close.shift(2) - 1
    z = (mom - mom.rolling(4).mean()) / mom.rolling(4).std()
    expected = np.zeros(len(close))
    state = 0
    for i, v in enumerate(z):
        if state and not (v >= 0.0):
            state = 0
        if not state and v > 1.0:
            state = 1
        expected[i] = state
    assert sig.target["X"].tolist() == expected.tolist()
    assert expected.sum() > 0
    entry = int(np.argmax(expected))
    assert sig.stop_loss["X"].iloc[entry] == pytest.approx(close[entry] * 0.95)
    assert sig.take_profit["X"].iloc[entry] == pytest.approx(close[entry] * 1.10)
    assert "momentum z=" in sig.reasoning["X"].iloc[entry]


def _reference_momentum(close: pd.Series, cfg) -> np.ndarray:
    """The documented rule, written out with TA-Lib's RSI and MACD and pandas' z-score."""
    import talib

    mom = close / close.shift(cfg.lookback) - 1
    z = ((mom - mom.rolling(cfg.z_window).mean()) / mom.rolling(cfg.z_window).std()).to_numpy()
    r = talib.RSI(close.to_numpy(), cfg.rsi_window)
    hist = talib.MACD(close.to_numpy(), cfg.macd_fast, cfg.macd_slow, cfg.macd_signal)[2]
    state, out = 0, []
    for zi, ri, hi in zip(z, r, hist):
        if state > 0 and (not zi >= cfg.exit_z or not cfg.rsi_floor <= ri <= cfg.rsi_cap):
            state = 0
        elif state < 0 and (
            not zi <= -cfg.exit_z or not 100 - cfg.rsi_cap <= ri <= 100 - cfg.rsi_floor
        ):
            state = 0
        if state == 0:
            if zi > cfg.entry_z and 50 < ri < cfg.rsi_cap and hi > 0:
                state = 1
            elif cfg.allow_short and zi < -cfg.entry_z and 100 - cfg.rsi_cap < ri < 50 and hi < 0:
                state = -1
        out.append(state)
    return np.array(out, dtype=float)


def test_rsi_macd_confirmation_matches_talib_reference(stocks):
    data = stocks  # FB and GOOG start late: the leading gap is handled like TA-Lib's NaN lead
    strat = get("momentum", allow_short=True)
    sig = strat.signals(data)
    for symbol in data.symbols:
        expected = _reference_momentum(data.close[symbol].dropna(), strat.config)
        got = sig.target[symbol].dropna().to_numpy()[-len(expected) :]
        np.testing.assert_array_equal(got, expected, err_msg=symbol)
        assert symbol == "FB" or (expected != 0).sum() > 50
    plain = get("momentum", allow_short=True, confirm_rsi=False, confirm_macd=False).signals(data)
    # confirmations filter entries: fewer bars in the market than the plain rule
    assert (sig.target != 0).to_numpy().sum() < (plain.target != 0).to_numpy().sum()


def test_real_signals_long_and_short(stocks):
    sig = get("momentum", allow_short=True).signals(stocks)
    t = sig.target.to_numpy()
    assert (t > 0).sum() > 100 and (t < 0).sum() > 100
    records = sig.to_records(close=stocks.close)
    assert {r.direction.value for r in records} == {"long", "short", "close"}


def test_config_errors():
    with pytest.raises(ConfigError, match="lookback must be >= 1"):
        get("momentum", lookback=0)
    with pytest.raises(ConfigError, match="unknown parameter"):
        Momentum.Config.from_dict({"lookbak": 3})
    with pytest.raises(ConfigError, match="parameters are"):
        get("momentum", nope=1)


class _Peeking(Strategy):
    """Uses tomorrow's close: the check must catch it."""

    name = "peeking"

    class Config(StrategyConfig):
        pass

    def signals(self, data):
        up = (data.close.shift(-1) > data.close).astype(float)
        return Signals("peeking", up, up * 0.5)


def test_check_strategy_catches_look_ahead(stocks):
    with pytest.raises(LookAheadError, match="not causal: target at bar"):
        check_strategy(_Peeking(), stocks)
