"""Returns and rolling statistics: returns, z-score, correlation, beta.

Inputs and outputs as in :mod:`ntlab.indicators.moving_average`. A return across a gap
(bars where the symbol has no value) compares with the last bar where it traded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ntlab.errors import DataError
from ntlab.indicators._frame import (
    apply,
    as_rows,
    check_int,
    check_length,
    from_rows,
    run_kernel,
    same_bars,
)
from ntlab.indicators._osc_nb import roc_nb
from ntlab.indicators._stats_nb import pair_nb, zscore_nb

__all__ = ["returns", "rolling_zscore", "rolling_corr", "rolling_beta"]


def returns(x: Any, periods: int = 1, log: bool = False) -> Any:
    """Simple returns ``x / x[-periods] - 1`` (as pandas ``pct_change``) or log returns
    ``log(x / x[-periods])``. Warm-up ``periods`` bars."""
    p = check_int("periods", periods, minimum=1, what="returns")
    return apply(roc_nb, x, (p, 3 if log else 2), what="returns", warmup=p)[0]


def rolling_zscore(x: Any, window: int = 20) -> Any:
    """``(x - rolling mean) / rolling std`` over ``window`` bars (std with ddof=1, as
    pandas); NaN where the window is flat (std 0). Warm-up ``window - 1`` bars."""
    w = check_int("window", window, minimum=2, what="rolling_zscore")
    return apply(zscore_nb, x, (w,), what="rolling_zscore", warmup=w - 1)[0]


def _pair(x: Any, y: Any, window: int, corr: bool, what: str) -> Any:
    w = check_int("window", window, minimum=2, what=what)
    xr, layout = as_rows(x, what=what)
    yr, ylayout = as_rows(y, what=f"{what} (second input)")
    if xr.shape[1] != yr.shape[1] or not same_bars(layout, ylayout, xr.shape[1]):
        raise DataError(
            f"{what}: the two inputs must share the same bars (index); align them first"
        )
    if yr.shape[0] == 1 and xr.shape[0] > 1:
        yr = np.ascontiguousarray(np.broadcast_to(yr, xr.shape))
    elif yr.shape[0] != xr.shape[0]:
        raise DataError(
            f"{what}: second input has {yr.shape[0]} columns, first has {xr.shape[0]}; "
            "pass one series (used for every column) or a frame with the same columns"
        )
    elif (
        layout.columns is not None
        and ylayout.columns is not None
        and not layout.columns.equals(ylayout.columns)
    ):
        raise DataError(f"{what}: the two frames have different columns; align them first")
    check_length(xr, w - 1, what=what)
    return from_rows(run_kernel(pair_nb, [xr, yr], w, corr)[0], layout)


def rolling_corr(x: Any, y: Any, window: int = 30) -> Any:
    """Rolling Pearson correlation of ``x`` with ``y`` over ``window`` bars (as TA-Lib
    CORREL; pass returns to correlate returns). ``y`` may be one Series used for every
    column of ``x``. NaN where either side is flat. Warm-up ``window - 1`` bars."""
    return _pair(x, y, window, True, "rolling_corr")


def rolling_beta(x: Any, benchmark: Any, window: int = 20) -> Any:
    """Rolling beta ``cov(x, benchmark) / var(benchmark)`` over ``window`` bars, computed on
    the values given (pass returns for the usual return beta; TA-Lib BETA computes the
    returns itself). NaN where the benchmark is flat. Warm-up ``window - 1`` bars."""
    return _pair(x, benchmark, window, False, "rolling_beta")
