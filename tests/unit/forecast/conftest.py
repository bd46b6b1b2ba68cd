"""Fixtures for the forecast tests: real bundled prices and tiny CPU models."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")

#: tiny, fast settings: a handful of training steps and narrow networks
TINY = {
    "h": 3,
    "input_size": 12,
    "max_steps": 5,
    "hidden_size": 8,
    "batch_size": 4,
    "windows_batch_size": 32,
    "device": "cpu",
}
TINY_KWARGS = {
    "nhits": {},
    "lstm": {"encoder_n_layers": 1, "decoder_layers": 1},
    "transformer": {"encoder_layers": 1},
}


def _tiny(model: str = "nhits", **changes):
    from ntlab.forecast import ForecasterConfig

    return ForecasterConfig(model=model, model_kwargs=TINY_KWARGS[model], **{**TINY, **changes})


@pytest.fixture(scope="session")
def tiny():
    """Builder of tiny configs: ``tiny("lstm", target="log_return")``."""
    return _tiny


@pytest.fixture(scope="session")
def prices():
    """Real daily closes: 3 S&P 500 stocks, the last 300 bars of the skfolio sample."""
    from ntlab.data import load_sample

    return load_sample("sp500_20").select(["AAPL", "JNJ", "XOM"])[-300:]


@pytest.fixture(scope="session")
def fitted(prices, tiny):
    """A tiny NHITS fitted once for the session (do not refit or mutate it)."""
    from ntlab.forecast import Forecaster

    return Forecaster(tiny("nhits")).fit(prices)
