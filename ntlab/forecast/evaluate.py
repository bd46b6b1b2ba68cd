"""Accuracy of walk-forward forecasts against naive, seasonal-naive and drift baselines.

All baselines use only prices up to each origin ``o`` (their forecast for ``o + k``):

- ``naive`` (random walk): ``P[o]``;
- ``seasonal_naive``: ``P[o + k - m * ceil(k / m)]``, the price one season (``m`` bars) before;
- ``drift``: ``P[o] + k * (P[o] - P[first]) / (o - first)``, the random walk with the average
  historical change (Hyndman & Athanasopoulos, *Forecasting: Principles and Practice*, 5.2).

Metrics, over every (symbol, origin, step):

- MAE, RMSE of the price;
- MASE: ``|error|`` divided by the mean absolute one-bar change of the symbol's prices up to
  the origin (in-sample naive MAE; per symbol and origin as ``utilsforecast.losses.mase``
  with seasonality 1), averaged;
- directional accuracy: share of forecasts whose sign of ``forecast - P[o]`` matches that of
  ``actual - P[o]``, over rows where both are non-zero (undefined for the random walk);
- coverage: share of actual prices inside ``[lower, upper]`` (models with intervals);
- interval width: mean ``(upper - lower) / forecast``;
- ``dm_pvalue``: two-sided p-value of a Diebold-Mariano test that the method's MAE equals
  the random walk's: the per-origin mean of ``|e_method| - |e_naive|`` (over symbols and
  steps) regressed on a constant with a Newey-West (HAC) variance of ``h - 1`` lags, since
  forecasts ``h`` steps ahead from consecutive origins overlap (statsmodels OLS).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError
from ntlab.forecast._panel import as_prices

__all__ = ["baselines", "accuracy_report", "verdict", "dm_pvalue", "BASELINES"]

BASELINES = ("naive", "seasonal_naive", "drift")
_NEEDED = {"model", "symbol", "origin", "step", "last_price", "forecast", "actual"}


def _positions(prices: pd.DataFrame, cv: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    missing = _NEEDED - set(cv.columns)
    if missing:
        raise DataError(f"the walk-forward frame lacks column(s) {sorted(missing)}")
    cols = prices.columns.get_indexer(cv["symbol"])
    rows = prices.index.get_indexer(pd.DatetimeIndex(cv["origin"]))
    if (cols < 0).any() or (rows < 0).any():
        raise DataError("the walk-forward frame has symbols or origins that the prices do not hold")
    return rows, cols


def _first_valid(values: np.ndarray) -> np.ndarray:
    return np.argmax(np.isfinite(values), axis=0)


def baselines(
    prices: MarketData | pd.DataFrame, cv: pd.DataFrame, *, season_length: int = 5
) -> pd.DataFrame:
    """Baseline forecasts for each row of a walk-forward frame.

    Parameters
    ----------
    prices : MarketData or DataFrame of shape (n_bars, n_symbols)
        The prices the walk-forward ran on.
    cv : DataFrame
        From :func:`~ntlab.forecast.walk_forward` (``symbol``, ``origin``, ``step`` columns).
    season_length : int
        Bars per season of the seasonal naive forecast (5 = one trading week of daily bars).

    Returns
    -------
    DataFrame of shape (len(cv), 3): ``naive``, ``seasonal_naive``, ``drift``.
    """
    if not (isinstance(season_length, int) and season_length >= 1):
        raise ConfigError(f"season_length must be an int >= 1, got {season_length!r}")
    frame = as_prices(prices)
    values = frame.to_numpy()
    rows, cols = _positions(frame, cv)
    step = cv["step"].to_numpy()
    first = _first_valid(values)[cols]
    lag = season_length * np.ceil(step / season_length).astype(int)
    back = rows + step - lag
    if (back < first).any() or (rows <= first).any():
        raise DataError(
            f"some origins have less than a season ({season_length} bars) of history before them"
        )
    last = values[rows, cols]
    drift = last + step * (last - values[first, cols]) / (rows - first)
    return pd.DataFrame(
        {"naive": last, "seasonal_naive": values[back, cols], "drift": drift}, index=cv.index
    )


def _mase_scale(values: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Mean |one-bar change| of each symbol's prices from its first price up to the origin."""
    change = np.abs(np.diff(values, axis=0))
    cum = np.vstack([np.zeros(values.shape[1]), np.cumsum(np.nan_to_num(change), axis=0)])
    first = _first_valid(values)[cols]
    count = rows - first
    return (cum[rows, cols] - cum[first, cols]) / count


