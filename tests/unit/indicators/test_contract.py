"""Shared contract of every registered indicator: gap policy, input kinds, warm-up, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ntlab.indicators as ind
from ntlab.errors import ConfigError, DataError
from ntlab.indicators import INDICATORS
from tests.unit.indicators._helpers import as_tuple, assert_same, role_inputs, sample

INT_PARAMS = (
    "window",
    "fast",
    "slow",
    "signal",
    "fastk",
    "slowk",
    "slowd",
    "periods",
    "volume_window",
)


def _one_symbol(spec, data, sym, punch=False):
    return [x[sym] if x.ndim == 2 else x for x in role_inputs(spec, data, punch=punch)]


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_gaps_are_skipped(spec):
    """f(x)[valid] == f(x[valid]) bit for bit, and NaN where a bar is missing."""
    data = sample("indices")
    inputs = _one_symbol(spec, data, data.symbols[0], punch=True)
    valid = np.logical_and.reduce([x.notna().to_numpy() for x in inputs])
    assert 0 < (~valid).sum() < 20
    full = as_tuple(spec.compute(*inputs, **spec.params))
    packed = as_tuple(spec.compute(*[x[valid] for x in inputs], **spec.params))
    for name, a, b in zip(spec.outputs, full, packed):
        assert a[~valid].isna().all(), name
        assert_same(a[valid].to_numpy(), b.to_numpy(), what=f"{spec.name}.{name}")


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_input_kinds_and_warmup(spec):
    data = sample("stocks")
    frames = role_inputs(spec, data)
    panel = as_tuple(spec.compute(*frames, **spec.params))
    sym = "IBM"
    series = as_tuple(spec.compute(*_one_symbol(spec, data, sym), **spec.params))
    arrays = as_tuple(
        spec.compute(
            *[x[sym].to_numpy() if x.ndim == 2 else x.to_numpy() for x in frames], **spec.params
        )
    )
    for p, s, a in zip(panel, series, arrays):
        pd.testing.assert_index_equal(p.index, data.index)
        pd.testing.assert_index_equal(p.columns, data.close.columns)
        assert isinstance(s, pd.Series) and s.index.equals(data.index)
        assert isinstance(a, np.ndarray) and a.shape == (data.n_bars,)
        assert_same(p[sym].to_numpy(), s.to_numpy())
        assert_same(s.to_numpy(), a)
    if spec.inputs[0] in ("close", "high") and spec.name != "return_features":
        via_data = as_tuple(spec.function(data, **spec.params))
        for p, d in zip(panel, via_data):
            assert_same(p.to_numpy(), d.to_numpy())
    # warm-up: the slowest output starts exactly after `warmup` bars (IBM trades on every bar)
    w = spec.warmup(**spec.params)
    first = min(int(np.argmax(s.notna().to_numpy())) for s in series)
    last_start = max(int(np.argmax(s.notna().to_numpy())) for s in series)
    assert last_start == w and first <= w
    assert ind.warmup(spec.name) == w


@pytest.mark.parametrize(
    "spec", [s for s in INDICATORS if set(s.params) & set(INT_PARAMS)], ids=lambda s: s.name
)
def test_bad_parameters_raise(spec):
    data = sample("indices")
    inputs = _one_symbol(spec, data, "SP500")
    for key in set(spec.params) & set(INT_PARAMS):
        bad = {**spec.params, key: 0}
        with pytest.raises(ConfigError, match=key):
            spec.compute(*inputs, **bad)
        with pytest.raises(ConfigError, match=key):
            spec.make_stream(**bad)
        with pytest.raises(ConfigError, match=key):
            spec.compute(*inputs, **{**spec.params, key: 2.5})
    short = [x.iloc[: spec.warmup(**spec.params)] for x in inputs]
    with pytest.raises(DataError, match="needs at least"):
        spec.compute(*short, **spec.params)


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
    assert isinstance(out, ind.MACD) and out.line.shape == (2,)
    batch = ind.macd(bars)
    np.testing.assert_array_equal(out.hist, batch.hist.iloc[-1].to_numpy())
    assert "n_symbols=2" in repr(s) and s.params() == {"fast": 12, "slow": 26, "signal": 9}
