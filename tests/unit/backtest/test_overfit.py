"""Overfitting statistics: deflated Sharpe ratio and PBO by CSCV (issue 14).

References: the numerical example of Bailey and Lopez de Prado (2014), scipy's moments
and normal distribution for the deflated Sharpe ratio, hand-ranked splits for CSCV, and
pure-noise searches where the best in-sample Sharpe ratio is luck.
"""

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ntlab.backtest import EventSettings, sweep, walk_forward
from ntlab.backtest.overfit import (
    EULER_GAMMA,
    deflated_sharpe_ratio,
    expected_max_sharpe,
    overfitting_stats,
    pbo_cscv,
    probabilistic_sharpe_ratio,
)
from ntlab.data import MarketData
from ntlab.errors import ConfigError
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.strategies import Signals, Strategy, StrategyConfig


def test_the_papers_numerical_example():
    # Bailey & Lopez de Prado (2014), section 5: N = 100 trials, V[SR] = 1/2 (annualised),
    # SR = 2.5 annualised over T = 1250 daily bars, skew -3, kurtosis 10: SR0 = 0.1132
    # (per bar) and DSR = 0.9004
    sr0 = expected_max_sharpe(100, 0.5 / 250)
    assert sr0 == pytest.approx(0.1132, abs=5e-5)
    dsr = probabilistic_sharpe_ratio(2.5 / math.sqrt(250), sr0, 1250, -3.0, 10.0)
    assert dsr == pytest.approx(0.9004, abs=5e-5)


def test_deflated_sharpe_against_scipy():
    rng = np.random.default_rng(13)
    r = rng.standard_t(5, 750) * 0.01 + 0.0008
    n, var = 40, 0.002
    dsr, sr0 = deflated_sharpe_ratio(r, n_trials=n, sr_variance=var)
    z = stats.norm.ppf
    ref_sr0 = math.sqrt(var) * (
        (1 - EULER_GAMMA) * z(1 - 1 / n) + EULER_GAMMA * z(1 - 1 / (n * math.e))
    )
    sr = r.mean() / r.std(ddof=1)
    g3, g4 = stats.skew(r), stats.kurtosis(r, fisher=False)
    ref = stats.norm.cdf(
        (sr - ref_sr0) * math.sqrt(len(r) - 1) / math.sqrt(1 - g3 * sr + (g4 - 1) / 4 * sr**2)
    )
    assert sr0 == pytest.approx(ref_sr0, rel=1e-10)
    assert dsr == pytest.approx(ref, rel=1e-9)
    assert expected_max_sharpe(1, var) == 0.0
    assert expected_max_sharpe(1000, var) > expected_max_sharpe(10, var) > 0


def test_pbo_hand_ranked_splits():
    # 3 trials, 2 blocks of 4 bars -> 2 splits. Trial 0 wins block 0 and is worst in block 1,
    # trial 1 the reverse; trial 2 is in the middle of both. Each split's in-sample winner is
    # the out-of-sample loser: rank 1 of 3, w = 1/4, logit = log(1/3); PBO = 1.
    a = [0.03, 0.01, 0.02, 0.04]
    b = [-0.02, -0.01, -0.03, -0.01]
    mid = [0.001, -0.001, 0.002, 0.0]
    m = np.column_stack([a + b, b + a, mid + mid])
    res = pbo_cscv(m, n_splits=2)
    assert res.pbo == 1.0
    np.testing.assert_allclose(res.logits, [math.log(1 / 3)] * 2)
    # a trial that wins both halves is picked and stays best: rank 3, logit log(3), PBO 0
    best = np.array([0.05, 0.04, 0.06, 0.05] * 2)
    res = pbo_cscv(np.column_stack([m, best]), n_splits=2)
    assert res.pbo == 0.0
    np.testing.assert_allclose(res.logits, [math.log(4 / 1)] * 2)
    with pytest.raises(ConfigError, match="even"):
        pbo_cscv(m, n_splits=3)


