"""Parity with TA-Lib on the bundled real data, for every indicator TA-Lib has.

ntlab is called once per panel (all symbols); TA-Lib once per symbol on the bars where
that symbol trades (ntlab's gap policy). After the warm-up the values must agree within
1e-9 relative; most agree bit for bit, which is asserted where TA-Lib's build uses the
same arithmetic (its fused multiply-add clone runs on CPUs with FMA).
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
import pytest

from ntlab.indicators import get_indicator, returns, rolling_beta
from tests.unit.indicators._helpers import SAMPLES, assert_same, benchmark, role_inputs, sample

talib = pytest.importorskip("talib")

HOST_FMA = "+fma" in llvm.get_host_cpu_features().flatten()
FUSED = {"ema", "macd", "atr"}  # TA-Lib picks its FMA clone at load time


def _bands(c, w, k):
    up, mid, lo = talib.BBANDS(c, w, k, k, 0)
    return [up, mid, lo, (c - lo) / (up - lo), (up - lo) / mid]


# name -> (reference on packed arrays, params variants, exact?)
REFERENCES = {
    "sma": (lambda c, p: [talib.SMA(c, p["window"])], [{"window": 20}, {"window": 3}], True),
    "ema": (lambda c, p: [talib.EMA(c, p["window"])], [{"window": 20}, {"window": 5}], True),
    "wma": (lambda c, p: [talib.WMA(c, p["window"])], [{"window": 20}, {"window": 9}], True),
    "rsi": (lambda c, p: [talib.RSI(c, p["window"])], [{"window": 14}, {"window": 2}], True),
    "macd": (
        lambda c, p: list(talib.MACD(c, p["fast"], p["slow"], p["signal"])),
        [{"fast": 12, "slow": 26, "signal": 9}, {"fast": 5, "slow": 13, "signal": 4}],
        True,
    ),
    "stoch": (
        lambda h, lo, c, p: list(talib.STOCH(h, lo, c, p["fastk"], p["slowk"], 0, p["slowd"], 0)),
        [{"fastk": 5, "slowk": 3, "slowd": 3}, {"fastk": 14, "slowk": 1, "slowd": 5}],
        True,
    ),
    "cci": (
        lambda h, lo, c, p: [talib.CCI(h, lo, c, p["window"])],
        [{"window": 14}, {"window": 20}],
        True,
    ),
    "adx": (
        lambda h, lo, c, p: [
            f(h, lo, c, p["window"]) for f in (talib.ADX, talib.PLUS_DI, talib.MINUS_DI)
        ],
        [{"window": 14}, {"window": 5}],
        True,
    ),
    "roc": (lambda c, p: [talib.ROC(c, p["window"])], [{"window": 10}, {"window": 1}], True),
    "momentum": (lambda c, p: [talib.MOM(c, p["window"])], [{"window": 10}, {"window": 3}], True),
    "true_range": (lambda h, lo, c, p: [talib.TRANGE(h, lo, c)], [{}], True),
    "atr": (
        lambda h, lo, c, p: [talib.ATR(h, lo, c, p["window"])],
        [{"window": 14}, {"window": 3}],
        True,
    ),
    "obv": (lambda c, v, p: [talib.OBV(c, v)], [{}], True),
    "bollinger": (
        lambda c, p: _bands(c, p["window"], p["k"]),
        [{"window": 20, "k": 2.0}, {"window": 5, "k": 1.5}],
        False,
    ),
    "rolling_corr": (
        lambda x, y, p: [talib.CORREL(x, y, p["window"])],
        [{"window": 30}, {"window": 8}],
        False,
    ),
    "rolling_beta": (
        lambda x, y, p: [talib.BETA(y, x, p["window"])],
        [{"window": 20}, {"window": 5}],
        False,
    ),
}


def test_every_talib_indicator_has_a_reference():
    from ntlab.indicators import INDICATORS

    named = {s.name for s in INDICATORS if s.talib}
    assert named == set(REFERENCES)


def _ours(spec, data, params):
    if spec.name == "rolling_beta":  # TA-Lib's BETA works on the returns it computes itself
        return [rolling_beta(returns(data.close), returns(benchmark(data)), **params)]
    return list(spec.compute(*role_inputs(spec, data), **params))


@pytest.mark.parametrize("sample_name", SAMPLES)
@pytest.mark.parametrize("name", sorted(REFERENCES))
def test_matches_talib(name, sample_name):
    spec = get_indicator(name)
    ref_fn, variants, exact = REFERENCES[name]
    exact = exact and (HOST_FMA or name not in FUSED)
    data = sample(sample_name, max_symbols=80)
    checked = 0
    for params in variants:
        ours = [o.to_numpy() for o in _ours(spec, data, params)]
        raw = [x.to_numpy() for x in role_inputs(spec, data)]
        for j, sym in enumerate(data.symbols):
            cols = [r if r.ndim == 1 else r[:, j] for r in raw]
            valid = np.logical_and.reduce([~np.isnan(c) for c in cols])
            if valid.sum() <= spec.warmup(**{**spec.params, **params}) + 1:
                continue
            first, last = np.flatnonzero(valid)[[0, -1]]
            if name == "rolling_beta" and not valid[first : last + 1].all():
                continue  # TA-Lib would take returns across the pair's gaps, ntlab per series
            refs = ref_fn(*[np.ascontiguousarray(c[valid]) for c in cols], params)
            for k, (o, r) in enumerate(zip(ours, refs)):
                got = o[valid, j]
                assert np.isnan(o[~valid, j]).all()
                what = f"{name}{params}.{spec.outputs[k]} {sample_name}:{sym}"
                if exact:
                    assert_same(got, r, what=what)
                else:
                    atol = 1e-9 if spec.outputs[k] in ("value", "percent_b") else 0.0
                    assert_same(got, r, exact=False, rtol=1e-9, atol=atol, what=what)
            checked += 1
    assert checked > 0
