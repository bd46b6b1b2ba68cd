"""The look-ahead guard: backtests refuse a strategy that peeks at later bars."""

from dataclasses import dataclass

import pandas as pd
import pytest

from ntlab.backtest import run_event, run_vector, sweep
from ntlab.errors import LookAheadError
from ntlab.strategies import Signals, Strategy, StrategyConfig


@dataclass(frozen=True, kw_only=True)
class PeekConfig(StrategyConfig):
    shift: int = 1


class Peek(Strategy):
    """Long when the open after next beats tomorrow's open: exactly what next-open fills earn."""

    name = "peek"
    Config = PeekConfig

    def signals(self, data):
        o = data.open
        up = (o.shift(-1 - self.config.shift) > o.shift(-1)).astype(float)
        return Signals(self.name, up, up)


def test_event_and_vector_refuse_a_leaky_strategy(bars):
    for run in (run_event, run_vector):
        with pytest.raises(LookAheadError, match="allow_lookahead=True"):
            run(Peek(), bars)


def test_the_user_can_override_explicitly_and_the_leak_shows(bars):
    res = run_event(Peek(), bars, allow_lookahead=True)
    assert res.summary()["total_return"] > 0.5  # knowing tomorrow is a money machine


def test_sweeps_refuse_it_too(bars):
    with pytest.raises(LookAheadError):
        sweep(Peek, bars, {"shift": [1, 2]}, progress=False)


def test_ready_made_signals_are_taken_as_given(bars):
    t = pd.DataFrame(1.0, index=bars.index, columns=bars.symbols)
    assert run_event(Signals("given", t, t), bars).n_trades == 2
