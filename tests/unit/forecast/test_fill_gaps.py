"""A missing price inside a history: refused by default with the fix named, carried forward
with fill_gaps="ffill"."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ntlab.errors import ConfigError, ValidationError
from ntlab.forecast import ForecasterConfig
from ntlab.forecast._panel import to_series


def _prices() -> pd.DataFrame:
    index = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC")
    return pd.DataFrame({"A": [np.nan, 10.0, 11.0, np.nan, 12.0, 13.0]}, index=index)


def test_a_gap_is_refused_naming_the_fill_option():
    with pytest.raises(ValidationError, match=r"A: price is missing \(NaN\) at 2024-01-04.*fill_gaps='ffill'"):
        to_series(_prices(), trim_end=True)


def test_ffill_carries_the_last_price_over_the_gap():
    (series,), _ = to_series(_prices(), trim_end=True, fill="ffill")
    np.testing.assert_array_equal(series.prices, [10.0, 11.0, 11.0, 12.0, 13.0])
    assert series.index[0] == pd.Timestamp("2024-01-02", tz="UTC")


def test_the_option_is_checked():
    assert ForecasterConfig(fill_gaps="ffill").fill_gaps == "ffill"
    with pytest.raises(ConfigError, match="fill_gaps must be 'none' or 'ffill'"):
        ForecasterConfig(fill_gaps="zero")
