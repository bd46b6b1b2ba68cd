"""Position sizing and stop levels: hand-computed cases, TA-Lib's ATR, Signal's own checks."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import talib

from ntlab.errors import ConfigError, RiskError
from ntlab.model import Direction, Signal
from ntlab.risk import (
    atr_size,
    fixed_fractional_size,
    fraction_of_equity_size,
    kelly_fraction,
    round_to_lot,
    stop_levels,
    volatility,
    volatility_target_size,
)


def test_fixed_fractional_risks_the_fraction_at_the_stop():
    # risk 1% of 100k = 1,000; 2.50 per share to the stop -> 400 shares
    assert fixed_fractional_size(100_000, 0.01, 50.0, 47.5) == 400
    assert fixed_fractional_size(100_000, 0.01, 50.0, 52.5) == 400  # a short's stop above
    assert fixed_fractional_size(100_000, 0.01, 50.0, 47.0, lot_size=100) == 300  # 333 -> 3 lots
    assert fixed_fractional_size(100_000, 0.01, 50.0, 47.0, lot_size=0) == pytest.approx(
        333.3333333
    )
    with pytest.raises(RiskError, match="stop away from the entry"):
        fixed_fractional_size(100_000, 0.01, 50.0, 50.0)
    with pytest.raises(ConfigError, match="risk_fraction"):
        fixed_fractional_size(100_000, 1.5, 50.0, 45.0)


def test_fraction_of_equity():
    assert fraction_of_equity_size(100_000, 0.05, 123.0) == 40  # 5,000 / 123 = 40.65
    assert round_to_lot(-40.65, 1) == -40


def test_volatility_target_on_real_returns(index_returns):
    vol = volatility(index_returns["NASDAQ"])  # annualised, about 27%
    qty = volatility_target_size(100_000, 0.10, vol, 5_000.0, lot_size=0)
    assert qty * 5_000 / 100_000 == pytest.approx(0.10 / vol)
    assert (
        volatility_target_size(100_000, 0.5, 0.1, 100.0, max_leverage=2.0) == 2_000
    )  # capped at 2x
    with pytest.raises(RiskError, match="zero volatility"):
        volatility_target_size(100_000, 0.1, 0.0, 100.0)


def test_atr_size_with_talib_atr(stocks):
    aapl = stocks.symbol_frame("AAPL")
    atr = talib.ATR(
        aapl["high"].to_numpy(), aapl["low"].to_numpy(), aapl["close"].to_numpy(), timeperiod=14
    )
    last = float(atr[-1])
    qty = atr_size(100_000, 0.01, last, atr_multiple=2.0, lot_size=0)
    assert qty * 2.0 * last == pytest.approx(1_000)  # loses 1% at a stop two ATRs away
    with pytest.raises(RiskError, match="warm-up"):
        atr_size(100_000, 0.01, float(atr[0]))  # NaN during TA-Lib's warm-up


def test_kelly_fraction():
    # p = 0.6, b = 1: f* = 0.6 - 0.4 = 0.2
    assert kelly_fraction(win_rate=0.6, win_loss_ratio=1.0, cap=1.0) == pytest.approx(0.2)
    assert kelly_fraction(win_rate=0.6, win_loss_ratio=1.0, fraction=0.5, cap=1.0) == pytest.approx(
        0.1
    )
    assert kelly_fraction(win_rate=0.6, win_loss_ratio=1.0, cap=0.15) == 0.15
    assert kelly_fraction(win_rate=0.3, win_loss_ratio=1.0) == 0.0  # no edge, no bet
    r = np.random.default_rng(0).normal(0.001, 0.02, 500)
    assert kelly_fraction(r, cap=10.0) == pytest.approx(r.mean() / r.var(ddof=1))
    with pytest.raises(ConfigError, match="not both"):
        kelly_fraction(r, win_rate=0.5, win_loss_ratio=1.0)
    with pytest.raises(RiskError, match="zero variance"):
        kelly_fraction(np.full(10, 0.01))


def test_stop_levels_satisfy_signal_checks():
    stop, take = stop_levels(100.0, "long", stop_pct=0.02, take_pct=0.05)
    assert (stop, take) == pytest.approx((98.0, 105.0))
    assert stop_levels(100.0, "short", stop_atr=2.0, take_atr=3.0, atr=1.5) == pytest.approx(
        (103.0, 95.5)
    )
    assert stop_levels(100.0, "long", stop_pct=0.02) == pytest.approx((98.0, None))
    for side, direction in (("long", Direction.LONG), ("short", Direction.SHORT)):
        stop, take = stop_levels(50.0, side, stop_pct=0.03, take_atr=2.0, atr=1.0)
        Signal(strategy_id="t", symbol="X", direction=direction, confidence=0.5, timestamp=datetime.now(UTC),
               entry_price=50.0, stop_loss=stop, take_profit=take)  # fmt: skip
    with pytest.raises(ConfigError, match="not both"):
        stop_levels(100.0, "long", stop_pct=0.02, stop_atr=2.0, atr=1.0)
    with pytest.raises(ConfigError, match="needs atr"):
        stop_levels(100.0, "long", stop_atr=2.0)
    with pytest.raises(RiskError, match="not a positive price"):
        stop_levels(100.0, "long", stop_pct=1.5)
