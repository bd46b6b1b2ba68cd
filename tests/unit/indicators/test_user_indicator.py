"""A user's own indicator, registered at run time, gets the built-ins' checks and lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import ntlab.indicators as ind
from ntlab.errors import CheckError, ConfigError
from ntlab.indicators import stream
from ntlab.testing import check_indicator


def midrange(high, low, close, window: int = 5):
    """Mean over ``window`` traded bars of (high + low) / 2 (``close`` unused: HLC inputs)."""
    return ind.sma((high + low) / 2, window)


class Midrange(stream.StreamIndicator):
    """Streaming twin, written in plain Python over the built-in SMA stream."""

    inputs = ("high", "low", "close")

    def __init__(self, window: int = 5, *, n_symbols: int | None = None) -> None:
        self._sma = stream.SMA(window, n_symbols=n_symbols)
        self.window = window

    def update(self, high, low, close):
        return self._sma.update(
            (np.asarray(high) + np.asarray(low)) / 2 if self._sma.n_symbols else (high + low) / 2
        )

    def reset(self):
        self._sma.reset()

    @property
    def n_seen(self):
        return self._sma.n_seen

    @property
    def warmup(self) -> int:
        return self.window - 1

    def params(self):
        return {"window": self.window}


@pytest.fixture
def registered():
    spec = ind.register_indicator(midrange, Midrange)
    yield spec
    ind.unregister_indicator("midrange")


def test_user_indicator_passes_the_shared_checks(registered):
    def reference(high, low, close, params):  # an independent pandas definition
        return [pd.Series((high + low) / 2).rolling(params["window"]).mean().to_numpy()]

    report = check_indicator(
        "midrange", reference=reference, variants=[{"window": 5}, {"window": 3}], exact=False
    )
    assert "stream_equals_batch" in report.passed and "reference" in report.passed
    assert registered.params == {"window": 5}  # read from the function's signature
    assert ind.warmup("midrange") == 4 and ind.warmup("midrange", window=9) == 8
    assert ind.get_indicator("midrange") is registered
    assert registered in ind.indicators() and registered not in ind.INDICATORS


def test_a_broken_stream_fails_the_check():
    class Off(Midrange):
        def update(self, high, low, close):
            return super().update(high, low, close) * 1.0000001

    ind.register_indicator(midrange, Off, name="midrange_off")
    try:
        with pytest.raises(CheckError, match=r"midrange_off.*stream"):
            check_indicator("midrange_off")
    finally:
        ind.unregister_indicator("midrange_off")


def test_a_wrong_warmup_fails_the_check():
    class Late(Midrange):
        @property
        def warmup(self) -> int:
            return self.window

    ind.register_indicator(midrange, Late, name="midrange_late")
    try:
        with pytest.raises(CheckError, match="warmup"):
            check_indicator("midrange_late")
    finally:
        ind.unregister_indicator("midrange_late")


def test_registration_is_refused_clearly():
    with pytest.raises(ConfigError, match="registered already"):
        ind.register_indicator(ind.rsi, stream.RSI)
    with pytest.raises(ConfigError, match="StreamIndicator"):
        ind.register_indicator(midrange, object, name="x1")
    with pytest.raises(ConfigError, match="need defaults"):
        ind.register_indicator(lambda high, low, close, window: high, Midrange, name="x2")
    with pytest.raises(ConfigError, match="built-in"):
        ind.unregister_indicator("rsi")
    with pytest.raises(ConfigError, match="unknown indicator"):
        ind.unregister_indicator("never_registered")


def test_builtin_defaults_are_read_from_signatures():
    assert dict(ind.get_indicator("rsi").params) == {"window": 14}
    assert dict(ind.get_indicator("macd").params) == {"fast": 12, "slow": 26, "signal": 9}
    assert ind.warmup("macd") == 26 + 9 - 2 and ind.warmup("adx", window=5) == 9
