"""Overfitting statistics of a parameter search: deflated Sharpe ratio and PBO.

A sweep that tries many configurations and keeps the best one reports a Sharpe ratio
that is biased upwards: the maximum of many noisy estimates. Two published corrections:

- **Deflated Sharpe ratio** (Bailey and Lopez de Prado, "The Deflated Sharpe Ratio",
  Journal of Portfolio Management, 2014): the probability that the best configuration's
  true Sharpe ratio exceeds the Sharpe ratio the *best of N unskilled trials* would show,

  ``SR0 = sqrt(V) * ((1 - g) * Z(1 - 1/N) + g * Z(1 - 1/(N e)))`` (``g`` = Euler's
  constant 0.5772, ``Z`` the standard normal quantile, ``V`` the variance of the trials'
  Sharpe ratios), and

  ``DSR = Phi((SR - SR0) * sqrt(T - 1) / sqrt(1 - skew * SR + (kurtosis - 1) / 4 * SR^2))``

  with every Sharpe ratio per bar (not annualised), ``T`` bars, and the skewness and
  (non-excess) kurtosis of the best configuration's returns. Above 0.95 the best result
  is significant at 5 % after the search; around 0.5 or below it is what luck gives.
- **Probability of backtest overfitting** (Bailey, Borwein, Lopez de Prado and Zhu, "The
  Probability of Backtest Overfitting", Journal of Computational Finance, 2017), by
  combinatorially symmetric cross-validation (CSCV): the bars are cut into ``S`` blocks;
  for each of the ``C(S, S/2)`` ways to pick half of them as in-sample, the configuration
  with the best in-sample Sharpe is ranked among all configurations on the other half.
  PBO is the share of splits where it lands at or below the median (logit <= 0). Pure
  noise gives about 0.5; a real edge that survives the search gives values near 0.

Both take the per-bar returns of every configuration, a matrix of shape
(n_bars, n_trials).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from ntlab.errors import ConfigError

__all__ = [
    "EULER_GAMMA",
    "expected_max_sharpe",
    "probabilistic_sharpe_ratio",
    "deflated_sharpe_ratio",
    "pbo_cscv",
    "PBOResult",
    "overfitting_stats",
]

EULER_GAMMA = 0.5772156649015329
_N = NormalDist()


def _sharpe(r: np.ndarray) -> float:
    sd = float(np.std(r, ddof=1))
    return float(np.mean(r) / sd) if sd > 0 else float("nan")


def expected_max_sharpe(n_trials: int, sr_variance: float) -> float:
    """Expected maximum of ``n_trials`` unskilled Sharpe ratios with variance ``sr_variance``.

    ``SR0`` of Bailey and Lopez de Prado (2014), eq. (8), in the units of the variance
    (per-bar Sharpe ratios give a per-bar SR0). One trial gives 0.
    """
    if n_trials < 1:
        raise ConfigError(f"n_trials must be >= 1, got {n_trials}")
    if not sr_variance >= 0:
        raise ConfigError(f"sr_variance must be >= 0, got {sr_variance}")
    if n_trials == 1:
        return 0.0
    g = EULER_GAMMA
    z1 = _N.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _N.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sr_variance) * ((1.0 - g) * z1 + g * z2)


def probabilistic_sharpe_ratio(
    sharpe: float, benchmark: float, n_obs: int, skew: float, kurtosis: float
) -> float:
    """P(true Sharpe > ``benchmark``) given an observed per-bar ``sharpe`` over ``n_obs`` bars.

    Bailey and Lopez de Prado's PSR; ``kurtosis`` is the plain (non-excess) kurtosis, 3
    for normal returns.
    """
    if n_obs < 2:
        raise ConfigError(f"the probabilistic Sharpe ratio needs at least 2 bars, got {n_obs}")
    denom = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe**2
    if not denom > 0:
        return float("nan")
    return _N.cdf((sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(denom))


def _moments(r: np.ndarray) -> tuple[float, float]:
    d = r - r.mean()
    m2 = float(np.mean(d**2))
    if m2 == 0:
        return float("nan"), float("nan")
    return float(np.mean(d**3) / m2**1.5), float(np.mean(d**4) / m2**2)


def deflated_sharpe_ratio(
    returns: np.ndarray, *, n_trials: int, sr_variance: float
) -> tuple[float, float]:
    """Deflated Sharpe ratio of one configuration's per-bar ``returns``, chosen among ``n_trials``.

    Returns
    -------
    dsr, sr0 : float
        The probability (0 .. 1) and the per-bar Sharpe ratio the best of ``n_trials``
        unskilled trials would reach. NaN when the returns have no variance.
    """
    r = np.asarray(returns, dtype=float)
    if r.ndim != 1 or r.size < 3:
        raise ConfigError(f"returns must be one series of at least 3 bars, got shape {r.shape}")
    sr = _sharpe(r)
    sr0 = expected_max_sharpe(n_trials, sr_variance)
    if not np.isfinite(sr):
        return float("nan"), sr0
    skew, kurt = _moments(r)
    return probabilistic_sharpe_ratio(sr, sr0, r.size, skew, kurt), sr0


@dataclass(frozen=True)
class PBOResult:
    """CSCV outcome: ``pbo`` and the logit of the chosen configuration's out-of-sample rank per split."""

    pbo: float
    logits: np.ndarray
    n_splits: int


