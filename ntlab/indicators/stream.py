"""Streaming (incremental) indicators: update bar by bar, exactly the batch values.

Every class mirrors a batch function (same parameters, same defaults)::

    rsi = stream.RSI(window=14)                 # one symbol
    value = rsi.update(101.25)                  # float (NaN during warm-up)
    many = stream.RSI(window=14, n_symbols=500) # 500 symbols at once
    values = many.update(closes_of_this_bar)    # ndarray of 500

Bar indicators take ``update(high, low, close)`` (VWAP adds ``volume``; OBV takes
``close, volume``); pair indicators ``update(x, y)``. Multi-output indicators return the
batch function's NamedTuple (of floats, or of arrays). A NaN input leaves the symbol's
state untouched and gives NaN, exactly as the batch functions skip missing bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ntlab.indicators._frame import check_float, check_int
from ntlab.indicators._ma_nb import ema_step_nb, sma_step_nb, wma_step_nb
from ntlab.indicators._osc_nb import macd_step_nb, roc_step_nb, rsi_step_nb
from ntlab.indicators._range_stream_nb import adx_step_nb, atr_step_nb, cci_step_nb, stoch_step_nb
from ntlab.indicators._stats_stream_nb import (
    bollinger_step_nb,
    features_step_nb,
    pair_step_nb,
    volatility_step_nb,
    zscore_step_nb,
)
from ntlab.indicators._stream_base import StreamIndicator
from ntlab.indicators._volume_nb import obv_step_nb, volume_ratio_step_nb, vwap_step_nb
from ntlab.indicators.features import DEFAULT_HORIZONS, _horizons, feature_names
from ntlab.indicators.oscillators import (
    ADXResult,
    MACDResult,
    StochResult,
    macd_params,
    macd_warmup,
    stoch_params,
)
from ntlab.indicators.volatility import BollingerResult, volatility_scale

__all__ = [
    "StreamIndicator",
    "SMA",
    "EMA",
    "WMA",
    "RSI",
    "MACD",
    "Stoch",
    "CCI",
    "ADX",
    "ROC",
    "MOM",
    "Returns",
    "TrueRange",
    "ATR",
    "Bollinger",
    "Volatility",
    "ZScore",
    "Corr",
    "Beta",
    "OBV",
    "VWAP",
    "VolumeRatio",
    "ReturnFeatures",
]

HLC = ("high", "low", "close")


class _Windowed(StreamIndicator):
    """One close in, one value out, one ``window`` parameter."""

    minimum = 1

    def __init__(self, window: int = 20, *, n_symbols: int | None = None) -> None:
        self.window = check_int("window", window, minimum=self.minimum, what=type(self).__name__)
        self._init(n_symbols)

    def _init(self, n_symbols: int | None) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def params(self) -> dict[str, Any]:
        return {"window": self.window}

    @property
    def warmup(self) -> int:
        return self.window - 1


class SMA(_Windowed):
    """Streaming :func:`ntlab.indicators.sma`."""

    def _init(self, n_symbols):
        self._setup(
            n_symbols, step=sma_step_nb, args=(self.window,), n_ring=1, ring_len=self.window
        )


class EMA(_Windowed):
    """Streaming :func:`ntlab.indicators.ema`."""

    def _init(self, n_symbols):
        self._setup(n_symbols, step=ema_step_nb, args=(self.window, 2.0 / (self.window + 1)))


class WMA(_Windowed):
    """Streaming :func:`ntlab.indicators.wma`."""

    def _init(self, n_symbols):
        self._setup(
            n_symbols,
            step=wma_step_nb,
            args=(self.window,),
            n_float=3,
            n_ring=1,
            ring_len=self.window,
        )


class RSI(_Windowed):
    """Streaming :func:`ntlab.indicators.rsi`."""

    minimum = 2

    def __init__(self, window: int = 14, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)

    def _init(self, n_symbols):
        self._setup(n_symbols, step=rsi_step_nb, args=(self.window,), n_float=3)

    @property
    def warmup(self) -> int:
        return self.window


class _Change(_Windowed):
    kind = 0

    def __init__(self, window: int = 10, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)

    def _init(self, n_symbols):
        self._setup(
            n_symbols,
            step=roc_step_nb,
            args=(self.window, self.kind),
            n_ring=1,
            ring_len=self.window + 1,
        )

    @property
    def warmup(self) -> int:
        return self.window


class MOM(_Change):
    """Streaming :func:`ntlab.indicators.momentum`."""

    kind = 0


class ROC(_Change):
    """Streaming :func:`ntlab.indicators.roc`."""

    kind = 1


class Returns(StreamIndicator):
    """Streaming :func:`ntlab.indicators.returns`."""

    def __init__(
        self, periods: int = 1, log: bool = False, *, n_symbols: int | None = None
    ) -> None:
        self.periods = check_int("periods", periods, minimum=1, what="Returns")
        self.log = bool(log)
        p = self.periods
        self._setup(
            n_symbols, step=roc_step_nb, args=(p, 3 if self.log else 2), n_ring=1, ring_len=p + 1
        )

    def params(self):
        return {"periods": self.periods, "log": self.log}

    @property
    def warmup(self) -> int:
        return self.periods


class MACD(StreamIndicator):
    """Streaming :func:`ntlab.indicators.macd`; ``update`` returns ``MACD(line, signal, hist)``."""

    outputs = MACDResult._fields
    result_type = MACDResult

    def __init__(
        self, fast: int = 12, slow: int = 26, signal: int = 9, *, n_symbols: int | None = None
    ) -> None:
        self.fast, self.slow, self.signal = macd_params(fast, slow, signal, what="MACD")
        self._setup(
            n_symbols, step=macd_step_nb, args=(self.fast, self.slow, self.signal), n_float=3
        )

    def params(self):
        return {"fast": self.fast, "slow": self.slow, "signal": self.signal}

    @property
    def warmup(self) -> int:
        return macd_warmup(self.fast, self.slow, self.signal)


class Stoch(StreamIndicator):
    """Streaming :func:`ntlab.indicators.stoch`; ``update(high, low, close)`` -> ``Stoch(k, d)``."""

    inputs = HLC
    outputs = StochResult._fields
    result_type = StochResult

    def __init__(
        self, fastk: int = 5, slowk: int = 3, slowd: int = 3, *, n_symbols: int | None = None
    ) -> None:
        self.fastk, self.slowk, self.slowd = stoch_params(fastk, slowk, slowd, what="Stoch")
        ring = max(self.fastk, self.slowk, self.slowd)
        self._setup(
            n_symbols,
            step=stoch_step_nb,
            args=(self.fastk, self.slowk, self.slowd),
            n_float=4,
            n_int=3,
            n_ring=4,
            ring_len=ring,
        )

    def params(self):
        return {"fastk": self.fastk, "slowk": self.slowk, "slowd": self.slowd}

    @property
    def warmup(self) -> int:
        return self.fastk + self.slowk + self.slowd - 3


class CCI(_Windowed):
    """Streaming :func:`ntlab.indicators.cci`: ``update(high, low, close)``; O(window) per bar."""

    inputs = HLC
    minimum = 2

    def __init__(self, window: int = 14, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)

    def _init(self, n_symbols):
        self._setup(
            n_symbols, step=cci_step_nb, args=(self.window,), n_ring=1, ring_len=self.window
        )


class ADX(_Windowed):
    """Streaming :func:`ntlab.indicators.adx`: ``update(high, low, close)`` -> ``ADX(adx, plus_di, minus_di)``."""

    inputs = HLC
    outputs = ADXResult._fields
    result_type = ADXResult
    minimum = 2

    def __init__(self, window: int = 14, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)

    def _init(self, n_symbols):
        self._setup(n_symbols, step=adx_step_nb, args=(self.window,), n_float=7)

    @property
    def warmup(self) -> int:
        return 2 * self.window - 1


class ATR(_Windowed):
    """Streaming :func:`ntlab.indicators.atr`: ``update(high, low, close)``."""

    inputs = HLC

    def __init__(self, window: int = 14, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)

    def _init(self, n_symbols):
        self._setup(n_symbols, step=atr_step_nb, args=(self.window, True), n_float=2)

    @property
    def warmup(self) -> int:
        return self.window


class TrueRange(StreamIndicator):
    """Streaming :func:`ntlab.indicators.true_range`: ``update(high, low, close)``."""

    inputs = HLC

    def __init__(self, *, n_symbols: int | None = None) -> None:
        self._setup(n_symbols, step=atr_step_nb, args=(1, False), n_float=2)

    @property
    def warmup(self) -> int:
        return 1


class Bollinger(StreamIndicator):
    """Streaming :func:`ntlab.indicators.bollinger` -> ``Bollinger(upper, middle, lower, percent_b, bandwidth)``."""

    outputs = BollingerResult._fields
    result_type = BollingerResult

    def __init__(self, window: int = 20, k: float = 2.0, *, n_symbols: int | None = None) -> None:
        self.window = check_int("window", window, minimum=2, what="Bollinger")
        self.k = check_float("k", k, what="Bollinger", positive=True)
        self._setup(
            n_symbols,
            step=bollinger_step_nb,
            args=(self.window, self.k),
            n_float=5,
            n_int=2,
            n_ring=1,
            ring_len=self.window + 1,
        )

    def params(self):
        return {"window": self.window, "k": self.k}

    @property
    def warmup(self) -> int:
        return self.window - 1


class ZScore(_Windowed):
    """Streaming :func:`ntlab.indicators.rolling_zscore`."""

    minimum = 2

    def _init(self, n_symbols):
        self._setup(
            n_symbols,
            step=zscore_step_nb,
            args=(self.window,),
            n_float=5,
            n_int=2,
            n_ring=1,
            ring_len=self.window + 1,
        )


class Volatility(StreamIndicator):
    """Streaming :func:`ntlab.indicators.rolling_volatility`."""

    def __init__(
        self,
        window: int = 20,
        log: bool = True,
        periods_per_year: float | None = None,
        *,
        n_symbols: int | None = None,
    ) -> None:
        self.window = check_int("window", window, minimum=2, what="Volatility")
        self.log = bool(log)
        self.periods_per_year = periods_per_year
        scale = volatility_scale(periods_per_year, what="Volatility")
        self._setup(
            n_symbols,
            step=volatility_step_nb,
            args=(self.window, self.log, scale),
            n_float=5,
            n_int=2,
            n_ring=1,
            ring_len=self.window + 1,
        )

    def params(self):
        return {"window": self.window, "log": self.log, "periods_per_year": self.periods_per_year}

    @property
    def warmup(self) -> int:
        return self.window


class _Pair(_Windowed):
    inputs = ("x", "y")
    minimum = 2
    corr = True

    def _init(self, n_symbols):
        self._setup(
            n_symbols,
            step=pair_step_nb,
            args=(self.window, self.corr),
            n_float=7,
            n_ring=2,
            ring_len=self.window + 1,
        )


class Corr(_Pair):
    """Streaming :func:`ntlab.indicators.rolling_corr`: ``update(x, y)``."""

    corr = True

    def __init__(self, window: int = 30, *, n_symbols: int | None = None) -> None:
        super().__init__(window, n_symbols=n_symbols)


class Beta(_Pair):
    """Streaming :func:`ntlab.indicators.rolling_beta`: ``update(x, benchmark)``."""

    inputs = ("x", "benchmark")
    corr = False


class OBV(StreamIndicator):
    """Streaming :func:`ntlab.indicators.obv`: ``update(close, volume)``."""

    inputs = ("close", "volume")

    def __init__(self, *, n_symbols: int | None = None) -> None:
        self._setup(n_symbols, step=obv_step_nb, args=(), n_float=2)

    @property
    def warmup(self) -> int:
        return 0


class VWAP(StreamIndicator):
    """Streaming :func:`ntlab.indicators.vwap`: ``update(high, low, close, volume)``."""

    inputs = ("high", "low", "close", "volume")

    def __init__(self, window: int | None = 20, *, n_symbols: int | None = None) -> None:
        self.window = (
            None if window is None else check_int("window", window, minimum=1, what="VWAP")
        )
        w = self.window or 0
        self._setup(n_symbols, step=vwap_step_nb, args=(w,), n_float=2, n_ring=2, ring_len=w + 1)

    def params(self):
        return {"window": self.window}

    @property
    def warmup(self) -> int:
        return max((self.window or 0) - 1, 0)


class VolumeRatio(_Windowed):
    """Streaming :func:`ntlab.indicators.volume_ratio`: ``update(volume)``."""

    inputs = ("volume",)

    def _init(self, n_symbols):
        self._setup(
            n_symbols,
            step=volume_ratio_step_nb,
            args=(self.window,),
            n_ring=1,
            ring_len=self.window,
        )


class ReturnFeatures(StreamIndicator):
    """Streaming :func:`ntlab.indicators.return_features`: ``update(close, volume)`` returns a
    dict ``{"ret_5": ..., "volume_ratio": ...}`` of floats (or arrays)."""

    inputs = ("close", "volume")

    def __init__(
        self,
        horizons: Sequence[int] = DEFAULT_HORIZONS,
        volume_window: int = 20,
        *,
        n_symbols: int | None = None,
    ) -> None:
        self.horizons = _horizons(horizons)
        self.volume_window = check_int(
            "volume_window", volume_window, minimum=1, what="ReturnFeatures"
        )
        self.outputs = feature_names(self.horizons)  # type: ignore[misc]
        ring = max(max(self.horizons), self.volume_window) + 1
        hs = np.array(self.horizons, dtype=np.int64)
        self._setup(
            n_symbols,
            step=features_step_nb,
            args=(hs, self.volume_window),
            n_int=2,
            n_ring=2,
            ring_len=ring,
        )

    def params(self):
        return {"horizons": self.horizons, "volume_window": self.volume_window}

    @property
    def warmup(self) -> int:
        return max(max(self.horizons), self.volume_window - 1)

    def _pack(self, values: list[Any]) -> dict[str, Any]:
        return dict(zip(self.outputs, values))
