"""Shared fixtures: real bundled samples and a private NTLAB_HOME per test session."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")


@pytest.fixture(autouse=True)
def _private_home(tmp_path, monkeypatch):
    monkeypatch.setenv("NTLAB_HOME", str(tmp_path / "ntlab_home"))
    for key in ("ALPACA_API_KEY", "ALPACA_SECRET_KEY", "APCA_API_KEY_ID", "APCA_API_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)


@pytest.fixture(scope="session")
def stocks():
    from ntlab.data import load_sample

    return load_sample("stocks")


@pytest.fixture(scope="session")
def sp500_1y():
    from ntlab.data import load_sample

    return load_sample("sp500_1y")


def make_bars(n=300, symbols=("AAA", "BBB"), seed=0, start="2024-01-02"):
    """A small seeded random-walk OHLCV panel (for cases that need exact control)."""
    from ntlab.data import MarketData

    rng = np.random.default_rng(seed)
    index = pd.date_range(start, periods=n, freq="B", tz="UTC")
    fields = {k: {} for k in ("open", "high", "low", "close", "volume")}
    for s in symbols:
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
        open_ = close * np.exp(rng.normal(0, 0.003, n))
        high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.01, n))
        low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.01, n))
        for k, v in zip(fields, (open_, high, low, close, rng.integers(1_000, 10_000, n).astype(float))):
            fields[k][s] = v
    return MarketData({k: pd.DataFrame(v, index=index) for k, v in fields.items()}, name="synthetic")


@pytest.fixture
def bars():
    return make_bars()
