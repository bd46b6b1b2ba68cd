"""The real alpaca-py data clients against a local server speaking Alpaca's bars format."""

import pandas as pd
import pytest

from ntlab.data import load, load_sample
from ntlab.data.alpaca import fetch_alpaca_bars
from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.exchange.bars import bars_routes
from ntlab.exchange.serving import serve_in_thread

SAMPLE = load_sample("stocks")


@pytest.fixture(scope="module")
def server():
    from starlette.applications import Starlette

    requests = []
    app = Starlette(routes=bars_routes(SAMPLE, max_limit=1000, on_request=lambda path, params: requests.append((path, params))))
    with serve_in_thread(app) as url:
        yield url, requests


@pytest.fixture
def keys(monkeypatch):
    monkeypatch.setenv("ALPACA_API_KEY", "test-key")
    monkeypatch.setenv("ALPACA_SECRET_KEY", "test-secret")


def test_stock_bars_with_pagination(server, keys):
    url, requests = server
    before = len(requests)
    md = fetch_alpaca_bars(["AAPL", "MSFT"], "2010-01-01T00:00:00Z", "2013-03-01T23:59:59Z", url_override=url)
    expected = SAMPLE.select(["AAPL", "MSFT"]).between("2010-01-01T00:00:00Z", "2013-03-01T23:59:59Z")
    assert md.symbols == ["AAPL", "MSFT"] and md.n_bars == expected.n_bars == 795
    pd.testing.assert_frame_equal(md.close, expected.close, check_names=False)
    pd.testing.assert_frame_equal(md.volume, expected.volume, check_names=False, rtol=1e-9)
    # 1590 bars in pages of at most 1000: alpaca-py followed next_page_token once
    assert len(requests) - before == 2
    assert requests[-1][1]["page_token"]


def test_crypto_bars_need_no_keys(server):
    url, _ = server
    md = fetch_alpaca_bars("IBM", "2012-01-01T00:00:00Z", "2012-02-01T00:00:00Z", asset="crypto", url_override=url)
    assert md.n_bars == 20  # trading days in January 2012


def test_missing_keys_and_unknown_symbols(server, keys, monkeypatch):
    url, _ = server
    with pytest.raises(UnknownSymbolError, match=r"no bars for \['NOPE'\]"):
        fetch_alpaca_bars(["AAPL", "NOPE"], "2012-01-01T00:00:00Z", "2012-02-01T00:00:00Z", url_override=url)
    monkeypatch.delenv("ALPACA_API_KEY")
    with pytest.raises(ConfigError, match="ALPACA_API_KEY"):
        fetch_alpaca_bars(["AAPL"], "2012-01-01T00:00:00Z", "2012-02-01T00:00:00Z", url_override=url)


def test_spec_goes_through_the_store_once(server, keys):
    url, requests = server
    spec = "alpaca:AAPL,IBM?start=2011-01-01&end=2011-06-30"
    first = load(spec, url_override=url)
    sent = len(requests)
    again = load(spec, url_override=url)
    assert len(requests) == sent, "the second load must read only the local store"
    assert again == first and first.n_bars == 124
