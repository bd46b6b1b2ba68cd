import numpy as np
import pandas as pd
import pytest

from ntlab.data import MarketData, load_sample
from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.strategies import get
from ntlab.strategies.builtin.neural import LevelForecaster, NeuralConfig
from ntlab.strategies.builtin.neural_arbitrage import index_and_basket
from ntlab.strategies.builtin.neural_sentiment import NeuralSentimentConfig, sentiment_decide
from ntlab.strategies.builtin.neural_trend import trend_decide

TINY = {
    "model": "mlp",
    "train_bars": 120,
    "first_fit": 120,
    "refit_every": 60,
    "hidden_size": 8,
    "max_steps": 50,
}


def test_trend_rule_by_hand():
    cfg = NeuralConfig(allow_short=True)  # round trip cost 0.3 %
    q = np.array([[-0.01, 0.004, 0.02], [-0.02, 0.002, 0.01], [-0.03, -0.01, 0.0], [np.nan] * 3])
    target, conf = trend_decide(q, cfg, 0.0, np.zeros(4))
    assert target.tolist() == [1, 0, -1, 0]
    assert conf[0] == pytest.approx(0.004 / 0.015) and conf[2] == pytest.approx(0.01 / 0.015)
    # a held long exits only when the median forecast turns negative
    target, _ = trend_decide(np.array([[-0.01, 0.001, 0.01]]), cfg, 0.0, np.ones(1))
    assert target.tolist() == [1]


def test_sentiment_rule_needs_agreement_by_hand():
    cfg = NeuralSentimentConfig(allow_short=True, min_confidence=0.2)
    q = np.array([[-0.01, 0.01, 0.03]] * 3 + [[-0.03, -0.01, 0.01]])
    s = np.array([0.5, -0.5, np.nan, -0.4])
    target, conf = sentiment_decide(q, s, cfg, np.zeros(4))
    assert target.tolist() == [1, 0, 0, -1]
    assert conf[0] == pytest.approx((0.5 + 0.5) / 2)
    # agreement is enough, however small the forecast, when the confidence passes
    target, conf = sentiment_decide(np.array([[-0.01, 0.001, 0.012]]), np.array([0.6]), cfg, np.zeros(1))
    assert target.tolist() == [1] and conf[0] == pytest.approx((0.001 / 0.011 + 0.6) / 2)
    # a long is closed when the news goes away
    target, _ = sentiment_decide(q[:1], np.array([np.nan]), cfg, np.ones(1))
    assert target.tolist() == [0]


def test_level_forecaster_mlp_intervals():
    rng = np.random.default_rng(0)
    levels = np.cumsum(rng.normal(0.001, 0.01, (300, 3)), axis=0)
    fc = LevelForecaster(NeuralConfig(**TINY))
    fc.fit(levels, None)
    q = fc.predict(levels[-30:].T.copy(), None)
    assert q.shape == (3, 3) and (q[:, 0] <= q[:, 1]).all() and (q[:, 1] <= q[:, 2]).all()
    win = levels[-30:].T.copy()
    win[1, 5] = np.nan
    assert np.isnan(fc.predict(win, None)[1]).all() and np.isfinite(fc.predict(win, None)[0]).all()


def test_refits_use_only_the_bars_before(monkeypatch, stocks):
    data = stocks.select(["AAPL", "IBM"])[1000:1330]
    seen = []
    real_fit = LevelForecaster.fit

    def spy(self, levels, features):
        seen.append(levels.copy())
        return real_fit(self, levels, features)

    monkeypatch.setattr(LevelForecaster, "fit", spy)
    get("neural_trend", **TINY).signals(data)
    logs = np.log(data.close.to_numpy())
    assert len(seen) == 4  # bars 120, 180, 240, 300
    for k, i in enumerate((120, 180, 240, 300)):
        np.testing.assert_array_equal(seen[k], logs[i - 120 : i])


def test_neural_trend_trades_on_real_data(stocks):
    data = stocks.select(["AAPL", "IBM", "MSFT"])[800:1300]
    sig = get("neural_trend", allow_short=True, **TINY).signals(data)
    t = sig.target.to_numpy()
    assert (t[:120] == 0).all() and (t > 0).any() and (t < 0).any()
    assert sig.reasoning.stack().str.contains("mlp forecast").any()


def test_arbitrage_legs_and_basket():
    idx = load_sample("indices")
    strat = get("neural_arbitrage", leg_a="SP500", leg_b="NASDAQ", **TINY)
    assert strat.legs(idx.symbols) == (1, 0)
    with pytest.raises(UnknownSymbolError, match="leg 'DOW'"):
        get("neural_arbitrage", leg_a="DOW").legs(idx.symbols)
    with pytest.raises(ConfigError, match="at least two symbols"):
        strat.legs(["SP500"])
    basket = index_and_basket(load_sample("sp500_1y"), idx)
    assert basket.symbols == ["SP500", "BASKET"] and basket.n_bars > 200
    stocks = load_sample("sp500_1y").close.loc[basket.index]
    full = stocks.columns[stocks.notna().all()]
    ref = (stocks[full] / stocks[full].iloc[0]).mean(axis=1) * 100
    np.testing.assert_allclose(basket.close["BASKET"].to_numpy(), ref.to_numpy())


def test_arbitrage_only_trades_its_two_legs():
    example = get("neural_arbitrage").examples[0]
    idx = example.data()
    data = MarketData.from_closes(idx.close.assign(OTHER=idx.close["SP500"] * 1.01))
    sig = get("neural_arbitrage", **example.params).signals(data)
    assert (sig.target["OTHER"] == 0).all()
    held = sig.target["NASDAQ"] != 0
    assert (
        held.any()
        and (np.sign(sig.target["NASDAQ"][held]) == -np.sign(sig.target["SP500"][held])).all()
    )


def test_config_errors():
    with pytest.raises(ConfigError, match="model must be one of"):
        get("neural_trend", model="gpt")
    with pytest.raises(ConfigError, match="train_bars"):
        get("neural_trend", train_bars=20)
    with pytest.raises(ConfigError, match="timeframes"):
        get("neural_trend", timeframes=(0,))
    assert isinstance(pd.Timedelta(get("neural_sentiment").config.sentiment_window), pd.Timedelta)
