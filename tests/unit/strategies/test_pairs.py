import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.stattools import coint

from ntlab.data import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies import get
from ntlab.strategies.builtin.pairs import PairsConfig, engle_granger_pvalue, select_pairs


def _panel(n=500, seed=0, break_at=None):
    """Closes of a cointegrated pair (Y, X) and three unrelated random walks."""
    rng = np.random.default_rng(seed)
    x = np.cumsum(rng.normal(0, 0.01, n))
    noise = np.zeros(n)
    for i in range(1, n):  # stationary AR(1) spread
        noise[i] = 0.8 * noise[i - 1] + rng.normal(0, 0.006)
    y = 0.1 + x + noise
    if break_at is not None:
        y[break_at:] = y[break_at] + np.cumsum(rng.normal(0, 0.02, n - break_at))
    cols = {"Y": y, "X": x, **{f"R{k}": np.cumsum(rng.normal(0, 0.01, n)) for k in range(3)}}
    index = pd.date_range("2020-01-01", periods=n, freq="B", tz="UTC")
    return MarketData.from_closes(
        pd.DataFrame({k: 50 * np.exp(v) for k, v in cols.items()}, index=index)
    )


def test_engle_granger_is_statsmodels_coint_both_orders():
    data = _panel()
    y, x = np.log(data.close["Y"].to_numpy()), np.log(data.close["R0"].to_numpy())
    ref = max(
        coint(y, x, trend="c", maxlag=1, autolag=None)[1],
        coint(x, y, trend="c", maxlag=1, autolag=None)[1],
    )
    assert engle_granger_pvalue(y, x) == ref


def test_selection_finds_the_cointegrated_pair_only():
    logp = np.log(_panel().close.to_numpy()[:250])
    chosen = select_pairs(logp, PairsConfig(max_candidates=10))
    assert [(i, j) for i, j, _ in chosen] in ([(0, 1)], [(1, 0)])
    assert chosen[0][2] < 0.01


def test_selection_uses_only_bars_before_the_reselection_bar():
    data = _panel()
    strat = get("pairs", formation=200, reselect_every=100, max_candidates=10)
    r = 300  # a reselection bar
    close = data.close.copy()
    close.iloc[r:] = close.iloc[r:] * np.linspace(1, 3, len(close) - r)[:, None] ** np.arange(1, 6)
    changed = MarketData.from_closes(close)
    chosen = []
    for d in (data, changed):
        stream = strat.stream(d[: r + 1])  # has just processed bar r (the reselection)
        chosen.append(sorted(stream._pairs))
    assert chosen[0] == chosen[1] == [(0, 1)]


def test_trades_the_spread_and_drops_the_pair_when_cointegration_breaks():
    data = _panel(n=700, seed=3, break_at=420)
    strat = get(
        "pairs",
        formation=200,
        reselect_every=200,
        recheck_every=20,
        max_candidates=10,
        break_pvalue=0.3,
    )
    sig = strat.signals(data)
    y, x = sig.target["Y"].to_numpy(), sig.target["X"].to_numpy()
    held = y != 0
    assert held.sum() > 20
    assert (np.sign(y[held]) == -np.sign(x[held])).all()  # always long one leg, short the other
    assert (sig.target[["R0", "R1", "R2"]] == 0).all().all()
    assert sig.reasoning["Y"].str.contains("spread z=").any()
    stream = strat.stream(data[:201])
    dropped = None
    for i in range(201, data.n_bars):
        (row,) = stream.push(data[i : i + 1])
        if dropped is None and not stream._pairs:
            dropped, reason = i, row.reasoning[0]
    assert dropped is not None and 420 < dropped < 640
    assert not held[dropped:].any()  # and it is not traded again
    if held[dropped - 1]:
        assert "broke down" in reason or "not cointegrated" in reason


def test_leg_sizes_follow_the_hedge_ratio():
    data = _panel(n=500, seed=5)
    sig = get("pairs", formation=200, reselect_every=100, max_candidates=10).signals(data)
    y, x = sig.target["Y"].to_numpy(), sig.target["X"].to_numpy()
    entry = np.flatnonzero((y != 0) & (np.roll(y, 1) == 0))[0]
    beta = abs(x[entry]) / abs(y[entry])  # y gets 1 / max(1, b), x gets b / max(1, b)
    assert max(abs(y[entry]), abs(x[entry])) == 1.0 and 0.5 < beta < 2
    assert y[entry + 1] == y[entry] and x[entry + 1] == x[entry]  # sizes fixed while held


def test_kalman_hedge_trades():
    data = _panel(n=500, seed=7)
    sig = get(
        "pairs", formation=200, reselect_every=100, max_candidates=10, hedge="kalman"
    ).signals(data)
    assert (sig.target["Y"] != 0).sum() > 5


def test_config_errors():
    with pytest.raises(ConfigError, match="hedge must be"):
        get("pairs", hedge="ols")
    with pytest.raises(ConfigError, match="exit_z < entry_z < stop_z"):
        get("pairs", entry_z=5.0)
