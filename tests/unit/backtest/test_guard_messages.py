"""Issue 14, hole 8: non-determinism is called so, NaN equity raises, numbers print plainly."""

import numpy as np
import pandas as pd
import pytest

from ntlab.backtest import run_event
from ntlab.errors import DataError, LookAheadError, NonDeterministicError
from ntlab.risk.measures import to_returns
from ntlab.testing import check_strategy
from tests.unit.backtest._leaky import Jitter, Smooth


def test_non_determinism_is_not_reported_as_look_ahead(bars):
    with pytest.raises(NonDeterministicError, match="not deterministic") as info:
        run_event(Jitter(), bars)
    assert "uses data after" not in str(info.value)
    with pytest.raises(NonDeterministicError):
        check_strategy(Jitter(), bars)


def test_a_leak_message_prints_plain_numbers(bars):
    with pytest.raises(LookAheadError) as info:
        run_event(Smooth(smooth=15), bars)
    text = str(info.value)
    assert "np.float64" not in text and "uses data after bar" in text
    assert " is 0 with " in text or " is 1 with " in text


def test_to_returns_raises_on_nan_equity():
    index = pd.date_range("2024-01-01", periods=4, freq="D", tz="UTC")
    with pytest.raises(DataError, match="NaN"):
        to_returns(pd.Series([100.0, np.nan, 101.0, 102.0], index=index))
    ok = to_returns(pd.Series([100.0, 110.0, 99.0, 99.0], index=index))
    np.testing.assert_allclose(ok.to_numpy(), [0.0, 0.1, -0.1, 0.0])
