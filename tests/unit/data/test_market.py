import numpy as np
import pandas as pd
import pytest

from ntlab.data import MarketData
from ntlab.errors import DataError, UnknownSymbolError, ValidationError
from tests.conftest import make_bars


def _frames(n=6, **overrides):
    index = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC")
    base = {
        "open": [10.0, 11, 12, 13, 14, 15][:n],
        "high": [11.0, 12, 13, 14, 15, 16][:n],
        "low": [9.0, 10, 11, 12, 13, 14][:n],
        "close": [10.5, 11.5, 12.5, 13.5, 14.5, 15.5][:n],
        "volume": [100.0] * n,
    }
    out = {}
    for k, v in base.items():
        col = overrides.get(k, v)
        out[k] = pd.DataFrame({"AAA": col}, index=overrides.get("index", index))
    return out


def test_valid_panel_round_trips_through_frame_and_long():
    md = make_bars(n=50, symbols=("X", "Y", "Z"))
    assert md.shape == (50, 3) and md.symbols == ["X", "Y", "Z"]
    assert str(md.index.tz) == "UTC"
    assert MarketData.from_frame(md.to_frame()) == md
    assert MarketData.from_long(md.to_long()) == md


def test_panel_is_immutable():
    md = make_bars(n=10)
    close = md.close
    close.iloc[0, 0] = -1.0
    assert md.close.iloc[0, 0] > 0
    with pytest.raises(ValueError):
        md.field("close").to_numpy()[0, 0] = 5.0


@pytest.mark.parametrize(
    "override, message",
    [
        ({"index": pd.DatetimeIndex(["2024-01-01", "2024-01-03", "2024-01-02", "2024-01-04", "2024-01-05", "2024-01-06"], tz="UTC")}, r"not sorted at row 2 \(2024-01-02"),
        ({"index": pd.DatetimeIndex(["2024-01-01", "2024-01-02", "2024-01-02", "2024-01-04", "2024-01-05", "2024-01-06"], tz="UTC")}, "duplicate timestamp at row 2"),
        ({"index": pd.date_range("2024-01-01", periods=6, freq="D")}, "naive"),
        ({"high": [11.0, 12, 13, 10, 15, 16]}, r"AAA has high 10.0 < low 12.0 at row 3"),
        ({"close": [10.5, 11.5, -1, 13.5, 14.5, 15.5]}, r"AAA has non-positive or infinite close -1.0 at row 2"),
        ({"volume": [100.0, -5, 100, 100, 100, 100]}, "AAA has invalid volume -5.0 at row 1"),
    ],
)
def test_validation_names_symbol_and_row(override, message):
    with pytest.raises(ValidationError, match=message):
        MarketData(_frames(**override))


def test_nan_runs_are_limited_but_leading_gaps_allowed():
    n = 20
    index = pd.date_range("2024-01-01", periods=n, freq="D", tz="UTC")
    close = pd.DataFrame({"A": np.linspace(10, 20, n), "B": np.linspace(10, 20, n)}, index=index)
    close.iloc[:5, 1] = np.nan  # B lists later: fine
    MarketData.from_closes(close)
    close.iloc[8:15, 0] = np.nan  # 7 missing in a row inside A's history
    with pytest.raises(ValidationError, match=r"A has 7 missing closes in a row from row 8"):
        MarketData.from_closes(close)
    assert MarketData.from_closes(close, max_nan_run=7).n_symbols == 2


def test_mixed_zones_are_converted_and_naive_long_rejected():
    df = pd.DataFrame(
        {
            "timestamp": ["2024-01-02T09:30:00-05:00", "2024-01-03T09:30:00-05:00"],
            "symbol": ["A", "A"],
            "close": [1.0, 2.0],
        }
    )
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    md = MarketData.from_long(df)
    assert md.index[0] == pd.Timestamp("2024-01-02T14:30:00Z")
    naive = df.assign(timestamp=df["timestamp"].dt.tz_localize(None))
    with pytest.raises(ValidationError, match="naive"):
        MarketData.from_long(naive)


def test_long_frame_duplicates_name_the_symbol():
    df = pd.DataFrame(
        {
            "timestamp": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-02"], utc=True),
            "symbol": ["A", "B", "B"],
            "close": [1.0, 2.0, 2.1],
        }
    )
    with pytest.raises(ValidationError, match="B has a duplicate timestamp"):
        MarketData.from_long(df)


def test_selection_errors_and_slices():
    md = make_bars(n=30, symbols=("X", "Y"))
    with pytest.raises(UnknownSymbolError, match=r"unknown symbol\(s\) \['NOPE'\]"):
        md.select(["X", "NOPE"])
    with pytest.raises(ValidationError, match="empty range"):
        md.between("2030-01-01T00:00:00Z", "2030-02-01T00:00:00Z")
    with pytest.raises(DataError, match="naive"):
        md.between("2024-01-05", None)
    assert md[:10].n_bars == 10 and md[:10].index.equals(md.index[:10])
    assert md.select("Y").symbols == ["Y"]
    sub = md.between(md.index[3], md.index[7])
    assert sub.n_bars == 5
    with pytest.raises(DataError, match="no 'volume' field"):
        _ = MarketData.from_closes(md.close).volume
