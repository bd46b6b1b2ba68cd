"""Walk-forward evaluation: shape, and proof that no forecast depends on data after its origin."""

import numpy as np
import pytest

from ntlab.errors import ConfigError
from ntlab.forecast import Forecaster, accuracy_report, walk_forward

COMPARED = ["forecast", "lower", "upper"]


def test_walk_forward_frame_lines_up_with_the_prices(prices, tiny):
    cv = Forecaster(tiny()).cross_validation(prices, n_windows=4, step_size=2, refit=2)
    assert len(cv) == 3 * 4 * 3 and cv.attrs["level"] == 80.0
    close = prices.close
    row = cv.iloc[5]  # AAPL, second origin, step 3
    pos = close.index.get_loc(row["origin"])
    assert row["step"] == 3 and row["timestamp"] == close.index[pos + 3]
    assert (
        row["actual"] == close["AAPL"].iloc[pos + 3]
        and row["last_price"] == close["AAPL"].iloc[pos]
    )
    assert close.index.get_loc(cv["origin"].max()) == len(close) - 1 - 3
    assert ((cv["lower"] <= cv["forecast"]) & (cv["forecast"] <= cv["upper"])).all()
    report = accuracy_report(cv, prices)
    assert list(report.index) == ["nhits", "naive", "seasonal_naive", "drift"]


def test_forecasts_never_see_data_after_their_origin(prices, tiny):
    config = tiny("nhits", max_steps=10)
    cv = walk_forward(config, prices, n_windows=6, step_size=3, refit=2)
    origins = np.sort(cv["origin"].unique())
    cut = prices.index.get_loc(origins[2])  # first origin of the second block
    close = prices.close
    rng = np.random.default_rng(1)
    close.iloc[cut + 1 :] *= rng.uniform(
        0.5, 2.0, size=close.iloc[cut + 1 :].shape
    )  # rewrite the future
    altered = walk_forward(config, close, n_windows=6, step_size=3, refit=2)
    early = cv["origin"] <= origins[2]
    # every forecast made at or before the cut is bit-identical (training and inputs are causal) ...
    np.testing.assert_array_equal(
        cv.loc[early, COMPARED].to_numpy(), altered.loc[early, COMPARED].to_numpy()
    )
    # ... and the later ones did change, so the alteration was seen where it is allowed to be
    assert not np.allclose(cv.loc[~early, "forecast"], altered.loc[~early, "forecast"])


def test_refit_argument_is_checked(prices, tiny):
    with pytest.raises(ConfigError, match="refit must be"):
        walk_forward(tiny(), prices, n_windows=2, refit=0)
