"""Real bundled returns for the risk tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def sp20_returns():
    """Daily returns of 20 S&P 500 stocks, 1990-2022 (skfolio's dataset), shape (8312, 20)."""
    from ntlab.data import load_sample

    return load_sample("sp500_20").close.pct_change().iloc[1:]


@pytest.fixture(scope="session")
def index_returns():
    """Daily returns of the S&P 500 and NASDAQ Composite indices, 1999-2018, shape (5030, 2)."""
    from ntlab.data import load_sample

    return load_sample("indices").close.pct_change().iloc[1:]


@pytest.fixture(scope="session")
def sp20_last_prices():
    from ntlab.data import load_sample

    return load_sample("sp500_20").close.iloc[-1]