def _same_rows(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    keys = ["symbol", "origin", "step"]
    return len(a) == len(b) and all((a[k].to_numpy() == b[k].to_numpy()).all() for k in keys)


def _metrics(forecast, actual, last, scale, lower=None, upper=None) -> dict[str, float]:
    err = forecast - actual
    said, went = np.sign(forecast - last), np.sign(actual - last)
    both = (said != 0) & (went != 0)
    out = {
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "mase": float(np.mean(np.abs(err) / scale)),
        "directional_accuracy": float(np.mean(said[both] == went[both])) if both.any() else np.nan,
        "coverage": np.nan,
        "interval_width": np.nan,
        "n": int(len(err)),
    }
    if lower is not None:
        out["coverage"] = float(np.mean((lower <= actual) & (actual <= upper)))
        out["interval_width"] = float(np.mean((upper - lower) / forecast))
    return out


def dm_pvalue(errors: np.ndarray, naive_errors: np.ndarray, origins: np.ndarray, h: int) -> float:
    """Diebold-Mariano p-value for equal mean absolute error (see the module notes).

    Parameters
    ----------
    errors, naive_errors : ndarray of shape (n,)
        Forecast errors of the method and of the random walk on the same rows.
    origins : ndarray of shape (n,)
        Origin of each row; the loss difference is averaged per origin first.
    h : int
        Horizon; the HAC variance uses ``h - 1`` lags.
    """
    sm = attempt_import("statsmodels.api", purpose="the Diebold-Mariano test")
    diff = (
        pd.Series(np.abs(errors) - np.abs(naive_errors))
        .groupby(np.asarray(origins))
        .mean()
        .sort_index()
    )
    d = diff.to_numpy()
    if len(d) < 3 or not np.any(d != d[0]):
        return np.nan
    fit = sm.OLS(d, np.ones(len(d))).fit(cov_type="HAC", cov_kwds={"maxlags": max(h - 1, 0)})
    return float(fit.pvalues[0])


def accuracy_report(
    cv: pd.DataFrame,
    prices: MarketData | pd.DataFrame,
    *,
    season_length: int = 5,
    level: float | None = None,
) -> pd.DataFrame:
    """Accuracy of each model in ``cv`` and of the baselines on the same forecasts.

    Parameters
    ----------
    cv : DataFrame
        One or more walk-forward frames (concatenated) on the same origins.
    prices : MarketData or DataFrame of shape (n_bars, n_symbols)
    season_length : int
    level : float, optional
        Nominal interval level in percent (read from ``cv.attrs`` when not given).

    Returns
    -------
    DataFrame indexed by method (the models, then ``naive``, ``seasonal_naive``, ``drift``)
    with columns ``mae, rmse, mase, directional_accuracy, coverage, interval_width,
    skill_vs_naive, dm_pvalue, n``; ``skill_vs_naive = 1 - MAE / MAE(naive)`` (> 0 beats the
    random walk), ``dm_pvalue`` tests whether that difference could be chance. Every model
    must have forecasts for the same rows (symbol, origin, step) in the same order. ``attrs`` holds ``level``, ``up_share`` (share of rows where the price rose),
    ``n_symbols`` and ``n_origins``.
    """
    frame = as_prices(prices)
    values = frame.to_numpy()
    models = list(dict.fromkeys(cv["model"]))
    table, errors = {}, {}
    first_rows = None
    for name in models:
        part = cv[cv["model"] == name]
        rows, cols = _positions(frame, part)
        scale = _mase_scale(values, rows, cols)
        has_band = {"lower", "upper"} <= set(part.columns)
        table[name] = _metrics(
            part["forecast"].to_numpy(),
            part["actual"].to_numpy(),
            part["last_price"].to_numpy(),
            scale,
            part["lower"].to_numpy() if has_band else None,
            part["upper"].to_numpy() if has_band else None,
        )
        errors[name] = part["forecast"].to_numpy() - part["actual"].to_numpy()
        if first_rows is None:
            first_rows, first_scale = part, scale
        elif not _same_rows(part, first_rows):
            raise DataError(
                f"model {name!r} has forecasts for other (symbol, origin, step) rows than {models[0]!r}"
            )
    if first_rows is None:
        raise DataError("the walk-forward frame is empty")
    base = baselines(frame, first_rows, season_length=season_length)
    actual, last = first_rows["actual"].to_numpy(), first_rows["last_price"].to_numpy()
    for name in BASELINES:
        table[name] = _metrics(base[name].to_numpy(), actual, last, first_scale)
        errors[name] = base[name].to_numpy() - actual
    report = pd.DataFrame(table).T
    report["skill_vs_naive"] = 1.0 - report["mae"] / report.loc["naive", "mae"]
    horizon = int(first_rows["step"].max())
    order = first_rows["origin"].to_numpy()
    report["dm_pvalue"] = [
        np.nan if name == "naive" else dm_pvalue(errors[name], errors["naive"], order, horizon)
        for name in report.index
    ]
    columns = ["mae", "rmse", "mase", "directional_accuracy", "coverage", "interval_width"]
    report = report[[*columns, "skill_vs_naive", "dm_pvalue", "n"]]
    report["n"] = report["n"].astype(int)
    report.index.name = "method"
    moved = actual != last
    report.attrs.update(
        level=float(level if level is not None else cv.attrs.get("level", np.nan)),
        up_share=float(np.mean(actual[moved] > last[moved])) if moved.any() else np.nan,
        n_symbols=int(first_rows["symbol"].nunique()),
        n_origins=int(first_rows["origin"].nunique()),
    )
    return report


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def verdict(report: pd.DataFrame) -> str:
    """A plain-language reading of :func:`accuracy_report`, computed from its numbers."""
    models = [m for m in report.index if m not in BASELINES]
    naive = report.loc["naive"]
    best_base = report.loc[list(BASELINES), "mae"].idxmin()
    level = report.attrs.get("level", np.nan)
    up = report.attrs.get("up_share", np.nan)
    lines = [
        f"{int(naive['n'])} forecasts per method ({report.attrs.get('n_symbols', '?')} symbols x "
        f"{report.attrs.get('n_origins', '?')} origins x steps). The best baseline by MAE is {best_base}."
    ]
    for name in models:
        row = report.loc[name]
        ratio = row["mae"] / naive["mae"] - 1.0
        if ratio < 0:
            rw = f"beats the random walk: its MAE is {_pct(-ratio)} lower"
        else:
            rw = f"does NOT beat the random walk: its MAE is {_pct(ratio)} higher"
        base_mae = report.loc[best_base, "mae"]
        vs_best = "beats" if row["mae"] < base_mae else "does not beat"
        text = f"{name} {rw} (MASE {row['mase']:.3f} vs {naive['mase']:.3f}), and {vs_best} the best baseline ({best_base})."
        p = row["dm_pvalue"]
        if np.isfinite(p):
            sig = "statistically significant" if p < 0.05 else "not statistically significant"
            text += f" The difference from the random walk is {sig} (Diebold-Mariano p = {p:.3f})."
        da = row["directional_accuracy"]
        if np.isfinite(da):
            text += (
                f" It called the direction right {_pct(da)} of the time; prices rose in {_pct(up)} of cases, "
                f"so always saying 'up' would have scored {_pct(up)}."
            )
        cov = row["coverage"]
        if np.isfinite(cov) and np.isfinite(level):
            gap = 100 * cov - level
            judged = "about right" if abs(gap) <= 5 else ("too narrow" if gap < 0 else "too wide")
            text += f" Its {level:g}% intervals held {_pct(cov)} of outcomes ({judged})."
        lines.append(text)
    return "\n".join(lines)
