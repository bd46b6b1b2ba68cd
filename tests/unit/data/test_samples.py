import numpy as np
import pytest

from ntlab.data import list_samples, load, load_sample
from ntlab.errors import DataError


@pytest.mark.parametrize(
    "name, symbols, n_symbols, first, last",
    [
        ("stocks", ["AAPL", "FB", "GOOG", "IBM", "MSFT"], 5, "2000-03-01", "2013-03-01"),
        ("sp500_20", ["AAPL", "AMD"], 20, "1990-01-02", "2022-12-28"),
        ("indices", ["NASDAQ", "SP500"], 2, "1999-01-04", "2018-12-31"),
        ("sp500_1y", ["A", "AA", "AAPL"], 524, "2009-08-21", "2010-08-20"),
    ],
)
def test_each_sample_loads_real_data(name, symbols, n_symbols, first, last):
    md = load_sample(name)
    assert md.n_symbols == n_symbols
    assert set(symbols) <= set(md.symbols)
    assert str(md.index[0].tz_convert("America/New_York").date()) == first
    assert str(md.index[-1].tz_convert("America/New_York").date()) == last
    assert md is load(f"sample:{name}")  # cached, immutable


def test_stock_sample_is_split_adjusted():
    aapl = load_sample("stocks").close["AAPL"]
    # AAPL split 2:1 on 2005-02-28: unadjusted closes fall ~50% that day, adjusted ones do not
    day_returns = aapl.pct_change()
    split_day = day_returns[day_returns.index.tz_convert("America/New_York").date.astype(str) == "2005-02-28"]
    assert abs(split_day.iloc[0]) < 0.05
    # the largest daily move is the real 2000-09-29 profit warning (-52%), not a split artefact
    assert day_returns.idxmin().tz_convert("America/New_York").date().isoformat() == "2000-09-29"
    # a known adjusted value from the source file (adj_close on 2000-03-01)
    assert aapl.iloc[0] == pytest.approx(4.186662803811, rel=1e-12)


def test_sample_values_match_source_rows():
    idx = load_sample("indices")
    assert idx.close["SP500"].iloc[0] == pytest.approx(1228.099976)
    assert idx.open["NASDAQ"].iloc[0] == pytest.approx(2207.540039)
    sp = load_sample("sp500_20")
    assert sp.close["AAPL"].iloc[0] == pytest.approx(0.264) and sp.fields == ("close",)


def test_sectors_and_listing():
    md = load_sample("sp500_1y")
    assert md.meta.loc["AAPL", "sector"] == "Information Technology"
    assert md.meta["sector"].notna().mean() > 0.8
    table = list_samples()
    assert set(table.index) == {"stocks", "sp500_20", "indices", "sp500_1y"}
    assert np.isfinite(md.close.to_numpy()[~np.isnan(md.close.to_numpy())]).all()


def test_unknown_sample():
    with pytest.raises(DataError, match="unknown sample 'nope'"):
        load_sample("nope")
    with pytest.raises(DataError, match="not understood"):
        load("ftp:whatever")
