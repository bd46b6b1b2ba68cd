from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from ntlab.errors import DataError, NtlabError
from ntlab.strategies import Signals, Strategy, StrategyConfig, get
from ntlab.strategies.live import RecomputeStream, Ring, SignalRow, open_stream
from ntlab.testing import check_stream


def test_ring_keeps_the_last_rows_contiguously():
    ring = Ring(3, 2)
    assert np.isnan(ring.tail()).all()
    for k in range(10):
        ring.append(np.array([k, -k], float))
        tail = ring.tail()
        assert tail.flags["C_CONTIGUOUS"]
        expected = [max(j, -1) for j in range(k - 2, k + 1)]
        got = [int(v) if np.isfinite(v) else -1 for v in tail[:, 0]]
        assert got == expected
    assert ring.ago(0)[0] == 9 and ring.ago(2)[1] == -7
    cube = Ring(2, 3, 4)
    cube.append(np.ones((3, 4)))
    assert cube.tail(1).shape == (1, 3, 4)


class _UserStrategy(Strategy):
    """A user's strategy without a stream of its own: RecomputeStream serves it."""

    name = "user_sma"

    class Config(StrategyConfig):
        pass

    def signals(self, data):
        above = (data.close > data.close.rolling(10).mean()).astype(float)
        return Signals(self.name, above, above * 0.5)


def test_recompute_stream_serves_any_strategy(stocks):
    data = stocks.select(["AAPL", "IBM"])[:200]
    strat = _UserStrategy()
    assert isinstance(open_stream(strat, data[:50]), RecomputeStream)
    assert check_stream(strat, data, 180) == 20


def test_stream_rejects_bad_bars(stocks):
    data = stocks.select(["AAPL", "IBM"])[:100]
    stream = get("momentum").stream(data)
    last = data.index[-1]
    bar = {f: data.field(f).iloc[-1].to_numpy() for f in data.fields}
    with pytest.raises(DataError, match="naive"):
        stream.update(datetime(2020, 1, 1), **bar)  # noqa: DTZ001
    with pytest.raises(DataError, match="not after"):
        stream.update(last, **bar)
    with pytest.raises(DataError, match="shape"):
        stream.update(last + pd.Timedelta(days=1), **{**bar, "close": np.ones(3)})
    with pytest.raises(DataError, match="missing"):
        stream.update(last + pd.Timedelta(days=1), close=bar["close"])
    row = stream.update(last + pd.Timedelta(days=1), **bar)
    assert stream.last is row and stream.n_seen == 101


def test_signal_row_records_match_the_batch_records(stocks):
    data = stocks.select(["AAPL", "IBM", "MSFT"])[:900]
    sig = get("momentum", allow_short=True).signals(data)
    row = SignalRow.from_signals(sig, -1)
    records = row.to_records(close=data.close.iloc[-1].to_numpy())
    batch = sig.latest(close=data.close)

    def strip(r):
        return {k: v for k, v in r.to_dict().items() if k != "id"}  # ids are fresh uuids

    assert [strip(r) for r in records] == [strip(r) for r in batch]


def test_check_stream_names_the_first_difference(stocks):
    data = stocks.select(["AAPL"])[:300]

    class Drifting(_UserStrategy):
        name = "drifting"

        def stream(self, history):
            s = RecomputeStream(self, history)
            original = s._step

            def step(ts, bar):
                row = original(ts, bar)
                return SignalRow(row.strategy_id, ts, row.symbols, row.target, row.confidence * 0.9)

            s._step = step
            return s

    with pytest.raises(
        NtlabError, match=r"stream differs from batch at bar 250 .*symbol AAPL, confidence"
    ):
        check_stream(Drifting(), data, 250)
