"""Streaming == batch, for every registered indicator (one shared, registry-driven test)."""

from __future__ import annotations

import numpy as np
import pytest

from ntlab.indicators import INDICATORS
from tests.unit.indicators._helpers import as_tuple, assert_same, benchmark, role_inputs, sample


def _bar_values(inputs, i):
    vals = []
    for x in inputs:
        row = x.iloc[i]
        vals.append(row.to_numpy(dtype=float) if hasattr(row, "to_numpy") else float(row))
    return vals


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_stream_equals_batch(spec):
    # real panel with gaps (symbols joining/leaving inside the year) and full histories
    data = sample("sp500_1y", max_symbols=12)
    params = dict(spec.params)
    inputs = role_inputs(spec, data, punch=True)
    batch = [o.to_numpy() for o in spec.compute(*inputs, **params)]

    many = spec.make_stream(n_symbols=data.n_symbols, **params)
    assert many.warmup == spec.warmup(**params)
    assert tuple(many.outputs) == tuple(spec.outputs)
    got = [np.empty_like(b) for b in batch]
    for i in range(data.n_bars):
        out = as_tuple(many.update(*_bar_values(inputs, i)))
        for g, o in zip(got, out):
            g[i] = o
    for name, g, b in zip(spec.outputs, got, batch):
        assert_same(g, b, what=f"{spec.name}.{name} (n_symbols stream)")

    # one symbol at a time, floats in and out, on a symbol with gaps
    gappy = data.symbols[0]  # has holes punched
    one = spec.make_stream(**params)
    col = data.symbols.index(gappy)
    singles = [x[gappy] if x.ndim == 2 else x for x in inputs]
    for i in range(data.n_bars):
        out = as_tuple(one.update(*(float(x.iloc[i]) for x in singles)))
        for k, v in enumerate(out):
            assert isinstance(v, float)
            b = batch[k][i, col]
            assert (np.isnan(v) and np.isnan(b)) or v == b, f"{spec.name}.{spec.outputs[k]} bar {i}"


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_stream_reset_and_warmup(spec):
    data = sample("indices")
    params = dict(spec.params)
    inputs = [x.iloc[:, 0] if x.ndim == 2 else x for x in role_inputs(spec, data)]
    s = spec.make_stream(**params)
    first = []
    for i in range(s.warmup + 5):
        first.append(as_tuple(s.update(*(float(x.iloc[i]) for x in inputs))))
    # the slowest output is NaN for exactly `warmup` bars on gap-free data
    valid = [
        not all(np.isnan(v) for v in row) and all(not np.isnan(v) for v in row) for row in first
    ]
    assert valid.index(True) == s.warmup
    assert s.n_seen == s.warmup + 5
    s.reset()
    again = [as_tuple(s.update(*(float(x.iloc[i]) for x in inputs))) for i in range(s.warmup + 5)]
    np.testing.assert_array_equal(np.array(first, dtype=float), np.array(again, dtype=float))
    assert benchmark(data) is not None
