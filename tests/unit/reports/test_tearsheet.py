from dataclasses import dataclass

import pandas as pd
import pytest

from ntlab.errors import ConfigError
from ntlab.reports import out_of_sample, resolve_strategy, run_config, tearsheet
from ntlab.reports.tearsheet import is_learned
from ntlab.strategies import Signals, Strategy, StrategyConfig, get


@dataclass(frozen=True, kw_only=True)
class _LearnConfig(StrategyConfig):
    pass


class _Learner(Strategy):
    """Long every symbol whose close is above the mean close seen in fit (causal after fit)."""

    name = "test_learner"
    Config = _LearnConfig

    fits: list = []  # what each fit saw (run_config fits its own copy of the object)

    def fit(self, data):
        self.fitted_on_ = data.index
        self.fits.append(data.index)
        self.level_ = data.close.mean()
        return self

    def signals(self, data):
        target = (data.close > self.level_).astype(float)
        return Signals(self.name, target, target)


def test_resolve_strategy_forms():
    assert resolve_strategy("momentum", lookback=30).config.lookback == 30
    assert resolve_strategy({"strategy": "momentum", "lookback": 40}).config.lookback == 40
    s = get("momentum")
    assert resolve_strategy(s) is not s and resolve_strategy(s).config == s.config
    with pytest.raises(ConfigError, match="not both"):
        resolve_strategy(s, lookback=3)
    with pytest.raises(ConfigError, match="unknown strategy"):
        resolve_strategy("no_such_strategy")


def test_run_config_and_tearsheet_on_real_data(stocks):
    result, md = run_config(
        {"strategy": "momentum"}, data=stocks, symbols=["AAPL", "IBM"], start="2008-01-01T00:00Z"
    )
    assert md.symbols == ["AAPL", "IBM"] and result.equity.index.equals(md.index)
    assert md.index[0] >= pd.Timestamp("2008-01-01", tz="UTC")
    sheet = tearsheet(result, close=md.close)
    assert list(sheet.metrics.columns) == ["momentum", "benchmark"]
    assert sheet.metrics.loc["sharpe", "momentum"] == pytest.approx(result.summary()["sharpe"])
    assert len(sheet.trades) == result.n_trades and set(sheet.trades["symbol"]) <= {"AAPL", "IBM"}
    assert sheet.monthly.index[0] == 2008


def test_learned_strategy_is_fitted_on_the_first_part_and_reported_on_the_rest(stocks):
    strat = _Learner()
    assert is_learned(strat) and not is_learned(get("momentum"))
    md = stocks.select(["IBM"])
    result, _ = run_config(strat, data=md, train_fraction=0.6)
    split = int(md.n_bars * 0.6)
    assert _Learner.fits[-1].equals(md.index[:split])
    assert not hasattr(strat, "fitted_on_")  # the caller's object is left as it was
    assert result.equity.index[0] == md.index[split] and result.equity.index[-1] == md.index[-1]
    assert (result.trades["entry_time"] >= md.index[split]).all() and result.engine == "event"
    assert (result.orders["time"] >= md.index[split]).all()
    with pytest.raises(ConfigError, match="train_fraction"):
        run_config(_Learner(), data=md, train_fraction=1.0)


def test_engine_settings_share_costs():
    from ntlab.reports.tearsheet import engine_settings

    event = engine_settings("event", cash=5e4, fees=0.002, slippage=0.001)
    vector = engine_settings("vector", cash=5e4, fees=0.002, slippage=0.001)
    assert (event.init_cash, event.policy.commission.pct, event.policy.slippage.pct) == (
        5e4,
        0.002,
        0.001,
    )
    assert event.use_signal_stops and not event.policy.fractional
    assert (vector.init_cash, vector.fees, vector.slippage) == (5e4, 0.002, 0.001)
    with pytest.raises(ConfigError, match="engine must be one of"):
        engine_settings("backtrader", cash=1, fees=0, slippage=0)


def test_out_of_sample_needs_two_bars(stocks):
    result, md = run_config("momentum", data=stocks, symbols=["IBM"], start="2012-06-01T00:00Z")
    part = out_of_sample(result, md.index[-10])
    assert len(part.equity) == 10 and part.init_cash == result.equity.iloc[-10]
    with pytest.raises(ConfigError, match="fewer than 2 bars"):
        out_of_sample(result, md.index[-1])
