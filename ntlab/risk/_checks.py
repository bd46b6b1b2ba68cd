"""Input checks shared by the risk modules: every bad input gets a clear RiskError."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, RiskError

__all__ = [
    "camel",
    "as_float_map",
    "clean_returns",
    "clean_frame",
    "check_level",
    "check_positive",
    "check_fraction",
]


def clean_returns(
    returns: pd.Series | np.ndarray, what: str = "returns", *, min_size: int = 1
) -> np.ndarray:
    """``returns`` as a finite 1-D float array of at least ``min_size`` values, else RiskError."""
    r = np.asarray(returns, dtype=float)
    if r.ndim != 1:
        raise RiskError(f"{what} must be one-dimensional, got shape {r.shape}")
    if r.size == 0:
        raise RiskError(f"{what} is empty; give at least {max(min_size, 1)} returns")
    n_nan = int(np.isnan(r).sum())
    if n_nan:
        first = _first_label(returns, np.isnan(r))
        raise RiskError(
            f"{what} has {n_nan} NaN values (first at {first}); drop or fill them first"
        )
    if np.isinf(r).any():
        raise RiskError(
            f"{what} has infinite values (first at {_first_label(returns, np.isinf(r))})"
        )
    if r.size < min_size:
        raise RiskError(f"{what} has {r.size} values; this measure needs at least {min_size}")
    return r


def clean_frame(
    returns: pd.DataFrame | np.ndarray,
    what: str = "returns",
    *,
    min_rows: int = 2,
    columns: pd.Index | None = None,
) -> np.ndarray:
    """A finite 2-D float array of shape (n_obs, n_assets) with at least ``min_rows`` rows.

    ``columns`` names the columns of an ndarray in error messages.
    """
    x = np.asarray(returns, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    if x.ndim != 2:
        raise RiskError(f"{what} must be 2-D (n_obs, n_assets), got shape {x.shape}")
    if x.shape[0] < min_rows or x.shape[1] == 0:
        raise RiskError(f"{what} has shape {x.shape}; need at least {min_rows} rows and one column")
    bad = ~np.isfinite(x)
    if bad.any():
        cols = np.flatnonzero(bad.any(axis=0))
        labels = returns.columns if isinstance(returns, pd.DataFrame) else columns
        names = list(labels[cols[:5]]) if labels is not None else list(cols[:5])
        raise RiskError(
            f"{what} has {int(bad.sum())} NaN/infinite values (columns {names}...); "
            "forward-fill the prices or drop those columns first"
        )
    return x


def _first_label(values: object, mask: np.ndarray) -> object:
    pos = int(np.flatnonzero(mask)[0])
    if isinstance(values, pd.Series):
        return values.index[pos]
    return f"position {pos}"


def check_level(level: float) -> float:
    """A confidence level strictly between 0.5 and 1 (0.95 means the worst 5% of outcomes)."""
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0.5 < level < 1.0:
        raise ConfigError(
            f"confidence level must lie in (0.5, 1), e.g. 0.95 or 0.99; got {level!r}"
        )
    return float(level)


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float, np.floating, np.integer)) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ConfigError(f"{name} must be a {kind} finite number, got {value!r}")
    return float(value)


def check_fraction(value: float, name: str) -> float:
    """A fraction in (0, 1]."""
    v = check_positive(value, name)
    if v > 1:
        raise ConfigError(f"{name} is a fraction in (0, 1] (e.g. 0.02 for 2%), got {value!r}")
    return v


def as_float_map(values: Mapping[str, float], name: str) -> dict[str, float]:
    out = {}
    for key, value in values.items():
        v = float(value)
        if not math.isfinite(v):
            raise RiskError(f"{name}[{key!r}] is {value!r}; it must be a finite number")
        out[str(key)] = v
    return out


def camel(name: str) -> str:
    """snake_case -> camelCase, as ntlab's JSON keys (``max_daily_loss`` -> ``maxDailyLoss``)."""
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
