"""Shared contract of every registered indicator: gap policy, input kinds, warm-up, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ntlab.indicators as ind
from ntlab.errors import ConfigError, DataError
from ntlab.indicators import INDICATORS
from ntlab.indicators._checks import (
    check_bad_parameters,
    check_defaults_agree,
    check_gaps_skipped,
    check_input_kinds,
)


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_gaps_are_skipped(spec):
    """f(x)[valid] == f(x[valid]) bit for bit, and NaN where a bar is missing."""
    check_gaps_skipped(spec)


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_input_kinds_and_warmup(spec):
    check_input_kinds(spec)
    assert ind.warmup(spec.name) == spec.warmup(**spec.params)


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_bad_parameters_raise(spec):
    check_bad_parameters(spec)


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_stream_defaults_are_the_functions(spec):
    check_defaults_agree(spec)


def test_bad_inputs_raise_clear_errors(bars):
    with pytest.raises(DataError, match="expected a Series"):
        ind.sma([1.0, 2.0, 3.0], 2)
    with pytest.raises(DataError, match="numeric"):
        ind.sma(pd.Series(["a", "b", "c"]), 2)
    with pytest.raises(DataError, match="not both"):
        ind.atr(bars, bars.low)
    with pytest.raises(DataError, match="missing"):
        ind.atr(bars.high, bars.low)
    with pytest.raises(DataError, match="not aligned"):
        ind.atr(bars.high, bars.low.iloc[::-1], bars.close)
    with pytest.raises(ConfigError, match="shorter than slow"):
        ind.macd(bars, fast=26, slow=12)
    with pytest.raises(ConfigError, match="k must be"):
        ind.bollinger(bars, k=-1)
    with pytest.raises(DataError, match="same bars"):
        ind.rolling_corr(bars.close, bars.close["AAA"].iloc[:-1])
    with pytest.raises(DataError, match="needs volume"):
        ind.return_features(bars.close)
    with pytest.raises(ConfigError, match="unknown indicator"):
        ind.get_indicator("nope")
    s = ind.stream.ATR(14)
    with pytest.raises(DataError, match="takes 3 value"):
        s.update(1.0)
    with pytest.raises(DataError, match="n_symbols"):
        ind.stream.SMA(5, n_symbols=0)


def test_streams_for_many_symbols_return_arrays(bars):
    s = ind.stream.MACD(n_symbols=2)
    out = None
    for row in bars.close.to_numpy():
        out = s.update(row)
    assert isinstance(out, ind.MACDResult) and out.line.shape == (2,)
    batch = ind.macd(bars)
    np.testing.assert_array_equal(out.hist, batch.hist.iloc[-1].to_numpy())
    assert "n_symbols=2" in repr(s) and s.params() == {"fast": 12, "slow": 26, "signal": 9}
