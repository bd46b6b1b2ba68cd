import pandas as pd
import pytest

from ntlab.data.store import LocalStore
from ntlab.errors import DataError
from tests.conftest import make_bars

FULL = make_bars(n=60, symbols=("A", "B"), start="2024-01-01")


def _counting_fetcher(calls):
    def fetch(symbols, start, end):
        calls.append((tuple(symbols), start, end))
        return FULL.select(symbols).between(start, end)

    return fetch


def test_store_reuses_held_ranges(tmp_path):
    store, calls = LocalStore(tmp_path), []
    fetch = _counting_fetcher(calls)
    start, end = FULL.index[5], FULL.index[30]
    first = store.bars("test", ["A", "B"], start, end, fetch)
    assert len(calls) == 1 and first.n_bars == 26
    again = store.bars("test", ["A", "B"], start, end, fetch)
    assert len(calls) == 1, "a range already held must not be fetched again"
    assert again == first
    inner = store.bars("test", ["A"], FULL.index[10], FULL.index[20], fetch)
    assert len(calls) == 1 and inner.n_bars == 11
    wider = store.bars("test", ["A"], start, FULL.index[40], fetch)
    assert len(calls) == 2 and calls[-1][1] == end.to_pydatetime()  # only the missing tail
    assert wider.close["A"].equals(FULL.close["A"].loc[start : FULL.index[40]])


def test_datasets_round_trip(tmp_path, sp500_1y):
    store = LocalStore(tmp_path)
    small = sp500_1y.select(["AAPL", "MSFT"])
    store.save_dataset("mine", small)
    back = store.load_dataset("mine")
    assert back.close.equals(small.close) and back.meta.loc["AAPL", "sector"] == "Information Technology"
    assert store.datasets() == ["mine"]
    with pytest.raises(DataError, match="no stored dataset 'other'"):
        store.load_dataset("other")
    with pytest.raises(DataError, match="may hold letters"):
        store.save_dataset("../escape", small)


def test_store_reports_symbols_without_bars(tmp_path):
    def fetch(symbols, start, end):
        return FULL.select(["A"]).between(start, end)

    with pytest.raises(DataError, match=r"no bars for \['B'\]"):
        LocalStore(tmp_path).bars("t", ["A", "B"], FULL.index[0], FULL.index[3], fetch)
    assert isinstance(FULL.index, pd.DatetimeIndex)
