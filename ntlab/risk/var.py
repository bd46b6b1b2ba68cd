"""Value at Risk and expected shortfall (CVaR) of a return or P&L series.

Sign convention: VaR and ES are **positive losses** in the units of the input: a 95% VaR of
``0.021`` on daily returns means "on 95% of days the loss is at most 2.1%"; on a P&L series in
dollars the result is in dollars. ``level`` is the confidence (0.95, 0.99); the tail
probability is ``1 - level``. The horizon is one bar unless ``horizon`` says otherwise.

Methods
-------
``"historical"``
    Empirical quantile with linear interpolation (numpy's default; equal to empyrical's
    ``value_at_risk``). ES is the mean of the returns at or below that quantile (quantstats'
    historical CVaR; empyrical's ``conditional_value_at_risk`` too, except when several returns
    tie at the quantile: it then averages a fixed count, ntlab all of the tied ones). Needs ``n * (1 - level) >= 1``. One bar only.
``"normal"``
    Gaussian with the sample mean and std (ddof=1): ``VaR = -(mu + sigma * z_p)``,
    ``ES = -mu + sigma * phi(z_p) / p`` (equal to ``-scipy.stats.norm.ppf(p, mu, sigma)``).
``"cornish_fisher"``
    Gaussian quantile corrected for sample skewness ``S`` and excess kurtosis ``K`` (biased
    moment estimators, as scipy and PerformanceAnalytics' "modified" VaR use):
    ``z_cf = z + (z^2-1)S/6 + (z^3-3z)K/24 - (2z^3-5z)S^2/36``. ES is the mean of that
    quantile function over the tail, in closed form:
    ``ES = -mu + sigma * phi(z)/p * (1 + S z/6 + K (z^2-1)/24 + S^2 (1-2z^2)/36)``.
    The expansion is only a valid quantile function while it is increasing in ``z``
    (:func:`cornish_fisher_domain`); daily stock returns with excess kurtosis above ~8 fall
    outside it, and :func:`var_es` then warns (:class:`~ntlab.errors.NtlabWarning`): prefer
    the historical estimate there.

Monte Carlo VaR of a portfolio lives in :mod:`ntlab.risk.portfolio`.
"""

from __future__ import annotations

import math
import warnings
from statistics import NormalDist
from typing import Literal

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, NtlabWarning, RiskError
from ntlab.risk import _nb
from ntlab.risk._checks import check_level, clean_returns

__all__ = [
    "cornish_fisher_domain",
    "estimate",
    "VAR_METHODS",
    "value_at_risk",
    "expected_shortfall",
    "cvar",
    "var_es",
    "var_table",
    "normal_tail",
]

Method = Literal["historical", "normal", "cornish_fisher"]
VAR_METHODS: dict[str, int] = {
    "historical": _nb.HISTORICAL,
    "normal": _nb.NORMAL,
    "cornish_fisher": _nb.CORNISH_FISHER,
}


def normal_tail(level: float) -> tuple[float, float, float]:
    """``(p, z_p, phi(z_p))`` for a confidence ``level``: tail probability, its normal quantile and density."""
    p = 1.0 - check_level(level)
    z = NormalDist().inv_cdf(p)
    return p, z, NormalDist().pdf(z)


def cornish_fisher_domain(skew: float, kurt: float, z_range: float = 5.0) -> bool:
    """Whether the Cornish-Fisher map ``z -> z_cf`` is increasing on ``|z| <= z_range``.

    Its derivative is ``a z^2 + b z + c`` with ``a = K/8 - S^2/6``, ``b = S/3`` and
    ``c = 1 - K/8 + 5 S^2/36`` (``K`` the *excess* kurtosis); the map is a usable quantile
    function where that stays positive. ``z_range=5`` covers tail probabilities down to 3e-7.
    """
    a = kurt / 8.0 - skew * skew / 6.0
    b = skew / 3.0
    c = 1.0 - kurt / 8.0 + 5.0 * skew * skew / 36.0
    points = [-z_range, z_range]
    if a != 0 and abs(-b / (2.0 * a)) <= z_range:
        points.append(-b / (2.0 * a))
    return all(a * z * z + b * z + c > 0 for z in points)


