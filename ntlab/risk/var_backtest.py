"""VaR back-testing: exceedances and the Kupiec / Christoffersen likelihood-ratio tests.

A rolling back-test forecasts VaR for each bar from the ``window`` bars before it (never
the bar itself) and counts *exceedances*, bars whose loss is larger than the forecast
(``-r_t > VaR_t``). A good model at level ``c`` has exceedances with probability
``p = 1 - c``, independently of each other:

- Kupiec's proportion-of-failures (POF) test: ``LR_pof ~ chi2(1)`` under the right rate;
- Christoffersen's independence test: ``LR_ind ~ chi2(1)`` on the first-order Markov
  transitions of the exceedance indicator (the ``n - 1`` consecutive pairs);
- conditional coverage ``LR_cc = LR_pof + LR_ind ~ chi2(2)``.

Small p-values reject the model. ``0 * log(0)`` is taken as 0, so no exceedances (or only
exceedances) still give a finite statistic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, RiskError
from ntlab.risk import _nb
from ntlab.risk._checks import check_level, clean_returns
from ntlab.risk.var import check_sample, method_code, normal_tail

__all__ = ["LRTest", "kupiec_pof", "christoffersen", "VarBacktest", "var_backtest"]


@dataclass(frozen=True)
class LRTest:
    """A likelihood-ratio test: statistic, degrees of freedom and p-value."""

    name: str
    statistic: float
    df: int
    pvalue: float

    def rejects(self, alpha: float = 0.05) -> bool:
        return self.pvalue < alpha


def _xlogy(x: float, y: float) -> float:
    return 0.0 if x == 0 else x * math.log(y)


def _chi2_sf(stat: float, df: int) -> float:
    if df == 1:
        return math.erfc(math.sqrt(max(stat, 0.0) / 2.0))
    if df == 2:
        return math.exp(-max(stat, 0.0) / 2.0)
    raise ConfigError(f"only 1 or 2 degrees of freedom are used here, got {df}")


def kupiec_pof(n_exceed: int, n_obs: int, level: float) -> LRTest:
    """Kupiec's POF test of ``n_exceed`` exceedances in ``n_obs`` bars at confidence ``level``."""
    p = 1.0 - check_level(level)
    if not 0 <= n_exceed <= n_obs or n_obs < 1:
        raise RiskError(
            f"need 0 <= exceedances ({n_exceed}) <= observations ({n_obs}) and n_obs >= 1"
        )
    x, n = n_exceed, n_obs
    phat = x / n
    null = _xlogy(n - x, 1.0 - p) + _xlogy(x, p)
    alt = _xlogy(n - x, 1.0 - phat) + _xlogy(x, phat)
    stat = -2.0 * (null - alt)
    return LRTest("kupiec_pof", stat, 1, _chi2_sf(stat, 1))


def christoffersen(exceedances: np.ndarray | pd.Series, level: float) -> tuple[LRTest, LRTest]:
    """Christoffersen's independence and conditional-coverage tests of a 0/1 exceedance series."""
    hits = np.asarray(exceedances, dtype=bool)
    if hits.ndim != 1 or hits.size < 2:
        raise RiskError(f"the exceedance series needs at least 2 values, got shape {hits.shape}")
    prev, curr = hits[:-1], hits[1:]
    n00 = int(np.sum(~prev & ~curr))
    n01 = int(np.sum(~prev & curr))
    n10 = int(np.sum(prev & ~curr))
    n11 = int(np.sum(prev & curr))
    pi01 = n01 / (n00 + n01) if n00 + n01 else 0.0
    pi11 = n11 / (n10 + n11) if n10 + n11 else 0.0
    pi = (n01 + n11) / (n00 + n01 + n10 + n11)
    null = _xlogy(n00 + n10, 1.0 - pi) + _xlogy(n01 + n11, pi)
    alt = _xlogy(n00, 1.0 - pi01) + _xlogy(n01, pi01) + _xlogy(n10, 1.0 - pi11) + _xlogy(n11, pi11)
    ind = -2.0 * (null - alt)
    pof = kupiec_pof(int(hits.sum()), hits.size, level)
    cc = pof.statistic + ind
    return LRTest("christoffersen_ind", ind, 1, _chi2_sf(ind, 1)), LRTest(
        "conditional_coverage", cc, 2, _chi2_sf(cc, 2)
    )


@dataclass(frozen=True)
class VarBacktest:
    """Result of :func:`var_backtest`; ``frame`` has returns, VaR forecast and exceedance per bar."""

    method: str
    level: float
    window: int
    frame: pd.DataFrame
    kupiec: LRTest
    independence: LRTest
    conditional_coverage: LRTest

    @property
    def n_obs(self) -> int:
        return len(self.frame)

    @property
    def n_exceed(self) -> int:
        return int(self.frame["exceed"].sum())

    @property
    def expected(self) -> float:
        return self.n_obs * (1.0 - self.level)

    def summary(self) -> dict[str, Any]:
        """Counts and tests as a flat dict (camelCase keys, as the rest of ntlab's JSON)."""
        out: dict[str, Any] = {
            "method": self.method,
            "level": self.level,
            "window": self.window,
            "observations": self.n_obs,
            "exceedances": self.n_exceed,
            "expected": self.expected,
            "exceedanceRate": self.n_exceed / self.n_obs,
        }
        for test, key in (
            (self.kupiec, "kupiec"),
            (self.independence, "independence"),
            (self.conditional_coverage, "cc"),
        ):
            out[f"{key}Stat"] = test.statistic
            out[f"{key}PValue"] = test.pvalue
        return out

    def plot(self) -> Any:
        """Returns against the VaR forecast, exceedances marked (hvplot, imported lazily)."""
        from ntlab.risk.plots import plot_var_backtest

        return plot_var_backtest(self)


def var_backtest(
    returns: pd.Series, level: float = 0.99, *, window: int = 250, method: str = "historical"
) -> VarBacktest:
    """Roll a VaR model over ``returns`` and test its exceedances (see the module docstring).

    Parameters
    ----------
    returns : Series of shape (n,)
        Simple returns per bar (or P&L), finite; the first ``window`` bars only seed the model.
    level : float
        VaR confidence, e.g. 0.99.
    window : int
        Trailing bars each forecast uses.
    method : {"historical", "normal", "cornish_fisher"}
    """
    code = method_code(method)
    p, z, pdf_z = normal_tail(level)
    if isinstance(window, bool) or not isinstance(window, int) or window < 3:
        raise ConfigError(f"window must be an integer >= 3, got {window!r}")
    r = clean_returns(returns)
    if r.size < window + 2:
        raise RiskError(
            f"a back-test with window={window} needs more than {window + 1} returns; got {r.size}"
        )
    check_sample(r[:window], level, code, what=f"the first window of {window} returns")
    var, es = _nb.rolling_var_es_nb(r, window, p, z, pdf_z, code, 1.0)
    var, es = var[window:], es[window:]
    if not np.isfinite(var).all():
        first = int(np.flatnonzero(~np.isfinite(var))[0]) + window
        raise RiskError(
            f"the VaR forecast is undefined at bar {first}: its window has zero volatility"
        )
    index = (
        returns.index[window:] if isinstance(returns, pd.Series) else pd.RangeIndex(window, r.size)
    )
    frame = pd.DataFrame({"returns": r[window:], "var": var, "es": es}, index=index)
    frame["exceed"] = -frame["returns"] > frame["var"]
    ind, cc = christoffersen(frame["exceed"].to_numpy(), level)
    pof = kupiec_pof(int(frame["exceed"].sum()), len(frame), level)
    return VarBacktest(method, level, window, frame, pof, ind, cc)
