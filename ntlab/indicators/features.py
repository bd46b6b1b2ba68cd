"""Multi-timeframe return features used by the strategies.

``return_features`` gives, for each horizon h, the simple return over h bars
(``close / close[-h] - 1``) and the volume ratio (volume over its ``volume_window``-bar
mean), each as the caller's kind of object (Series or DataFrame (n_bars, n_symbols)).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError
from ntlab.indicators._frame import apply, check_int
from ntlab.indicators._osc_nb import roc_nb
from ntlab.indicators._volume_nb import volume_ratio_nb

__all__ = ["return_features", "feature_names", "DEFAULT_HORIZONS"]

DEFAULT_HORIZONS = (5, 10, 20, 50)


def _horizons(horizons: Sequence[int]) -> tuple[int, ...]:
    hs = tuple(check_int("horizon", h, minimum=1, what="return_features") for h in horizons)
    if not hs:
        raise ConfigError("return_features: give at least one horizon, e.g. (5, 10, 20, 50)")
    if len(set(hs)) != len(hs):
        raise ConfigError(f"return_features: horizons must be distinct, got {hs}")
    return hs


def feature_names(horizons: Sequence[int] = DEFAULT_HORIZONS) -> tuple[str, ...]:
    """Keys of :func:`return_features`' result, in order."""
    return (*(f"ret_{h}" for h in _horizons(horizons)), "volume_ratio")


def return_features(
    data_or_close: Any,
    volume: Any = None,
    horizons: Sequence[int] = DEFAULT_HORIZONS,
    volume_window: int = 20,
) -> dict[str, Any]:
    """Returns over several horizons and the volume ratio.

    Parameters
    ----------
    data_or_close : MarketData, or closes (Series / DataFrame (n_bars, n_symbols) / ndarray)
    volume : same shape as the closes; required unless a MarketData is given
    horizons : distinct bar counts, default (5, 10, 20, 50)
    volume_window : bars of the volume mean

    Returns
    -------
    dict
        ``{"ret_5": ..., ..., "volume_ratio": ...}``, each of the input's kind. Warm-up:
        ``h`` bars for ``ret_h``, ``volume_window - 1`` for the volume ratio.
    """
    hs = _horizons(horizons)
    vw = check_int("volume_window", volume_window, minimum=1, what="return_features")
    if isinstance(data_or_close, MarketData):
        if volume is not None:
            raise DataError("return_features: pass a MarketData or (close, volume), not both")
        close, volume = data_or_close.close, data_or_close.volume
    else:
        close = data_or_close
        if volume is None:
            raise DataError("return_features: needs volume; pass a MarketData or (close, volume)")
    warm = max(max(hs), vw - 1)
    out = {
        f"ret_{h}": apply(roc_nb, close, (h, 2), what="return_features", warmup=warm)[0] for h in hs
    }
    out["volume_ratio"] = apply(
        volume_ratio_nb, volume, (vw,), what="return_features", warmup=warm
    )[0]
    return out
