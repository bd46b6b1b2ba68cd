"""Issue 14, hole 2: a fitted instance is checked as it runs, never on its fit range."""

from dataclasses import dataclass

import pandas as pd
import pytest

from ntlab.backtest import run_event, run_vector
from ntlab.errors import LookAheadError
from ntlab.reports import run_config
from ntlab.strategies import Signals, Strategy, StrategyConfig
from ntlab.testing import check_strategy, fresh_instance
from tests.conftest import make_bars


@dataclass(frozen=True, kw_only=True)
class MemoConfig(StrategyConfig):
    peek: bool = False


class Memo(Strategy):
    """Learns, through the documented fit/model_ contract, whether holding from each bar's
    next open to the open after gains: fitted on the whole history it 'predicts' perfectly."""

    name = "memo_probe"
    Config = MemoConfig

    def __init__(self, config=None, **params):
        super().__init__(config, **params)
        self.model_ = None

    def fit(self, data):
        o = data.open
        self.model_ = (o.shift(-2) > o.shift(-1)).astype(float)
        return self

    def signals(self, data):
        c = data.close
        if self.model_ is None:
            t = pd.DataFrame(0.0, index=c.index, columns=c.columns)
        else:
            t = self.model_.reindex(c.index).fillna(0.0)
        if self.config.peek:  # and a plain look-ahead on top
            t = ((c.shift(-1) > c).astype(float) + t).clip(0, 1)
        return Signals(self.name, t, t)


@pytest.fixture
def panel():
    return make_bars(n=300, seed=5)


def test_fit_records_its_range_through_the_base_class(panel):
    s = Memo()
    assert s.fit_range is None
    assert s.fit(panel[:100]) is s
    assert s.fit_range == (panel.index[0], panel.index[99])
    assert s.clone().fit_range is None  # a clone is unfitted
    assert fresh_instance(s).fit_range == s.fit_range  # a fresh instance keeps learned state


@pytest.mark.parametrize("run", [run_event, run_vector])
def test_a_strategy_fitted_on_the_whole_history_is_refused(panel, run):
    fitted = Memo().fit(panel)
    with pytest.raises(LookAheadError, match="was fitted on .* overlaps what it\\s+learned from"):
        run(fitted, panel)
    # what the guard used to let through
    assert run_event(fitted, panel, allow_lookahead=True).summary()["sharpe"] > 5


def test_evaluation_after_the_fit_range_runs(panel):
    fitted = Memo().fit(panel[:150])
    res = run_event(fitted, panel[150:])
    assert res.n_trades == 0  # nothing memorised about these bars
    assert res.settings["lookahead_check"].startswith("checked ")


def test_the_instance_that_runs_is_the_one_checked(panel):
    fitted = Memo(peek=True).fit(panel[:150])
    with pytest.raises(LookAheadError, match="memo_probe is not causal"):
        run_event(fitted, panel[150:])
    with pytest.raises(LookAheadError):
        check_strategy(fitted, panel[150:])


def test_run_config_checks_the_fitted_instance_instead_of_passing_ready_signals(panel):
    res, _ = run_config(Memo(), data=panel, train_fraction=0.5, fees=0.0, slippage=0.0)
    assert res.settings["lookahead_check"].startswith("checked ")
    assert res.equity.index[0] == panel.index[150]
    with pytest.raises(LookAheadError, match="not causal"):
        run_config(Memo(peek=True), data=panel, train_fraction=0.5)