def method_code(method: str, *, horizon: float = 1) -> int:
    """The kernel code of a VaR method name; checks the horizon it may be used with."""
    if method not in VAR_METHODS:
        raise ConfigError(f"unknown VaR method {method!r}; use one of {sorted(VAR_METHODS)}")
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float)) or not horizon >= 1:
        raise ConfigError(f"horizon is a number of bars >= 1, got {horizon!r}")
    if method == "historical" and horizon != 1:
        raise ConfigError(
            "historical VaR is for one bar; aggregate the returns to the horizon first "
            "(e.g. weekly returns) or use method='normal'/'cornish_fisher'"
        )
    return VAR_METHODS[method]


def check_sample(r: np.ndarray, level: float, code: int, what: str = "returns") -> None:
    """Raise RiskError when ``r`` cannot support the estimator (too short a tail, zero volatility)."""
    p = 1.0 - level
    if code == _nb.HISTORICAL:
        need = math.ceil(1.0 / p - 1e-9)
        if r.size < need:
            raise RiskError(
                f"historical VaR at {level:.0%} needs at least {need} observations so that the "
                f"tail holds one; {what} has {r.size}"
            )
        return
    if r.size < 3:
        raise RiskError(f"parametric VaR needs at least 3 observations; {what} has {r.size}")
    if np.ptp(r) == 0:
        raise RiskError(
            f"parametric VaR is undefined: {what} have zero volatility (all equal to {r[0]!r})"
        )


def var_es(
    returns: pd.Series | np.ndarray,
    level: float = 0.95,
    method: Method = "historical",
    *,
    horizon: float = 1,
) -> tuple[float, float]:
    """``(VaR, ES)`` of a series as positive losses (see the module docstring for the methods).

    Parameters
    ----------
    returns : Series or ndarray of shape (n,)
        Simple returns (or P&L in currency) per bar; NaN or infinite values raise RiskError.
    level : float
        Confidence in (0.5, 1), e.g. 0.95 or 0.99.
    method : {"historical", "normal", "cornish_fisher"}
    horizon : float
        Bars ahead (parametric methods only).
    """
    var, es, note = estimate(clean_returns(returns), level, method, horizon)
    if note:
        warnings.warn(note, NtlabWarning, stacklevel=3)
    return var, es


def estimate(
    r: np.ndarray, level: float, method: str, horizon: float = 1
) -> tuple[float, float, str]:
    """``(VaR, ES, note)`` of a finite 1-D float array already checked by ``clean_returns``.

    ``note`` is empty, or says why a Cornish-Fisher estimate is unreliable (outside the
    expansion's domain); :func:`var_es` turns it into a warning, tables into a column.
    """
    code = method_code(method, horizon=horizon)
    p, z, pdf_z = normal_tail(level)
    check_sample(r, level, code)
    note = ""
    if code == _nb.CORNISH_FISHER:
        _, _, skew, kurt = _nb.moments_nb(r)
        if not cornish_fisher_domain(skew / math.sqrt(horizon), kurt / horizon):
            note = (
                f"Cornish-Fisher VaR is unreliable here: skewness {skew:.2f} and excess kurtosis "
                f"{kurt:.1f} lie outside the expansion's domain (its quantile map is not monotone); "
                "prefer method='historical'"
            )
    var, es = _nb.var_es_nb(r, p, z, pdf_z, code, float(horizon))
    return float(var), float(es), note


def value_at_risk(
    returns: pd.Series | np.ndarray,
    level: float = 0.95,
    method: Method = "historical",
    *,
    horizon: float = 1,
) -> float:
    """Value at Risk as a positive loss (a fraction for returns). See :func:`var_es`."""
    return var_es(returns, level, method, horizon=horizon)[0]


def expected_shortfall(
    returns: pd.Series | np.ndarray,
    level: float = 0.95,
    method: Method = "historical",
    *,
    horizon: float = 1,
) -> float:
    """Expected shortfall (CVaR): the mean loss beyond VaR, as a positive number. See :func:`var_es`."""
    return var_es(returns, level, method, horizon=horizon)[1]


cvar = expected_shortfall


def var_table(
    returns: pd.Series | np.ndarray,
    levels: tuple[float, ...] = (0.95, 0.99),
    methods: tuple[str, ...] = ("historical", "normal", "cornish_fisher"),
) -> pd.DataFrame:
    """VaR and ES for every method and level: a DataFrame indexed by (method, level)."""
    rows = []
    for method in methods:
        for level in levels:
            var, es = var_es(returns, level, method)  # type: ignore[arg-type]
            rows.append({"method": method, "level": level, "var": var, "es": es})
    return pd.DataFrame(rows).set_index(["method", "level"])
