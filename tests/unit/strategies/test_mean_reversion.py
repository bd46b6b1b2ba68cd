import numpy as np
import pytest

from ntlab.errors import ConfigError
from ntlab.model import round_to_tick
from ntlab.strategies import get


def _reference(close, cfg):
    """The documented rule with TA-Lib's BBANDS (SMA, population std) and RSI."""
    import talib

    x = close.to_numpy()
    upper, _, lower = talib.BBANDS(x, cfg.window, cfg.k, cfg.k, 0)
    pb = (x - lower) / (upper - lower)
    r = talib.RSI(x, cfg.rsi_window)
    state, out = 0, []
    for p, ri in zip(pb, r):
        if state > 0 and not p < cfg.exit_pb:
            state = 0
        elif state < 0 and not p > 1 - cfg.exit_pb:
            state = 0
        if state == 0:
            if p < 0 and ri < cfg.rsi_oversold:
                state = 1
            elif cfg.allow_short and p > 1 and ri > cfg.rsi_overbought:
                state = -1
        out.append(state)
    return np.array(out, dtype=float)


@pytest.mark.parametrize("params", [{"allow_short": True}, {"exit_pb": 0.5, "window": 10}])
def test_rule_matches_talib_reference(stocks, params):
    strat = get("mean_reversion", **params)
    sig = strat.signals(stocks)
    for symbol in stocks.symbols:
        expected = _reference(stocks.close[symbol].dropna(), strat.config)
        got = sig.target[symbol].to_numpy()[-len(expected) :]
        np.testing.assert_array_equal(got, expected, err_msg=symbol)
    t = sig.target.to_numpy()
    assert (t > 0).sum() > 20
    if strat.config.allow_short:
        assert (t < 0).sum() > 20


def test_levels_reasons_and_confidence(stocks):
    sig = get("mean_reversion", allow_short=True).signals(stocks)
    rec = [r for r in sig.to_records(close=stocks.close) if r.direction.value == "long"][0]
    # levels are set from the entry close, then rounded to the instrument's tick in the record
    entry = float(stocks.close.loc[rec.timestamp, rec.symbol])
    assert rec.entry_price == round_to_tick(entry)
    assert rec.stop_loss == round_to_tick(entry * 0.95)
    assert rec.take_profit == round_to_tick(entry * 1.10)
    assert "below the lower Bollinger band" in rec.reasoning and 0.05 <= rec.confidence <= 1


def test_config_errors():
    with pytest.raises(ConfigError, match="rsi_oversold"):
        get("mean_reversion", rsi_oversold=60)
    with pytest.raises(ConfigError, match="exit_pb"):
        get("mean_reversion", exit_pb=0.8)
