"""Long gap-free series: the vectorised, blocked and fused kernel paths against TA-Lib.

The bundled samples are a few thousand bars; these series are long enough to cross the
kernels' block boundaries (CCI's blocks of rotations, the 8 * window re-anchoring blocks
of the rolling moments, Stochastic's blocks of windows) and to take the paths that only
large parameters reach (Stochastic's rescanning extremes beyond a %K window of 48).
"""

from __future__ import annotations

import llvmlite.binding as llvm
import numpy as np
import pytest

import ntlab.indicators as ind
from ntlab.indicators import stream
from tests.unit.indicators._helpers import assert_same

talib = pytest.importorskip("talib")

HOST_FMA = "+fma" in llvm.get_host_cpu_features().flatten()


def _bars(n: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    open_ = close * np.exp(rng.normal(0, 0.003, n))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
    return high, low, close


H, L, C = _bars(40_000)


@pytest.mark.parametrize("window", [2, 3, 14, 20, 100])
@pytest.mark.parametrize("n", [40_000, 9_001, "w+1", "2w+1"])
def test_cci_blocks_match_talib(window, n):
    n = {"w+1": window + 1, "2w+1": 2 * window + 1}.get(n, n)  # partial rotations too
    ours = ind.cci(H[:n], L[:n], C[:n], window=window)
    assert_same(ours, talib.CCI(H[:n], L[:n], C[:n], window), what=f"cci({window}) n={n}")


@pytest.mark.parametrize(
    ("fastk", "slowk", "slowd"), [(5, 3, 3), (48, 2, 4), (49, 3, 1), (120, 1, 5)]
)
def test_stoch_both_extreme_paths_match_talib(fastk, slowk, slowd):
    # %K windows up to 48 take the branch-free extremes, longer ones TA-Lib's rescan
    ours = ind.stoch(H, L, C, fastk=fastk, slowk=slowk, slowd=slowd)
    ref = talib.STOCH(H, L, C, fastk, slowk, 0, slowd, 0)
    for got, want, name in zip(ours, ref, ("k", "d")):
        assert_same(got, want, what=f"stoch({fastk},{slowk},{slowd}).{name}")


@pytest.mark.parametrize(
    ("name", "call", "ref"),
    [
        ("sma", lambda: ind.sma(C, 30), lambda: talib.SMA(C, 30)),
        ("wma", lambda: ind.wma(C, 30), lambda: talib.WMA(C, 30)),
        ("wma2", lambda: ind.wma(C, 2), lambda: talib.WMA(C, 2)),  # segments of 8 * w bars,
        ("wma7", lambda: ind.wma(C[:1_237], 7), lambda: talib.WMA(C[:1_237], 7)),  # 4 at a time
        ("rsi", lambda: ind.rsi(C, 14), lambda: talib.RSI(C, 14)),
        ("roc", lambda: ind.roc(C, 10), lambda: talib.ROC(C, 10)),
        ("momentum", lambda: ind.momentum(C, 10), lambda: talib.MOM(C, 10)),
        ("true_range", lambda: ind.true_range(H, L, C), lambda: talib.TRANGE(H, L, C)),
        ("obv", lambda: ind.obv(C, H), lambda: talib.OBV(C, H)),
        ("adx", lambda: ind.adx(H, L, C, 14).adx, lambda: talib.ADX(H, L, C, 14)),
    ],
)
def test_long_series_bit_for_bit(name, call, ref):
    assert_same(call(), ref(), what=name)


@pytest.mark.skipif(not HOST_FMA, reason="TA-Lib's fused multiply-add build needs FMA")
def test_fused_kernels_long_series_bit_for_bit():
    assert_same(ind.ema(C, 30), talib.EMA(C, 30), what="ema")
    assert_same(ind.atr(H, L, C, 14), talib.ATR(H, L, C, 14), what="atr")
    assert_same(ind.atr(H, L, C, 1), talib.ATR(H, L, C, 1), what="atr(1)")
    for got, want in zip(ind.macd(C, 12, 26, 9), talib.MACD(C, 12, 26, 9)):
        assert_same(got, want, what="macd")


@pytest.mark.parametrize("window", [2, 5, 20, 333])
def test_blocked_moments_match_talib(window):
    # blocks of 8 * window bars, each re-anchoring the sums; 40,000 bars cross many
    bands = ind.bollinger(C, window, 2.0)
    up, mid, lo = talib.BBANDS(C, window, 2.0, 2.0, 0)
    assert_same(bands.middle, mid, what="middle")  # TA-Lib's SMA, bit for bit
    assert_same(bands.upper, up, exact=False, rtol=1e-9, what="upper")
    assert_same(bands.lower, lo, exact=False, rtol=1e-9, what="lower")
    if window > 2:  # two points always correlate +-1; both round that differently
        corr = ind.rolling_corr(C, H, window)
        ref = talib.CORREL(C, H, window)
        assert_same(corr, ref, exact=False, rtol=1e-9, atol=1e-9, what="corr")


def test_streams_equal_batch_on_a_long_series():
    # the batch kernels changed shape (blocks, fused passes); the streams did not
    n = 3_000
    batch = ind.bollinger(C[:n], 20, 2.0)
    macd = ind.macd(C[:n])
    cci = ind.cci(H[:n], L[:n], C[:n], 14)
    sb, sm, sc = stream.Bollinger(20, 2.0), stream.MACD(), stream.CCI(14)
    for i in range(n):
        got_b = sb.update(C[i])
        got_m = sm.update(C[i])
        got_c = sc.update(H[i], L[i], C[i])
        for g, b in zip((*got_b, *got_m, got_c), (*batch, *macd, cci)):
            assert (np.isnan(g) and np.isnan(b[i])) or g == b[i], i
