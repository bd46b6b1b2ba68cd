"""ForecastInput / ForecastOutput: validation and the camelCase wire form (no torch needed)."""

import json

import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.forecast import ForecastInput, ForecastOutput, forecasts_frame

T0 = pd.Timestamp("2024-01-02 14:30", tz="UTC")


def _input(**changes):
    values = dict(
        symbol="AAPL",
        historical_prices=[100.0, 101.5, 99.0],
        timestamps=pd.date_range(T0, periods=3, freq="D"),
        features=[[1.0, 5.0], [2.0, 6.0], [3.0, 7.0]],
        feature_names=("volume", "rsi"),
    )
    values.update(changes)
    return ForecastInput(**values)


def _output(**changes):
    values = dict(
        symbol="AAPL",
        predictions=[101.0, 102.0],
        confidence_intervals=[[99.0, 103.0], [98.0, 105.0]],
        timestamps=pd.date_range(T0, periods=2, freq="D"),
        model_confidence=0.5,
        level=80.0,
        origin=T0 - pd.Timedelta(days=1),
        last_price=100.0,
        model="nhits",
        device="cpu",
        target="log_price",
    )
    values.update(changes)
    return ForecastOutput(**values)


def test_input_wire_form_is_seed_schema_and_round_trips():
    x = _input()
    d = json.loads(x.to_json())
    assert set(d) == {"symbol", "historicalPrices", "timestamps", "features", "featureNames"}
    # the seed's timestamps are Unix microseconds
    assert d["timestamps"][0] == int(T0.timestamp() * 1_000_000)
    assert ForecastInput.from_json(x.to_json()) == x
    assert ForecastInput.from_dict({**d, "timestamps": [t.isoformat() for t in x.timestamps]}) == x


def test_input_from_series_keeps_index_and_features():
    index = pd.date_range(T0, periods=4, freq="h")
    x = ForecastInput.from_series(
        pd.Series([1.0, 2, 3, 4], index=index, name="MSFT"),
        pd.DataFrame({"v": [1.0] * 4}, index=index),
    )
    assert x.symbol == "MSFT" and x.feature_names == ("v",) and x.features.shape == (4, 1)
    assert not x.historical_prices.flags.writeable


@pytest.mark.parametrize(
    "changes, error, match",
    [
        ({"historical_prices": [100.0, np.nan, 99.0]}, ValidationError, "missing or infinite"),
        ({"timestamps": pd.date_range("2024-01-02", periods=3)}, DataError, "naive"),
        ({"timestamps": pd.DatetimeIndex([T0, T0, T0])}, ValidationError, "strictly increasing"),
        ({"historical_prices": [1.0, 2.0]}, DataError, "2 prices but 3 timestamps"),
        ({"features": [[1.0], [2.0]]}, DataError, "features has 2 rows"),
        ({"feature_names": ("a",)}, DataError, "1 feature names for 2"),
        ({"symbol": " AAPL"}, ConfigError, "symbol"),
    ],
)
def test_input_rejects_bad_values(changes, error, match):
    with pytest.raises(error, match=match):
        _input(**changes)


def test_output_wire_form_round_trips_and_names_fields_in_camel_case():
    y = _output()
    d = json.loads(y.to_json())
    assert d["confidenceIntervals"] == [[99.0, 103.0], [98.0, 105.0]]
    assert d["modelConfidence"] == 0.5 and d["lastPrice"] == 100.0 and d["device"] == "cpu"
    assert ForecastOutput.from_json(y.to_json()) == y
    assert y.h == 2 and list(y.lower) == [99.0, 98.0] and list(y.upper) == [103.0, 105.0]


@pytest.mark.parametrize(
    "changes, match",
    [
        ({"confidence_intervals": [[101.5, 103.0], [98.0, 105.0]]}, "lower <= prediction <= upper"),
        ({"confidence_intervals": [[99.0, 103.0]]}, "do not agree"),
        ({"model_confidence": 1.5}, r"modelConfidence must be in \[0, 1\]"),
        ({"level": 100}, "level"),
        ({"predictions": [np.inf, 102.0]}, "finite"),
    ],
)
def test_output_rejects_bad_values(changes, match):
    with pytest.raises((ConfigError, DataError), match=match):
        _output(**changes)


def test_forecasts_frame_is_tidy():
    frame = forecasts_frame([_output(), _output(symbol="MSFT")])
    assert list(frame.columns) == ["symbol", "timestamp", "step", "forecast", "lower", "upper"]
    assert frame["step"].tolist() == [1, 2, 1, 2]
    assert frame["timestamp"].dt.tz is not None
