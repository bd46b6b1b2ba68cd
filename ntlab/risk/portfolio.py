"""VaR and expected shortfall of a portfolio of positions, in currency.

A portfolio is a set of signed positions (units per symbol) valued at current prices:
``values = quantity * price`` (negative for shorts). Its P&L over one bar under the asset
returns ``R`` (shape (n_obs, n_assets)) is ``R @ values``. Every method reports VaR and ES
as **positive currency losses**; divide by the equity for a fraction.

- ``historical``: the P&L the current positions would have made on each past bar.
- ``normal`` / ``cornish_fisher``: the parametric estimates on that P&L series; its mean
  and std are ``mu @ values`` and ``sqrt(values' Sigma values)``, so this is the classic
  delta-normal (variance-covariance) VaR with the sample covariance ``Sigma`` (ddof=1).
- ``monte_carlo``: ``n_paths`` draws of correlated asset returns from
  ``N(mu * h, Sigma * h)`` (seeded ``numpy.random.default_rng``), revalued with the
  positions; VaR/ES are the historical estimators on the simulated P&L, with standard
  errors (``var_se``: Hall-Sheather sparsity estimate of a quantile's error; ``es_se``: the
  asymptotic error of a tail mean). Asset draws are ``mu + Z @ F`` where ``F' F = Sigma``:
  ``F`` is the Cholesky factor when there are fewer assets than observations, else the
  centred data scaled by ``1/sqrt(n_obs - 1)`` (so a singular ``Sigma`` needs no fix-up).
  The P&L is computed as ``Z @ (F @ values)``, the same numbers as ``(Z @ F) @ values``
  without forming the (n_paths, n_assets) matrix, in a numba kernel that draws ``Z`` row by
  row (:func:`ntlab.risk._nb.gaussian_pnl_nb`): the paths are cut into ``MC_BLOCKS`` blocks,
  each drawn from its own generator spawned from the seed (``SeedSequence(seed).spawn``) on
  a parallel thread, so a seed gives the same numbers whatever the number of cores.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from ntlab.errors import ConfigError, NtlabWarning, RiskError
from ntlab.risk import _nb
from ntlab.risk._checks import check_level, clean_frame
from ntlab.risk.var import VAR_METHODS, estimate, method_code

__all__ = [
    "VarEstimate",
    "position_values",
    "portfolio_pnl",
    "simulate_pnl",
    "monte_carlo_var",
    "portfolio_var",
    "portfolio_var_table",
    "PORTFOLIO_METHODS",
]

PORTFOLIO_METHODS = (*VAR_METHODS, "monte_carlo")


@dataclass(frozen=True)
class VarEstimate:
    """One VaR/ES estimate: positive losses in the units of the input (currency for a portfolio)."""

    method: str
    level: float
    var: float
    es: float
    var_se: float | None = None
    es_se: float | None = None
    n_paths: int | None = None
    horizon: float = 1.0

    def to_dict(self) -> dict[str, float | int | str | None]:
        return asdict(self)


def position_values(
    positions: Mapping[str, float] | pd.Series, prices: Mapping[str, float] | pd.Series
) -> pd.Series:
    """Signed market value per symbol, ``quantity * price``; every held symbol needs a price."""
    qty = (
        positions.astype(float)
        if isinstance(positions, pd.Series)
        else pd.Series(positions, dtype=float)
    )
    px = prices.astype(float) if isinstance(prices, pd.Series) else pd.Series(prices, dtype=float)
    px = px.reindex(qty.index)
    p = px.to_numpy()
    bad = ~(p > 0) | ~np.isfinite(p)  # NaN (missing) or non-positive
    if bad.any():
        raise RiskError(
            f"no positive finite price for held symbol(s) {list(qty.index[bad][:10])}; "
            "pass a price for every position"
        )
    if not np.isfinite(qty.to_numpy()).all():
        raise RiskError("positions must be finite numbers")
    return (qty * px).rename("value")


@dataclass(frozen=True)
class _Book:
    """Held positions and their returns: ``x`` (n_obs, n_held), ``v`` (n_held,)."""

    x: np.ndarray
    v: np.ndarray
    index: pd.Index

    @property
    def pnl(self) -> np.ndarray:
        return self.x @ self.v


def _book(returns: pd.DataFrame, values: pd.Series | Mapping[str, float]) -> _Book:
    v = values.astype(float) if isinstance(values, pd.Series) else pd.Series(values, dtype=float)
    v = v[v.to_numpy() != 0]
    if v.empty:
        raise RiskError("the portfolio holds nothing (all position values are zero)")
    if not isinstance(returns, pd.DataFrame):
        raise RiskError(
            "returns must be a DataFrame of shape (n_obs, n_assets) with symbols as columns"
        )
    cols = returns.columns.get_indexer(v.index)
    if (cols < 0).any():
        raise RiskError(f"returns lack columns for held symbol(s) {list(v.index[cols < 0][:10])}")
    arr = returns.to_numpy(dtype=float)
    if cols.size != arr.shape[1] or not (cols == np.arange(cols.size)).all():
        arr = arr[:, cols]
    x = clean_frame(arr, "asset returns", columns=v.index)
    return _Book(x, v.to_numpy(), returns.index)


def portfolio_pnl(returns: pd.DataFrame, values: pd.Series | Mapping[str, float]) -> pd.Series:
    """Currency P&L per bar had today's positions been held: ``returns @ values``, shape (n_obs,)."""
    book = _book(returns, values)
    return pd.Series(book.pnl, index=book.index, name="pnl")