def _noise(n_bars=500, n_trials=64, seed=0):
    return np.random.default_rng(seed).normal(0.0, 0.01, (n_bars, n_trials))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_pure_noise_search_is_flagged(seed):
    m = _noise(seed=seed)
    srs = m.mean(axis=0) / m.std(axis=0, ddof=1)
    out = overfitting_stats(m, int(np.argmax(srs)), 252.0)
    assert out["trials"] == 64
    assert out["best_sharpe"] > 1.0  # the best of 64 coin flips looks like a strategy
    assert out["deflated_sharpe"] < 0.95  # ... and is not significant once deflated
    assert out["pbo"] >= 0.2
    assert out["expected_max_sharpe"] == pytest.approx(
        math.sqrt(252 * np.var(srs, ddof=1))
        * (
            (1 - EULER_GAMMA) * stats.norm.ppf(1 - 1 / 64)
            + EULER_GAMMA * stats.norm.ppf(1 - 1 / (64 * math.e))
        ),
        rel=1e-9,
    )


def test_pbo_of_pure_noise_is_a_coin_flip():
    # one search's PBO is noisy (10%..90% of seeds: about 0.23..0.79); over 20 searches of
    # 64 noise configurations it centres on 0.5
    pbo = [pbo_cscv(_noise(seed=s)).pbo for s in range(20)]
    assert 0.4 <= np.mean(pbo) <= 0.6


def test_a_real_edge_survives():
    m = _noise()
    m[:, 7] += 0.003  # Sharpe 0.3 a bar: about 4.8 a year
    out = overfitting_stats(m, 7, 252.0)
    assert out["deflated_sharpe"] > 0.99 and out["pbo"] < 0.05


@dataclass(frozen=True, kw_only=True)
class CoinConfig(StrategyConfig):
    seed: int = 0


class Coin(Strategy):
    """Long or short by a seeded coin per bar: no skill at all (causal: bar t's coin is fixed)."""

    name = "coin"
    Config = CoinConfig

    def signals(self, data):
        n = data.n_bars
        coins = 2 * np.random.default_rng(self.config.seed).integers(0, 2, 100_000)[:n] - 1
        t = pd.DataFrame(
            np.repeat(coins[:, None], data.n_symbols, 1).astype(float),
            index=data.index,
            columns=data.symbols,
        )
        return Signals(self.name, t, t.abs())


FREE = EventSettings(  # no costs: the coins' returns are pure noise
    policy=ExecutionPolicy(
        fractional=True, commission=Commission(pct=0.0), slippage=Slippage(pct=0.0)
    )
)


@pytest.fixture(scope="module")
def walk():
    """A driftless random walk (two years of daily bars, one symbol)."""
    rng = np.random.default_rng(11)
    index = pd.date_range("2022-01-03", periods=504, freq="B", tz="UTC")
    close = pd.DataFrame({"RW": 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 504)))}, index=index)
    return MarketData({"open": close.shift(1).fillna(100.0), "close": close})


def test_a_sweep_of_64_noise_configs_reports_the_overfitting(walk):
    res = sweep(Coin, walk, {"seed": list(range(64))}, settings=FREE, progress=False)
    of = res.overfitting
    assert of["trials"] == 64
    assert res.returns.shape == (walk.n_bars, 64)
    best = int(np.nanargmax(res.table["sharpe"]))
    assert of["best_sharpe"] == pytest.approx(res.table["sharpe"].iloc[best], rel=1e-9)
    assert of["best_sharpe"] > 1.0
    assert of["deflated_sharpe"] < 0.95
    assert of["pbo"] == pbo_cscv(res.returns).pbo
    assert of["pbo"] >= 0.2  # an edge that survives the search scores near 0


def test_walk_forward_reports_it_per_fold_and_overall(walk):
    wf = walk_forward(
        Coin, walk, {"seed": list(range(16))}, train=120, test=60, settings=FREE, progress=False
    )
    assert (wf.folds["trials"] == 16).all()
    assert wf.folds["train_pbo"].between(0, 1).all()
    assert wf.folds["train_deflated_sharpe"].between(0, 1).all()
    s = wf.summary()
    assert s["trials"] == 16
    assert s["pbo"] == pytest.approx(wf.folds["train_pbo"].mean())
    assert 0 <= s["deflated_sharpe"] <= 1
