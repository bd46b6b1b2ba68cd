"""Data preparation: validation, target transforms and their inverse, windows, future times."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ntlab.errors import ConfigError, DataError, ValidationError
from ntlab.forecast._panel import future_index, target_of, to_prices, to_series, windows
from ntlab.forecast.walkforward import origins

INDEX = pd.date_range("2024-01-01", periods=6, freq="B", tz="UTC")


def _frame(**cols):
    return pd.DataFrame(cols, index=INDEX[: len(next(iter(cols.values())))])


def test_leading_nans_are_dropped_and_trailing_ones_trimmed_only_for_fitting():
    frame = _frame(A=[np.nan, np.nan, 1.0, 2.0, 3.0, 4.0], B=[1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    series, names = to_series(frame, trim_end=True)
    assert names == ()
    assert series[0].prices.tolist() == [1.0, 2.0, 3.0, 4.0] and series[0].index[0] == INDEX[2]
    assert series[1].prices.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    with pytest.raises(ValidationError, match="B: no price at the last bar"):
        to_series(frame, trim_end=False)


def test_a_gap_inside_a_history_names_symbol_and_time():
    frame = _frame(A=[1.0, 2.0, np.nan, 4.0, 5.0, 6.0])
    with pytest.raises(ValidationError, match=r"A: price is missing \(NaN\) at 2024-01-03"):
        to_series(frame, trim_end=True)


def test_features_must_match_prices_and_be_complete():
    frame = _frame(A=[1.0, 2.0, 3.0])
    good = _frame(A=[5.0, 6.0, 7.0])
    series, names = to_series(frame, {"vol": good}, trim_end=True)
    assert names == ("vol",) and series[0].features[:, 0].tolist() == [5.0, 6.0, 7.0]
    with pytest.raises(ValidationError, match="features are missing"):
        to_series(frame, {"vol": _frame(A=[5.0, np.nan, 7.0])}, trim_end=True)
    with pytest.raises(DataError, match="same index and symbol columns"):
        to_series(frame, {"vol": _frame(B=[5.0, 6.0, 7.0])}, trim_end=True)
    with pytest.raises(ConfigError, match="need MarketData"):
        to_series(frame, ["volume"], trim_end=True)


def test_naive_index_and_non_price_input_are_rejected():
    with pytest.raises(DataError, match="naive"):
        to_series(
            pd.DataFrame({"A": [1.0, 2.0]}, index=pd.date_range("2024-01-01", periods=2)),
            trim_end=True,
        )
    with pytest.raises(DataError, match="cannot forecast from ndarray"):
        to_series(np.ones((3, 2)), trim_end=True)


def test_targets_against_hand_computed_values():
    p = np.array([100.0, 110.0, 99.0])
    assert target_of(p, "price").tolist() == [100.0, 110.0, 99.0]
    np.testing.assert_allclose(target_of(p, "log_price"), [np.log(100), np.log(110), np.log(99)])
    np.testing.assert_allclose(target_of(p, "log_return"), [np.log(1.1), np.log(0.9)])
    with pytest.raises(DataError, match="positive prices"):
        target_of(np.array([1.0, -1.0]), "log_price")


def test_inverse_of_log_price_maps_quantiles_through_exp():
    q = np.log(np.array([[[90.0, 100.0, 120.0]]]))
    point, lo, hi = to_prices(q, np.array([95.0]), "log_price")
    np.testing.assert_allclose([lo[0, 0], point[0, 0], hi[0, 0]], [90.0, 100.0, 120.0])


def test_inverse_of_log_returns_compounds_the_median_and_adds_widths_in_quadrature():
    # two steps of independent normal log returns: median 1% each, sigma 2% and 3%
    z = stats.norm.ppf(0.9)
    mu, sd = np.array([0.01, 0.01]), np.array([0.02, 0.03])
    q = np.stack([mu - z * sd, mu, mu + z * sd], axis=-1)[None]
    point, lo, hi = to_prices(q, np.array([200.0]), "log_return")
    np.testing.assert_allclose(point[0], 200 * np.exp([0.01, 0.02]))
    # exact quantiles of the cumulative return N(0.02, 0.02^2 + 0.03^2) at step 2
    total = stats.norm(0.02, np.hypot(0.02, 0.03))
    np.testing.assert_allclose([lo[0, 1], hi[0, 1]], 200 * np.exp(total.ppf([0.1, 0.9])))


def test_windows_end_at_the_origin_and_returns_take_one_more_price():
    series, _ = to_series(_frame(A=[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]), trim_end=True)
    y, x = windows(series[0], np.array([2, 5]), 3, "price")
    assert x is None and y.tolist() == [[1.0, 2.0, 4.0], [8.0, 16.0, 32.0]]
    y, _ = windows(series[0], np.array([3]), 3, "log_return")
    np.testing.assert_allclose(y, [[np.log(2)] * 3])
    with pytest.raises(DataError, match="not enough history"):
        windows(series[0], np.array([2]), 3, "log_return")


def test_future_index_skips_weekends_for_daily_bars_and_keeps_the_spacing_otherwise():
    fridays = pd.date_range("2024-01-01 05:00", periods=5, freq="B", tz="UTC")  # Mon..Fri
    nxt = future_index(fridays, 2)
    assert [t.day_name() for t in nxt] == ["Monday", "Tuesday"] and nxt[0].hour == 5
    hourly = pd.date_range("2024-01-01 14:00", periods=4, freq="h", tz="UTC")
    assert future_index(hourly, 2).tolist() == [hourly[-1] + pd.Timedelta(hours=k) for k in (1, 2)]


def test_origins_leave_h_bars_after_the_last_and_check_room():
    assert origins(20, 3, 4, 2).tolist() == [10, 12, 14, 16]
    with pytest.raises(DataError, match="need more than 20 bars"):
        origins(20, 3, 10, 2)
    with pytest.raises(ConfigError, match="n_windows"):
        origins(20, 3, 0, 1)