def _factor(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (n_assets,) and a factor ``F`` with ``F.T @ F`` = sample covariance (ddof=1)."""
    n_obs, n_assets = x.shape
    mu = x.mean(axis=0)
    xc = (x - mu) / math.sqrt(n_obs - 1)
    if n_assets < n_obs - 1:
        try:
            return mu, np.linalg.cholesky(xc.T @ xc).T
        except np.linalg.LinAlgError:
            pass  # singular covariance (e.g. duplicated columns): the data factor is exact anyway
    return mu, xc


def simulate_pnl(
    returns: pd.DataFrame,
    values: pd.Series | Mapping[str, float],
    *,
    n_paths: int = 10_000,
    seed: int | None = 0,
    horizon: float = 1,
) -> np.ndarray:
    """Monte Carlo P&L of the positions over ``horizon`` bars, shape (n_paths,).

    Asset returns are drawn from ``N(mu * horizon, Sigma * horizon)`` with the sample mean and
    covariance of ``returns`` (shape (n_obs, n_assets)); see the module docstring.
    """
    return _simulate(_book(returns, values), n_paths, seed, horizon)


MC_BLOCKS = 8


def path_generators(seed: int | None) -> tuple[np.random.Generator, ...]:
    """The ``MC_BLOCKS`` independent generators of one simulation, spawned from ``seed``."""
    return tuple(np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(MC_BLOCKS))


def _simulate(book: _Book, n_paths: int, seed: int | None, horizon: float) -> np.ndarray:
    if isinstance(n_paths, bool) or not isinstance(n_paths, int) or n_paths < 100:
        raise ConfigError(f"n_paths must be an integer >= 100, got {n_paths!r}")
    method_code("normal", horizon=horizon)
    x, v = book.x, book.v
    if x.shape[0] < 3:
        raise RiskError(f"Monte Carlo VaR needs at least 3 observations, got {x.shape[0]}")
    if np.ptp(book.pnl) == 0:
        raise RiskError("Monte Carlo VaR is undefined: the portfolio P&L has zero volatility")
    mu, f = _factor(x)
    b = f @ v
    out = _nb.gaussian_pnl_nb(path_generators(seed), np.ascontiguousarray(b), n_paths)
    return float(mu @ v) * horizon + out * math.sqrt(horizon)


def _sorted_quantile(x: np.ndarray, q: float) -> float:
    """numpy's default (linear) quantile of an ascending-sorted array."""
    h = (x.size - 1) * q
    lo = int(math.floor(h))
    hi = min(lo + 1, x.size - 1)
    return float(x[lo] + (h - lo) * (x[hi] - x[lo]))


def _mc_errors(pnl_sorted: np.ndarray, level: float, var: float, es: float) -> tuple[float, float]:
    """Standard errors of the VaR (quantile) and ES (tail mean) estimates from ``n`` draws."""
    n = pnl_sorted.size
    # Hall-Sheather bandwidth for the sparsity (1 / density) at the quantile
    x = NormalDist().inv_cdf(level)
    h = n ** (-1 / 3) * NormalDist().inv_cdf(0.975) ** (2 / 3)
    h *= (1.5 * NormalDist().pdf(x) ** 2 / (2 * x * x + 1)) ** (1 / 3)
    lo, hi = max(level - h, 1.0 / n), min(level + h, 1.0 - 1.0 / n)
    # loss quantile at a = minus the P&L quantile at 1 - a
    q_lo, q_hi = -_sorted_quantile(pnl_sorted, 1 - lo), -_sorted_quantile(pnl_sorted, 1 - hi)
    var_se = (q_hi - q_lo) / (hi - lo) * math.sqrt(level * (1 - level) / n)
    tail = -pnl_sorted[pnl_sorted <= -var]
    es_var = (np.var(tail, ddof=1) if tail.size > 1 else 0.0) + level * (es - var) ** 2
    return float(var_se), float(math.sqrt(es_var / (n * (1 - level))))


def _mc_estimate(pnl_sorted: np.ndarray, level: float, horizon: float) -> VarEstimate:
    var, es = _nb.historical_sorted_nb(pnl_sorted, 1.0 - check_level(level))
    var_se, es_se = _mc_errors(pnl_sorted, level, var, es)
    return VarEstimate(
        "monte_carlo", level, float(var), float(es), var_se, es_se, pnl_sorted.size, float(horizon)
    )


def monte_carlo_var(
    returns: pd.DataFrame,
    values: pd.Series | Mapping[str, float],
    level: float = 0.95,
    *,
    n_paths: int = 10_000,
    seed: int | None = 0,
    horizon: float = 1,
) -> VarEstimate:
    """Monte Carlo VaR/ES of the positions with standard errors (see :func:`simulate_pnl`)."""
    check_level(level)
    pnl = simulate_pnl(returns, values, n_paths=n_paths, seed=seed, horizon=horizon)
    return _mc_estimate(np.sort(pnl), level, horizon)


def portfolio_var(
    returns: pd.DataFrame,
    values: pd.Series | Mapping[str, float],
    level: float = 0.95,
    method: str = "historical",
    *,
    horizon: float = 1,
    n_paths: int = 10_000,
    seed: int | None = 0,
) -> VarEstimate:
    """VaR and ES of a portfolio in currency by one method (see the module docstring).

    Parameters
    ----------
    returns : DataFrame of shape (n_obs, n_assets)
        Simple asset returns per bar, a column per held symbol (others are ignored).
    values : Series or mapping symbol -> signed market value (see :func:`position_values`)
    level : float
        Confidence, e.g. 0.95.
    method : {"historical", "normal", "cornish_fisher", "monte_carlo"}
    """
    if method == "monte_carlo":
        return monte_carlo_var(returns, values, level, n_paths=n_paths, seed=seed, horizon=horizon)
    if method not in VAR_METHODS:
        raise ConfigError(f"unknown VaR method {method!r}; use one of {list(PORTFOLIO_METHODS)}")
    var, es, note = estimate(_book(returns, values).pnl, level, method, horizon)
    if note:
        warnings.warn(note, NtlabWarning, stacklevel=2)
    return VarEstimate(method, level, var, es, horizon=float(horizon))


def portfolio_var_table(
    returns: pd.DataFrame,
    values: pd.Series | Mapping[str, float],
    *,
    levels: tuple[float, ...] = (0.95, 0.99),
    methods: tuple[str, ...] = PORTFOLIO_METHODS,
    equity: float | None = None,
    n_paths: int = 10_000,
    seed: int | None = 0,
) -> pd.DataFrame:
    """VaR/ES of the positions for every method and level, indexed by (method, level).

    Columns: ``var``, ``es`` (currency), ``var_pct``, ``es_pct`` (fractions of ``equity``,
    which defaults to the net value of the positions), ``var_se``, ``es_se`` (Monte Carlo
    only) and ``note`` (set where the Cornish-Fisher expansion is outside its domain).
    One simulation serves every level.
    """
    book = _book(returns, values)
    equity = float(book.v.sum()) if equity is None else float(equity)
    return _table(book, levels, methods, equity, n_paths, seed)


def _table(
    book: _Book,
    levels: tuple[float, ...],
    methods: tuple[str, ...],
    equity: float,
    n_paths: int,
    seed: int | None,
) -> pd.DataFrame:
    if not equity > 0:
        raise RiskError(f"equity must be positive to express VaR as a fraction, got {equity!r}")
    unknown = [m for m in methods if m not in PORTFOLIO_METHODS]
    if unknown:
        raise ConfigError(
            f"unknown VaR method(s) {unknown}; use those of {list(PORTFOLIO_METHODS)}"
        )
    pnl = book.pnl
    sims = np.sort(_simulate(book, n_paths, seed, 1.0)) if "monte_carlo" in methods else None
    keys, cols = (
        [],
        {k: [] for k in ("var", "es", "var_pct", "es_pct", "var_se", "es_se", "n_paths", "note")},
    )
    for method in methods:
        for level in levels:
            if method == "monte_carlo":
                est, note = _mc_estimate(sims, level, 1.0), ""  # type: ignore[arg-type]
            else:
                var, es, note = estimate(pnl, level, method)
                est = VarEstimate(method, level, var, es)
            keys.append((method, level))
            for k, value in (("var", est.var), ("es", est.es), ("var_se", est.var_se), ("es_se", est.es_se),
                             ("n_paths", est.n_paths), ("note", note)):  # fmt: skip
                cols[k].append(np.nan if value is None else value)
            cols["var_pct"].append(est.var / equity)
            cols["es_pct"].append(est.es / equity)
    index = pd.MultiIndex.from_tuples(keys, names=["method", "level"])
    return pd.DataFrame(cols, index=index)
