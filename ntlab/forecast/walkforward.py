"""Walk-forward (rolling-origin) forecasts that never train on data after the origin.

For origins ``o_1 < ... < o_n`` (row positions; the last one leaves exactly ``h`` bars
after it), the model is trained on rows ``[0, o_k]`` of the first origin of its block
(``refit=False``: one block; ``refit=k``: a new model every ``k`` origins; ``True``: at
every origin) and each forecast from origin ``o`` sees rows ``[0, o]`` only. Rows after
an origin are used for nothing but the ``actual`` column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError
from ntlab.forecast._panel import Features, as_features, as_prices
from ntlab.forecast.config import ForecasterConfig

__all__ = ["walk_forward", "origins"]

COLUMNS = [
    "model",
    "symbol",
    "origin",
    "step",
    "timestamp",
    "last_price",
    "forecast",
    "lower",
    "upper",
    "actual",
]


def origins(n_bars: int, h: int, n_windows: int, step_size: int) -> np.ndarray:
    """Row positions of the forecast origins, oldest first; the last leaves ``h`` bars after it."""
    if not (
        isinstance(n_windows, int)
        and n_windows >= 1
        and isinstance(step_size, int)
        and step_size >= 1
    ):
        raise ConfigError(
            f"n_windows and step_size must be ints >= 1, got {n_windows!r}, {step_size!r}"
        )
    out = n_bars - 1 - h - step_size * np.arange(n_windows)[::-1]
    if out[0] < 1:
        raise DataError(
            f"{n_windows} windows {step_size} bar(s) apart with h={h} need more than {n_bars} bars; "
            "use fewer windows or more data"
        )
    return out


def _blocks(n_windows: int, refit: bool | int) -> list[range]:
    if refit is True:
        every = 1
    elif refit is False:
        every = n_windows
    elif isinstance(refit, int) and refit >= 1:
        every = refit
    else:
        raise ConfigError(f"refit must be True, False or an int >= 1, got {refit!r}")
    return [range(b, min(b + every, n_windows)) for b in range(0, n_windows, every)]


def walk_forward(
    config: ForecasterConfig,
    data: MarketData | pd.DataFrame | pd.Series,
    *,
    n_windows: int = 10,
    step_size: int = 1,
    refit: bool | int = False,
    features: Features = None,
) -> pd.DataFrame:
    """Rolling-origin forecasts of every symbol with the model ``config`` describes.

    Parameters
    ----------
    config : ForecasterConfig
    data : MarketData, DataFrame of shape (n_bars, n_symbols), or Series
        Prices; every symbol needs enough history before the first origin to train on.
    n_windows : int
        Number of origins.
    step_size : int
        Bars between origins.
    refit : bool or int
        ``False``: train once, at the first origin; ``k``: retrain every ``k`` origins;
        ``True``: retrain at every origin.
    features : as in :meth:`Forecaster.fit`

    Returns
    -------
    DataFrame with one row per (symbol, origin, step), columns ``model, symbol, origin,
    step, timestamp, last_price, forecast, lower, upper, actual`` (prices).
    """
    from ntlab.forecast.forecaster import Forecaster

    prices = as_prices(data)
    frames = as_features(data, prices, features)
    at = origins(len(prices), config.h, n_windows, step_size)

    def rows(stop: int) -> tuple[pd.DataFrame, dict[str, pd.DataFrame] | None]:
        return prices.iloc[:stop], ({k: f.iloc[:stop] for k, f in frames.items()} or None)

    parts = []
    for block in _blocks(n_windows, refit):
        block_origins = at[block.start : block.stop]
        model = Forecaster(config).fit(*rows(block_origins[0] + 1))
        # the block's forecasts read rows up to their own origin only (predict_at slices them)
        seen, seen_features = rows(block_origins[-1] + 1)
        parts.append(model.predict_at(seen, block_origins, seen_features))
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["symbol", "origin", "step"], kind="stable", ignore_index=True)
    target = prices.index.get_indexer(pd.DatetimeIndex(frame["origin"])) + frame["step"].to_numpy()
    actual = prices.to_numpy()[target, prices.columns.get_indexer(frame["symbol"])]
    if np.isnan(actual).any():
        raise DataError(
            "a symbol has no price at a bar after an origin; walk-forward needs gap-free prices"
        )
    frame.insert(4, "timestamp", prices.index[target])
    frame["actual"] = actual
    frame.attrs["level"] = float(config.level)
    return frame
