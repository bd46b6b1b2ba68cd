import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from ntlab.errors import ConfigError
from ntlab.strategies import from_dict, get
from ntlab.strategies.builtin.config import WalkForwardConfig
from ntlab.strategies.builtin.walkforward import WalkForwardClassifier

MEMBERS = (
    {"strategy": "momentum", "allow_short": True},
    {"strategy": "mean_reversion", "allow_short": True},
    {"strategy": "mirror", "mode": "pattern", "allow_short": True, "library_bars": 250},
)


@pytest.fixture(scope="module")
def data(stocks):
    return stocks.select(["AAPL", "IBM", "MSFT"])[800:1600]


@pytest.fixture(scope="module")
def member_targets(data):
    return np.stack([from_dict(m).signals(data).target.to_numpy() for m in MEMBERS])


def test_weighted_by_hand(data, member_targets):
    sig = get("weighted_ensemble", members=MEMBERS, weights=(2.0, 1.0, 1.0), min_abs=0.3).signals(
        data
    )
    s = (2 * member_targets[0] + member_targets[1] + member_targets[2]) / 4
    expected = np.where(np.abs(s) >= 0.3, s, 0.0)
    np.testing.assert_allclose(sig.target.to_numpy(), expected)
    assert (expected > 0).any() and (expected < 0).any()


def test_vote_by_hand(data, member_targets):
    sig = get("voting_ensemble", members=MEMBERS).signals(data)
    longs, shorts = (member_targets > 0).sum(0), (member_targets < 0).sum(0)
    expected = np.where(longs >= 2, 1.0, np.where(shorts >= 2, -1.0, 0.0))
    np.testing.assert_array_equal(sig.target.to_numpy(), expected)
    conf = sig.confidence.to_numpy()
    assert (conf[expected != 0] <= 1).all() and (conf[expected == 0] == 0).all()


def test_members_round_trip_through_json():
    strat = get("stacking_ensemble", members=MEMBERS, refit_every=50)
    again = from_dict(json.loads(json.dumps(strat.to_dict())))
    assert again.config == strat.config and [m.name for m in again.members()] == [
        "momentum",
        "mean_reversion",
        "mirror",
    ]
    with pytest.raises(ConfigError, match="at least two members"):
        get("weighted_ensemble", members=("momentum",))
    with pytest.raises(ConfigError, match="weights need one"):
        get("weighted_ensemble", members=MEMBERS, weights=(1.0,))


def test_walk_forward_classifier_trains_on_labels_known_before_the_refit():
    rng = np.random.default_rng(0)
    n, m, p = 160, 3, 2
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, (n, m)), axis=0))
    X = rng.normal(size=(n, m, p))
    s = WalkForwardConfig(horizon=4, refit_every=50, train_bars=60, first_fit=70)
    model = WalkForwardClassifier(s, m, p, min_rows=10)
    probs = [model.step(X[i], close[i]) for i in range(100)]
    assert np.isnan(probs[69]).all() and np.isfinite(probs[70]).all()
    assert model.fitted_at_ == 70
    # the same fit by hand: rows 10..65 (label close[s+4] known by bar 69), pooled
    rows = np.arange(70 - 60, 70 - 4)
    feats = X[rows].reshape(-1, p)
    y = (close[rows + 4] / close[rows] - 1 > 0).reshape(-1).astype(int)
    mu, sd = feats.mean(0), feats.std(0)
    ref = LogisticRegression(max_iter=500).fit((feats - mu) / sd, y)
    np.testing.assert_allclose(model.coef_, ref.coef_[0] / sd, rtol=1e-8)
    expected = ref.predict_proba((X[99] - mu) / sd)[:, 1]
    np.testing.assert_allclose(probs[99], expected, rtol=1e-8)
    assert model.n_train_ == len(rows) * m


def test_stacking_trades_both_ways(data):
    sig = get(
        "stacking_ensemble", members=MEMBERS, allow_short=True, first_fit=250, refit_every=100
    ).signals(data)
    t = sig.target.to_numpy()
    assert (t[:250] == 0).all()  # nothing before the first fit
    assert (t > 0).any() and (t < 0).any()
    assert sig.reasoning.stack().str.contains("stacked P").any()
