"""Baselines and accuracy metrics against hand-computed values and utilsforecast.losses."""

import numpy as np
import pandas as pd
import pytest
from utilsforecast import losses

from ntlab.errors import DataError
from ntlab.forecast import accuracy_report, baselines, verdict
from ntlab.forecast.evaluate import dm_pvalue

INDEX = pd.date_range("2024-01-01", periods=12, freq="B", tz="UTC")
PRICES = pd.DataFrame(
    {
        "A": [10.0, 11, 12, 11, 13, 14, 13, 15, 16, 15, 17, 18],
        "B": [np.nan, np.nan, 50, 49, 51, 52, 50, 49, 53, 54, 52, 55],
    },
    index=INDEX,
)


def _cv(origins=(6, 8), h=3, noise=0.0, seed=0):
    """A walk-forward-shaped frame with made-up forecasts around the truth."""
    rng = np.random.default_rng(seed)
    rows = []
    for symbol in PRICES:
        for o in origins:
            for k in range(1, h + 1):
                actual = PRICES[symbol].iloc[o + k]
                fc = actual + noise * rng.normal()
                rows.append(
                    dict(
                        model="net",
                        symbol=symbol,
                        origin=INDEX[o],
                        step=k,
                        timestamp=INDEX[o + k],
                        last_price=PRICES[symbol].iloc[o],
                        forecast=fc,
                        lower=fc - 1.0,
                        upper=fc + 1.0,
                        actual=actual,
                    )
                )
    return pd.DataFrame(rows)


def test_baselines_against_hand_computed_values():
    cv = _cv(origins=(6,), h=3)
    base = baselines(PRICES, cv, season_length=2)
    a = base[cv["symbol"] == "A"]
    # origin row 6 (price 13), first price 10 at row 0: drift slope (13 - 10) / 6 = 0.5
    assert a["naive"].tolist() == [13.0, 13.0, 13.0]
    assert a["drift"].tolist() == [13.5, 14.0, 14.5]
    # seasonal naive with m = 2: steps 1, 2 -> rows 5, 6; step 3 -> row 7 - 4 = 3... row o + k - m*ceil(k/m)
    assert a["seasonal_naive"].tolist() == [
        PRICES["A"].iloc[5],
        PRICES["A"].iloc[6],
        PRICES["A"].iloc[5],
    ]
    b = base[cv["symbol"] == "B"]
    # B starts at row 2 (50); at row 6 it is 50: no drift
    assert b["drift"].tolist() == [50.0, 50.0, 50.0]


def test_baselines_need_history_before_the_origin():
    with pytest.raises(DataError, match="less than a season"):
        baselines(PRICES, _cv(origins=(2,), h=1), season_length=5)


def _reference_frames(cv):
    df = cv.rename(
        columns={"symbol": "unique_id", "timestamp": "ds", "origin": "cutoff", "actual": "y"}
    )
    df = df.assign(**{"net": df["forecast"], "net-lo-80": df["lower"], "net-hi-80": df["upper"]})
    train = PRICES.stack().rename("y").rename_axis(["ds", "unique_id"]).reset_index()
    return df, train.sort_values(["unique_id", "ds"])


def test_metrics_match_utilsforecast():
    cv = _cv(noise=0.8)
    report = accuracy_report(cv, PRICES, level=80)
    df, train = _reference_frames(cv)
    # utilsforecast averages per (series, cutoff); with equal group sizes the means agree
    assert report.loc["net", "mae"] == pytest.approx(losses.mae(df, ["net"])["net"].mean())
    assert report.loc["net", "rmse"] == pytest.approx(
        np.sqrt((cv["forecast"] - cv["actual"]).pow(2).mean())
    )
    ref_mase = losses.mase(df, ["net"], seasonality=1, train_df=train)["net"].mean()
    assert report.loc["net", "mase"] == pytest.approx(ref_mase)
    ref_cov = losses.coverage(df, ["net"], level=80)["net"].mean()
    assert report.loc["net", "coverage"] == pytest.approx(ref_cov)
    assert (
        report.attrs["level"] == 80
        and report.attrs["n_symbols"] == 2
        and report.attrs["n_origins"] == 2
    )


def test_directional_accuracy_and_skill_by_hand():
    cv = _cv(origins=(6,), h=2)
    cv["symbol"] = cv["symbol"].astype(object)
    # A from 13: actual 15, 16 (up, up); B from 50: actual 49, 53 (down, up)
    cv["forecast"] = [
        14.0,
        12.0,
        50.0,
        51.0,
    ]  # up (right), down (wrong), flat (skipped), up (right)
    report = accuracy_report(cv, PRICES, season_length=1)
    assert report.loc["net", "directional_accuracy"] == pytest.approx(2 / 3)
    assert np.isnan(report.loc["naive", "directional_accuracy"])  # the random walk has no direction
    naive_mae = np.mean([2, 3, 1, 3])
    assert report.loc["naive", "mae"] == pytest.approx(naive_mae)
    assert report.loc["net", "skill_vs_naive"] == pytest.approx(
        1 - np.mean([1, 4, 1, 2]) / naive_mae
    )
    assert report.attrs["up_share"] == pytest.approx(3 / 4)


def test_verdict_tells_who_wins_from_the_numbers():
    perfect = accuracy_report(_cv(noise=0.0), PRICES, level=80)
    assert "net beats the random walk" in verdict(perfect)
    assert "intervals held 100.0% of outcomes (too wide)" in verdict(perfect)
    awful = _cv(noise=0.0)
    awful["forecast"] = awful["actual"] * 2
    awful["lower"], awful["upper"] = awful["forecast"] - 1, awful["forecast"] + 1
    text = verdict(accuracy_report(awful, PRICES, level=80))
    assert "net does NOT beat the random walk" in text and "(too narrow)" in text


def _newey_west_p(d, lags):
    """Two-sided p-value of mean(d) = 0 with a Bartlett-kernel (Newey-West) variance, by hand."""
    from scipy import stats

    n, u = len(d), d - d.mean()
    s = u @ u / n
    for k in range(1, lags + 1):
        s += 2 * (1 - k / (lags + 1)) * (u[k:] @ u[:-k]) / n
    return 2 * stats.norm.sf(abs(d.mean() / np.sqrt(s / n)))


def test_diebold_mariano_matches_a_hand_written_newey_west():
    rng = np.random.default_rng(3)
    origins = np.repeat(np.arange(40), 6)  # 40 origins x (2 symbols x 3 steps)
    naive = rng.normal(0, 1, origins.size)
    better = naive * 0.8 + rng.normal(0, 0.2, origins.size)
    d = pd.Series(np.abs(better) - np.abs(naive)).groupby(origins).mean().to_numpy()
    assert dm_pvalue(better, naive, origins, h=3) == pytest.approx(_newey_west_p(d, 2), rel=1e-9)
    assert np.isnan(dm_pvalue(naive, naive, origins, h=3))  # identical forecasts: nothing to test


def test_models_must_share_rows():
    cv = _cv()
    other = cv.assign(model="other").iloc[::-1]
    with pytest.raises(DataError, match="other"):
        accuracy_report(pd.concat([cv, other]), PRICES)