def pbo_cscv(returns: np.ndarray, n_splits: int = 16) -> PBOResult:
    """Probability of backtest overfitting of a search, by CSCV (Bailey et al. 2017).

    Parameters
    ----------
    returns : ndarray of shape (n_bars, n_trials)
        Per-bar returns of every configuration over the same bars.
    n_splits : int
        Even number of contiguous blocks ``S`` (the last bars that do not fill a block are
        dropped); ``C(S, S/2)`` splits are scored (12870 for 16).

    Returns
    -------
    PBOResult
        ``logits[k] = log(w / (1 - w))`` where ``w`` is the out-of-sample relative rank
        (``rank / (N + 1)``, ties averaged) of split ``k``'s in-sample best; ``pbo`` is the
        share of logits <= 0.
    """
    m = np.asarray(returns, dtype=float)
    if m.ndim != 2 or m.shape[1] < 2:
        raise ConfigError(f"PBO needs returns of shape (n_bars, n_trials >= 2), got {m.shape}")
    if n_splits < 2 or n_splits % 2:
        raise ConfigError(f"n_splits must be an even number >= 2, got {n_splits}")
    size = m.shape[0] // n_splits
    if size < 2:
        raise ConfigError(f"{m.shape[0]} bars cannot make {n_splits} blocks of 2 bars or more")
    if not np.isfinite(m).all():
        raise ConfigError("PBO needs finite returns for every configuration and bar")
    blocks = m[: size * n_splits].reshape(n_splits, size, m.shape[1])
    s1, s2 = blocks.sum(axis=1), (blocks**2).sum(axis=1)  # (S, N)
    combos = np.array(list(itertools.combinations(range(n_splits), n_splits // 2)))
    pick = np.zeros((len(combos), n_splits))
    pick[np.arange(len(combos))[:, None], combos] = 1.0
    n_in = size * (n_splits // 2)
    sr_in = _block_sharpe(pick @ s1, pick @ s2, n_in)
    sr_out = _block_sharpe((1 - pick) @ s1, (1 - pick) @ s2, n_in)
    best = np.argmax(np.where(np.isnan(sr_in), -np.inf, sr_in), axis=1)
    chosen = sr_out[np.arange(len(combos)), best][:, None]
    out = np.where(np.isnan(sr_out), -np.inf, sr_out)
    below = (out < chosen).sum(axis=1)
    ties = (out == chosen).sum(axis=1)
    rank = below + (ties + 1) / 2.0  # average rank, 1 = worst
    w = rank / (m.shape[1] + 1.0)
    logits = np.log(w / (1.0 - w))
    return PBOResult(float((logits <= 0).mean()), logits, n_splits)


def _block_sharpe(s1: np.ndarray, s2: np.ndarray, n: int) -> np.ndarray:
    mean = s1 / n
    var = (s2 - n * mean**2) / (n - 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(var > 1e-30, mean / np.sqrt(np.maximum(var, 0.0)), np.nan)


def overfitting_stats(
    returns: np.ndarray, best: int, periods_per_year: float, n_splits: int = 16
) -> dict[str, float]:
    """Trials, the best configuration's Sharpe (annualised) and deflated Sharpe, and PBO.

    Parameters
    ----------
    returns : ndarray of shape (n_bars, n_trials)
        Per-bar returns of every configuration tried.
    best : int
        Column of the configuration the search picked.
    periods_per_year : float
        For the annualised ``best_sharpe`` and ``expected_max_sharpe`` only; the tests
        themselves run on per-bar Sharpe ratios.
    n_splits : int
        CSCV blocks; fewer are used when the bars cannot fill them (PBO is NaN below 2
        blocks of 2 bars, or with one trial).

    Returns
    -------
    dict
        ``trials``, ``best_sharpe``, ``expected_max_sharpe`` (annualised SR0),
        ``deflated_sharpe`` (probability), ``pbo``, ``pbo_splits`` and
        ``trial_sharpe_variance`` (of the per-bar Sharpe ratios).
    """
    m = np.asarray(returns, dtype=float)
    n_bars, n_trials = m.shape
    srs = np.array([_sharpe(m[:, k]) for k in range(n_trials)])
    finite = srs[np.isfinite(srs)]
    var = float(np.var(finite, ddof=1)) if finite.size > 1 else 0.0
    dsr, sr0 = deflated_sharpe_ratio(m[:, best], n_trials=n_trials, sr_variance=var)
    splits = min(n_splits, (n_bars // 2) // 2 * 2)
    pbo = float("nan")
    if n_trials >= 2 and splits >= 2 and np.isfinite(m).all():
        pbo = pbo_cscv(m, splits).pbo
    scale = math.sqrt(periods_per_year)
    return {
        "trials": float(n_trials),
        "best_sharpe": float(srs[best]) * scale,
        "expected_max_sharpe": sr0 * scale,
        "deflated_sharpe": dsr,
        "pbo": pbo,
        "pbo_splits": float(splits) if np.isfinite(pbo) else float("nan"),
        "trial_sharpe_variance": var,
    }
