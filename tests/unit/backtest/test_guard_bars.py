"""Issue 14, hole 3: the check looks at decision bars and random bars, and says how many."""

import numpy as np
import pytest

from ntlab.backtest import run_event
from ntlab.data import MarketData
from ntlab.errors import LookAheadError
from ntlab.testing import DECISION_BARS, RANDOM_BARS, check_causal, check_strategy
from tests.conftest import make_bars
from tests.unit.backtest._leaky import BackFilled, MonthEndPeek, Smooth, WindowPeek


def _caught(strategy, data, **kw) -> bool:
    try:
        check_causal(strategy, data, **kw)
    except LookAheadError:
        return True
    return False


@pytest.fixture(scope="module")
def decade():
    # main's four fixed prefixes miss both leaks below on these bars
    return make_bars(n=2600, symbols=("AAA",), seed=11, start="2000-01-17")


def test_the_report_says_how_many_bars_were_checked(bars):
    check = check_causal(Smooth(), bars)
    assert check.random_checked == RANDOM_BARS and check.decision_checked == DECISION_BARS
    assert len(check.bars) <= DECISION_BARS + RANDOM_BARS and check.n_bars == bars.n_bars
    assert 0 < check.decision_bars < bars.n_bars
    assert str(check).startswith(f"checked {len(check.bars)} of {bars.n_bars} bars: ")
    report = check_strategy(Smooth(), bars, thorough=True)
    assert report.causality.thorough
    assert report.causality.decision_checked == report.causality.decision_bars  # all
    assert "all " in str(report)
    res = run_event(Smooth(), bars)
    assert res.settings["lookahead_check"] == str(check)


def test_decision_bars_are_drawn_from_every_span_of_the_history(bars):
    check = check_causal(Smooth(), bars)
    edges = np.linspace(0, bars.n_bars - 1, DECISION_BARS + 1)
    decisions = sorted(set(check.bars))
    spans = {int(np.searchsorted(edges, b, side="right")) for b in decisions}
    assert len(spans) >= DECISION_BARS


def test_a_leak_confined_to_three_years_is_caught(decade):
    leak = WindowPeek()
    assert run_event(leak, decade, allow_lookahead=True).n_trades > 0
    caught = [_caught(leak, decade, seed=s) for s in range(10)]
    assert sum(caught) >= 8, caught
    assert _caught(leak, decade, thorough=True)


def test_month_end_decisions_that_peek_are_caught(decade):
    caught = [_caught(MonthEndPeek(), decade, seed=s) for s in range(10)]
    assert sum(caught) >= 9, caught
    assert _caught(MonthEndPeek(), decade, thorough=True)


def test_bfill_across_gaps_is_caught_by_the_thorough_check():
    full = make_bars(n=600, symbols=("AAA", "BBB"), seed=2)
    close = full.close.copy()
    rng = np.random.default_rng(0)
    for start in rng.choice(np.arange(20, 580), 12, replace=False):
        close.iloc[start : start + 3, 0] = np.nan  # three-bar gaps in AAA
    data = MarketData.from_closes(close)
    assert _caught(BackFilled(), data, thorough=True)
    caught = [_caught(BackFilled(), data, seed=s) for s in range(10)]
    assert sum(caught) >= 5, caught


def test_an_honest_strategy_passes_every_decision_bar(bars):
    check = check_causal(Smooth(), bars, thorough=True)
    assert check.decision_checked == check.decision_bars


def test_given_prefixes_are_checked_exactly(bars):
    check = check_causal(Smooth(), bars, prefixes=[50, 120])
    assert check.bars == [49, 119] and check.random_checked == 0
    with pytest.raises(Exception, match="prefix lengths"):
        check_causal(Smooth(), bars, prefixes=[bars.n_bars])


class _Ranked(Smooth):
    """Long the symbols above the cross-sectional median: depends on the other symbols."""

    name = "ranked_probe"
    per_symbol = True  # wrongly

    def signals(self, data):
        r = data.close.pct_change().fillna(0.0)
        t = r.gt(r.median(axis=1), axis=0).astype(float)
        from ntlab.strategies import Signals

        return Signals(self.name, t, t)


class _SmoothPerSymbol(Smooth):
    per_symbol = True


def test_a_per_symbol_strategy_is_checked_on_a_sample_of_symbols():
    wide = make_bars(n=300, symbols=tuple(f"S{j:02d}" for j in range(20)), seed=4)
    check = check_causal(_SmoothPerSymbol(), wide)
    assert (check.symbols_checked, check.n_symbols) == (8, 20)
    assert "on 8 of 20 symbols" in str(check)
    with pytest.raises(LookAheadError, match="not causal"):
        check_causal(_SmoothPerSymbol(smooth=15), wide)
    assert check_causal(_SmoothPerSymbol(), wide, thorough=True).symbols_checked == 20


def test_a_wrong_per_symbol_declaration_is_caught():
    from ntlab.errors import CheckError

    wide = make_bars(n=200, symbols=tuple(f"S{j:02d}" for j in range(20)), seed=4)
    with pytest.raises(CheckError, match="declares per_symbol = True"):
        run_event(_Ranked(), wide)
