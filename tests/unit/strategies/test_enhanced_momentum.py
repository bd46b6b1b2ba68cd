import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError
from ntlab.strategies import get
from ntlab.strategies.builtin.enhanced_momentum import EnhancedMomentumConfig, _decide


def test_blend_and_sentiment_opposition_by_hand():
    cfg = EnhancedMomentumConfig(allow_short=True)
    z = np.array([[1.5, 1.5, 1.5, -1.6, 1.5]])
    p = np.array([[0.7, 0.7, 0.4, 0.3, np.nan]])
    s = np.array([[np.nan, -0.8, 0.0, np.nan, 0.9]])
    target, conf, b = _decide(z, p, s, cfg, np.zeros(5))
    mom = np.clip(z / 2, -1, 1)
    ml = np.nan_to_num(2 * p - 1)
    expected_b = (0.5 * mom + 0.3 * ml + 0.2 * np.nan_to_num(s)) / 1.0
    np.testing.assert_allclose(b, expected_b)
    # long; long with opposing news; model says down: no entry; short; model not fitted yet
    assert target[0].tolist() == [1, 1, 0, -1, 0]
    assert conf[0, 0] == pytest.approx(expected_b[0, 0])
    assert conf[0, 1] == pytest.approx(expected_b[0, 1] * (1 - 0.5 * 0.8))  # news against: lowered


def test_injected_news_lowers_confidence_against_the_position(stocks):
    data = stocks.select(["AAPL", "IBM"])[1000:1800]
    params = {"first_fit": 200, "refit_every": 200}
    base = get("enhanced_momentum", **params).signals(data)
    held = base.target["IBM"] > 0
    days = data.index[held.to_numpy()][::5]
    news = pd.DataFrame(
        {
            "published": days - pd.Timedelta(hours=6),
            "symbols": [["IBM"]] * len(days),
            "score": -0.9,
            "confidence": 1.0,
            "headline": "illustrative",
        }
    )
    bad = get("enhanced_momentum", news=news, **params).signals(data)
    both = held & (bad.target["IBM"] > 0)
    assert both.sum() > 5
    assert (bad.confidence["IBM"][both] <= base.confidence["IBM"][both] + 1e-12).all()
    assert (bad.confidence["IBM"][both] < base.confidence["IBM"][both]).any()
    assert (
        bad.reasoning["IBM"].str.contains("opposes").any()
        or (bad.target["IBM"] != base.target["IBM"]).any()
    )


def test_model_is_refit_on_schedule(stocks):
    data = stocks.select(["AAPL", "IBM", "MSFT"])[1000:1500]
    strat = get("enhanced_momentum", first_fit=200, refit_every=100)
    stream = strat.stream(data)
    assert stream._model.fitted_at_ == 400
    sig = strat.signals(data)
    assert (sig.target.iloc[:200] == 0).all().all() and (sig.target.iloc[200:] != 0).any().any()


def test_config_errors():
    with pytest.raises(ConfigError, match="weights"):
        get("enhanced_momentum", w_ml=-1.0)
    with pytest.raises(ConfigError, match="exit_blend < entry_blend"):
        get("enhanced_momentum", entry_blend=-0.5)
