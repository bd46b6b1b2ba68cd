"""Forecaster on real prices with tiny CPU models: fit, predict, intervals, batch, save/load, errors."""

import copy
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.forecast import Forecaster, ForecastInput, NotFittedError, model_confidence
from ntlab.forecast._nf import predict_nf


def _points(outputs):
    return np.array([o.predictions for o in outputs])


def _bands(outputs):
    return np.array([o.confidence_intervals for o in outputs])


def test_importing_the_package_loads_no_heavy_module():
    code = (
        "import sys, ntlab, ntlab.forecast; from ntlab._optional import HEAVY_MODULES; "
        "print([m for m in HEAVY_MODULES if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_predict_returns_one_ordered_forecast_per_symbol(fitted, prices):
    outputs = fitted.predict(prices)
    assert [o.symbol for o in outputs] == ["AAPL", "JNJ", "XOM"]
    for o in outputs:
        assert o.h == 3 and o.confidence_intervals.shape == (3, 2) and len(o.timestamps) == 3
        assert (
            (o.lower <= o.predictions).all()
            and (o.predictions <= o.upper).all()
            and (o.lower < o.upper).all()
        )
        assert o.timestamps[0] > prices.index[-1] and o.origin == prices.index[-1]
        assert o.last_price == prices.close[o.symbol].iloc[-1]
        assert o.device == "cpu" and o.model == "nhits" and o.level == 80.0
        # a real quantity, recomputed here from its definition
        width = (o.upper - o.lower) / o.predictions
        assert o.model_confidence == pytest.approx(1 - width.mean())
        # a sane forecast of a daily price a few bars ahead: within 20% of the last price
        assert np.all(np.abs(o.predictions / o.last_price - 1) < 0.2)


def test_batch_over_symbols_equals_one_symbol_at_a_time(fitted, prices):
    batch = _points(fitted.predict(prices))
    alone = np.array([fitted.predict(prices.close[s]).pop().predictions for s in prices.symbols])
    np.testing.assert_allclose(batch, alone, rtol=1e-6)


def test_it_forecasts_a_symbol_it_was_not_trained_on_from_forecast_inputs(fitted):
    from ntlab.data import load_sample

    msft = load_sample("sp500_20").close["MSFT"].iloc[-40:]
    [out] = fitted.predict([ForecastInput.from_series(msft)])
    assert out.symbol == "MSFT" and (out.lower <= out.upper).all()
    assert out.to_dict()["timestamps"][0] > msft.index[-1].value // 1000


def test_predict_at_many_origins_equals_predicting_each_prefix(fitted, prices):
    at = [prices.index[-40], prices.index[-7], prices.index[-1]]
    frame = fitted.predict_at(prices, at)
    assert len(frame) == 3 * 3 * 3 and list(frame["origin"].unique()) == at
    for t in at:
        k = prices.index.get_loc(t) + 1
        for o in fitted.predict(prices[:k]):
            rows = frame[(frame["symbol"] == o.symbol) & (frame["origin"] == t)]
            np.testing.assert_allclose(rows["forecast"], o.predictions, rtol=1e-6)
            np.testing.assert_allclose(rows[["lower", "upper"]], o.confidence_intervals, rtol=1e-6)
            np.testing.assert_allclose(o.expected_returns, o.predictions / o.last_price - 1)
    with pytest.raises(DataError, match="not bars of the data"):
        fitted.predict_at(prices, [pd.Timestamp("1999-01-04", tz="UTC")])


def test_fit_on_forecast_inputs_with_features(tiny):
    from ntlab.data import load_sample

    close = load_sample("sp500_20").close.iloc[-80:]
    inputs = [
        ForecastInput.from_series(
            close[s], pd.DataFrame({"ret": np.log(close[s]).diff().fillna(0.0)})
        )
        for s in ("KO", "PEP")
    ]
    fc = Forecaster(tiny("lstm")).fit(inputs)
    assert fc.symbols_ == ("KO", "PEP") and fc.feature_names_ == ("ret",)
    assert [o.symbol for o in fc.predict(inputs)] == ["KO", "PEP"]
    with pytest.raises(ConfigError, match="carries its own features"):
        fc.predict(inputs, features={"ret": close})


@pytest.mark.parametrize("model", ["nhits", "lstm", "transformer"])
def test_fast_path_gives_neuralforecasts_predict_numbers(model, prices, tiny):
    fc = Forecaster(tiny(model)).fit(prices)
    y = np.log(prices.close.to_numpy()[-12:].T)  # 3 windows of the last 12 log prices
    fast = fc.quantiles(y, None)
    ref = np.sort(predict_nf(fc.nf_, y, None), axis=-1)
    np.testing.assert_allclose(fast, ref, rtol=1e-6, atol=1e-7)
    slow = copy.copy(fc)  # the same fitted network, predicting through neuralforecast
    slow.config = fc.config.replace(fast_predict=False)
    np.testing.assert_allclose(
        _points(fc.predict(prices)), _points(slow.predict(prices)), rtol=1e-6
    )


@pytest.mark.parametrize("target", ["price", "log_return"])
def test_every_target_gives_ordered_price_intervals(target, prices, tiny):
    outputs = Forecaster(tiny("lstm", target=target)).fit(prices).predict(prices)
    bands = _bands(outputs)
    points = _points(outputs)
    assert ((bands[..., 0] <= points) & (points <= bands[..., 1])).all()
    last = np.array([o.last_price for o in outputs])[:, None]
    assert np.all(np.abs(points / last - 1) < 0.2)
    if target == "log_return":  # the interval of a cumulative return widens with the horizon
        assert (np.diff(bands[..., 1] - bands[..., 0], axis=1) > 0).all()


def test_save_and_load_give_the_same_predictions(fitted, prices, tmp_path):
    folder = fitted.save(tmp_path / "model")
    loaded = Forecaster.load(folder)
    assert (
        loaded.device == "cpu"
        and loaded.config == fitted.config
        and loaded.symbols_ == fitted.symbols_
    )
    assert [o.to_dict() for o in loaded.predict(prices)] == [
        o.to_dict() for o in fitted.predict(prices)
    ]
    with pytest.raises(DataError, match="holds no saved Forecaster"):
        Forecaster.load(tmp_path / "nothing")


def test_features_are_used_and_must_match(prices, tiny):
    volume = {"logvol": np.log(prices.close * 0 + 1 + np.arange(len(prices))[:, None])}
    fc = Forecaster(tiny("nhits", max_steps=20)).fit(prices, features=volume)
    assert fc.feature_names_ == ("logvol",)
    base = _points(fc.predict(prices, features=volume))
    # the window scaler normalises features too, so rescaling them changes nothing; reversing does
    assert np.allclose(base, _points(fc.predict(prices, features={"logvol": volume["logvol"] * 3})))
    shifted = _points(fc.predict(prices, features={"logvol": -volume["logvol"]}))
    assert not np.allclose(base, shifted)  # the network reads the feature
    with pytest.raises(DataError, match="trained with features"):
        fc.predict(prices)
    with pytest.raises(ConfigError, match="PatchTST"):
        Forecaster(tiny("transformer")).fit(prices, features=volume)


def test_market_data_fields_can_be_named_as_features(tiny):
    from ntlab.data import load_sample

    data = load_sample("indices")[-120:]
    fc = Forecaster(tiny("lstm")).fit(data, features=["volume"])
    assert fc.feature_names_ == ("volume",) and len(fc.predict(data, features=["volume"])) == 2


def test_too_short_histories_are_refused_with_the_numbers(fitted, prices, tiny):
    with pytest.raises(DataError, match=r"too little history to train: \{'AAPL': 10"):
        Forecaster(tiny()).fit(prices[-10:])
    with pytest.raises(
        DataError, match="AAPL: 5 bars of history, but the model needs input_size=12"
    ):
        fitted.predict(prices[-5:])
    with pytest.raises(DataError, match="13 prices for target 'log_return'"):
        Forecaster(tiny(target="log_return")).fit(prices).predict(prices[-12:])


def test_nans_are_refused_with_symbol_and_time(fitted, prices):
    close = prices.close
    close.iloc[-20, 1] = np.nan
    with pytest.raises(
        ValidationError,
        match=re.escape(f"JNJ: price is missing (NaN) at {close.index[-20].isoformat()}"),
    ):
        fitted.predict(close)
    tail = prices.close
    tail.iloc[-1, 0] = np.nan
    with pytest.raises(ValidationError, match="AAPL: no price at the last bar"):
        fitted.predict(tail)


def test_horizons_it_was_not_trained_for_are_refused(fitted, prices):
    with pytest.raises(ConfigError, match="trained for h=3 steps and cannot forecast h=4"):
        fitted.predict(prices, h=4)
    short = fitted.predict(prices, h=2)
    np.testing.assert_array_equal(_points(short), _points(fitted.predict(prices))[:, :2])


def test_unfitted_and_misconfigured_forecasters_fail_clearly(prices):
    with pytest.raises(NotFittedError, match="call fit"):
        Forecaster().predict(prices)
    with pytest.raises(ConfigError, match="model 'gpt' is not one of"):
        Forecaster(model="gpt")
    with pytest.raises(ConfigError, match="unknown parameter"):
        Forecaster(horizon=5)
    with pytest.raises(ConfigError, match="may not set"):
        Forecaster(model_kwargs={"h": 3})
    with pytest.raises(ConfigError, match="recurrent"):
        Forecaster(model="lstm", model_kwargs={"recurrent": True})


def test_model_confidence_definition():
    point = np.array([[100.0, 100.0]])
    assert model_confidence(point, point - 5, point + 5).tolist() == [0.9]
    assert model_confidence(point, point - 80, point + 80).tolist() == [0.0]


def test_frames_with_a_naive_index_are_refused(fitted, prices):
    close = prices.close
    close.index = close.index.tz_localize(None)
    with pytest.raises(DataError, match="naive"):
        fitted.predict(close)


def test_repr_and_config_round_trip(fitted):
    assert "nhits" in repr(fitted) and "fitted on 3 symbols" in repr(fitted)
    assert type(fitted.config).from_dict(fitted.config.to_dict()) == fitted.config
    assert isinstance(fitted.train_end_, pd.Timestamp) and fitted.fit_seconds_ > 0
