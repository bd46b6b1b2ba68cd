"""Sleeves smaller than one share of a typical symbol warn, in backtests and in sessions."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from ntlab.backtest import EventSettings, VectorSettings, run_event, run_vector
from ntlab.errors import NtlabWarning
from ntlab.execution import ExecutionPolicy
from ntlab.execution.sleeves import first_prices, small_sleeve_message
from ntlab.live import ReplayMarket
from tests.unit.backtest._hand import NAN, panel, signals
from tests.unit.live._helpers import DATA, REQUEST, make_session

ROWS = [(100.0, 101.0, 99.0, 100.0, 1e6)] * 2 + [(101.0, 102.0, 100.0, 101.0, 1e6)] * 4
MD = panel({"A": ROWS, "B": ROWS, "C": ROWS})
LONG = signals(MD, {s: [0, 1, 1, 1, 1, 0] for s in "ABC"})


def test_first_prices_skip_leading_gaps():
    close = np.array([[NAN, 5.0, NAN], [3.0, 6.0, NAN], [4.0, 7.0, NAN]])
    np.testing.assert_array_equal(first_prices(close), [3.0, 5.0, NAN])


def test_the_message_names_sleeve_and_typical_price_and_fractions_never_warn():
    msg = small_sleeve_message(50.0, np.array([80.0, 100.0, 120.0, NAN]), 1.0, 2_000)
    assert "2,000 symbols" in msg and "sleeve of 50.00" in msg and "median price 100.00" in msg
    assert "one lot of 10" in small_sleeve_message(500.0, np.array([100.0]), 10.0, 3)
    assert small_sleeve_message(100.0, np.array([80.0, 100.0, 120.0]), 1.0, 3) is None
    assert small_sleeve_message(1.0, np.array([100.0]), 0.0, 3) is None  # fractional sizing


def test_event_backtest_warns_when_whole_shares_cannot_fill_the_sleeves():
    with pytest.warns(NtlabWarning, match="sleeve of 83.33"):
        small = run_event(LONG, MD, EventSettings(init_cash=250.0))
    assert small.trades.empty  # 83 dollars buys no 100-dollar share: the warning's reason
    with warnings.catch_warnings():
        warnings.simplefilter("error", NtlabWarning)
        big = run_event(LONG, MD, EventSettings(init_cash=30_000.0))
        run_event(LONG, MD, EventSettings(init_cash=250.0, policy=ExecutionPolicy(fractional=True)))
    assert len(big.trades) == 3


def test_vector_backtest_warns_only_with_whole_lots():
    pytest.importorskip("vectorbt")
    with pytest.warns(NtlabWarning, match="sleeve of 83.33"):
        run_vector(LONG, MD, VectorSettings(init_cash=250.0, lot_size=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", NtlabWarning)
        run_vector(LONG, MD, VectorSettings(init_cash=250.0))  # fractional by default


def test_session_warns_at_start_when_sleeves_are_below_one_share(tmp_path):
    last = DATA.close.iloc[:60].median().median()  # a typical price is tens of dollars
    cash = 3 * last / 2
    s = make_session(tmp_path, market=ReplayMarket(DATA, cash=cash))
    with pytest.warns(NtlabWarning, match="each of the 3 symbols gets a sleeve"):
        s.start(REQUEST)
    s.stop()
