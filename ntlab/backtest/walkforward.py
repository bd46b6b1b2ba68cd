"""Walk-forward optimisation: sweep on a training window, trade the next window out of sample.

Fold k trains on bars ``[k*step, k*step + train)`` and tests on the ``test`` bars that
follow. The test backtest sees the training bars as history (signals are causal, so
they cannot leak) but its book opens flat at the first test bar. The out-of-sample
returns of the folds are chained into one equity curve; a fold's segment ends where the
next fold's test window begins, so no bar is counted twice.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import, use_hvplot
from ntlab._ray import ray_session
from ntlab.backtest._common import guard_lookahead
from ntlab.backtest._guard import PASSED, verdict
from ntlab.backtest._trades_nb import trades_nb
from ntlab.backtest.event import EventSettings, simulate
from ntlab.backtest.overfit import deflated_sharpe_ratio
from ntlab.backtest.sweep import METRICS, score_equity, sweep
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.risk import measures
from ntlab.risk.periods import resolve_periods
from ntlab.strategies.base import Strategy
from ntlab.strategies.registry import resolve_strategy

__all__ = ["WalkForwardResult", "walk_forward", "fold_bounds"]


@dataclass
class WalkForwardResult:
    """Folds and the stitched out-of-sample curve.

    Attributes
    ----------
    folds : DataFrame
        One row per fold: train/test start and end times, the chosen parameters, the
        training score, the training search's overfitting statistics (``trials``,
        ``train_deflated_sharpe``, ``train_pbo``, see :mod:`ntlab.backtest.overfit`) and
        the out-of-sample metrics.
    equity : Series
        Out-of-sample equity, starting from ``init_cash``, over the test bars.
    periods_per_year : float
        Bars per year behind the annualised figures (read from the whole data).
    """

    folds: pd.DataFrame
    equity: pd.Series
    metric: str
    strategy: str
    params: list[str]
    periods_per_year: float = float("nan")

    @property
    def returns(self) -> pd.Series:
        r = measures.to_returns(self.equity)
        r.name = "returns"
        return r

    def summary(self) -> dict[str, float]:
        """Out-of-sample metrics of the stitched curve, with the search's overfitting figures.

        ``trials`` is the number of configurations each fold's search tried; ``pbo`` the
        mean of the folds' training PBO; ``deflated_sharpe`` deflates the out-of-sample
        curve's Sharpe ratio as if it were the best of ``trials`` (with the folds' mean
        trial-Sharpe variance): the conservative reading, since each fold's pick was the
        best of that many.
        """
        ppy = self.periods_per_year
        if not ppy > 0:
            ppy = measures.periods_per_year(self.equity.index)  # type: ignore[arg-type]
        out = score_equity(self.equity.to_numpy(), int(self.folds["test_trades"].sum()), ppy)
        out["folds"] = float(len(self.folds))
        out["periods_per_year"] = float(ppy)
        out.update(self._overfitting())
        return out

    def _overfitting(self) -> dict[str, float]:
        f = self.folds
        if "trials" not in f or len(self.equity) < 3:
            return {}
        trials = int(f["trials"].max())
        var = float(f["trial_sharpe_variance"].mean())
        dsr = deflated_sharpe_ratio(
            self.returns.to_numpy(), n_trials=trials, sr_variance=var if var == var else 0.0
        )[0]
        return {
            "trials": float(trials),
            "deflated_sharpe": dsr,
            "pbo": float(f["train_pbo"].mean()),
        }

    def plot(self, **opts: Any) -> Any:
        """The out-of-sample equity curve (hvplot), folds marked by their start."""
        hv = attempt_import("holoviews", purpose="walk-forward plots")
        use_hvplot("walk-forward plots")
        curve = (
            self.equity.rename("equity")
            .to_frame()
            .hvplot.line(
                y="equity", title=f"{self.strategy}: walk-forward out-of-sample equity", **opts
            )
        )
        marks = [
            hv.VLine(t).opts(color="grey", line_dash="dotted") for t in self.folds["test_start"]
        ]
        return curve * hv.Overlay(marks) if marks else curve


def fold_bounds(
    n_bars: int, train: int, test: int, step: int | None = None
) -> list[tuple[int, int, int, int]]:
    """``(train_start, train_end, test_start, test_end)`` bar indices (ends exclusive).

    The last fold's test window may be shorter than ``test`` (at least 2 bars).
    """
    step = step or test
    if train < 2 or test < 2 or step < 1:
        raise ConfigError(
            f"walk-forward needs train >= 2, test >= 2 and step >= 1 bars, got {train}, {test}, {step}"
        )
    folds = []
    s = 0
    while s + train + 2 <= n_bars:
        folds.append((s, s + train, s + train, min(s + train + test, n_bars)))
        s += step
    if not folds:
        raise ConfigError(
            f"{n_bars} bars cannot hold a training window of {train} plus a test window of 2 bars"
        )
    return folds


def _one_ray_connection(fn):
    """With ``engine="ray"``, every fold's sweep shares one connection to the cluster."""

    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        if kwargs.get("engine") != "ray":
            return fn(*args, **kwargs)
        with ray_session():
            return fn(*args, **kwargs)

    return run


@_one_ray_connection
def walk_forward(
    strategy: str | type[Strategy] | Strategy,
    data: MarketData,
    grid: Mapping[str, Sequence[Any]],
    *,
    train: int,
    test: int,
    step: int | None = None,
    metric: str = "sharpe",
    settings: EventSettings | None = None,
    n_random: int | None = None,
    seed: int = 0,
    engine: str = "local",
    workers: int | None = 1,
    progress: bool = True,
    allow_lookahead: bool = False,
) -> WalkForwardResult:
    """Walk-forward optimisation of ``strategy`` over ``grid`` (see the module docstring).

    Parameters
    ----------
    train, test, step : int
        Window lengths and the shift between folds, in bars (``step`` defaults to ``test``).
    metric : str
        Training score to maximise (one of ``METRICS``).
    settings : EventSettings, optional
        Event-engine settings for both the sweeps and the out-of-sample runs.
    n_random, seed, engine, workers
        Passed to :func:`ntlab.backtest.sweep` for each fold (with ``engine="ray"`` all
        folds share one connection to the cluster).
    allow_lookahead : bool
        Skip the look-ahead guard. By default each fold's sweep checks every
        combination on its training window (a refused one is never chosen; the fold's
        ``refused`` column counts them) and the chosen one is checked again on the
        window its out-of-sample run sees.
    progress : bool
        One tqdm bar over the folds.
    """
    if metric not in METRICS:
        raise ConfigError(f"metric must be one of {METRICS}, got {metric!r}")
    cfg = settings or EventSettings()
    if not isinstance(cfg, EventSettings):
        raise ConfigError("walk_forward runs on the event engine; give EventSettings")
    base = resolve_strategy(strategy)
    bounds = fold_bounds(data.n_bars, train, test, step)
    index = data.index
    ppy = resolve_periods(cfg.periods_per_year, index)
    seg_ends = [
        min(d, bounds[k + 1][2]) if k + 1 < len(bounds) else d
        for k, (_, _, _, d) in enumerate(bounds)
    ]
    rows, pieces = [], []
    tqdm = attempt_import("tqdm.auto", purpose="progress bars").tqdm
    folds = tqdm(
        list(enumerate(bounds)), desc=f"walk-forward {base.name}", disable=not progress, leave=False
    )
    for k, (a, b, c, d) in folds:
        res = sweep(
            base, data[a:b], grid, n_random=n_random, seed=seed, settings=cfg, metric=metric,
            engine=engine, workers=workers, progress=False, allow_lookahead=allow_lookahead,
        )  # fmt: skip
        best = res.best()
        chosen = type(base)(config=base.config.replace(**best))
        train_score = float(res.table[metric].max())
        window = data[a:d]
        if not allow_lookahead and verdict(chosen, window) != PASSED:
            guard_lookahead(chosen, window)  # raises with the full reason
        equity, _, _, rec, _, _, _ = simulate(chosen.signals(window), window, cfg, start=c - a)
        seg_end = seg_ends[k]
        oos = equity[c - a - 1 : seg_end - a]  # from the bar before the test window (= init_cash)
        pieces.append(oos[1:] / oos[:-1] - 1.0)
        n_trades = len(
            trades_nb(rec, window.n_symbols, window.n_bars - 1, np.zeros(window.n_symbols))
        )
        scores = score_equity(oos, n_trades, ppy)
        rows.append(
            {
                "fold": k,
                "train_start": index[a],
                "train_end": index[b - 1],
                "test_start": index[c],
                "test_end": index[seg_end - 1],
                **best,
                "refused": res.refused,
                f"train_{metric}": train_score,
                "trials": res.overfitting["trials"],
                "train_deflated_sharpe": res.overfitting["deflated_sharpe"],
                "train_pbo": res.overfitting["pbo"],
                "trial_sharpe_variance": res.overfitting["trial_sharpe_variance"],
                **{f"test_{m}": v for m, v in scores.items()},
            }
        )
    returns = np.concatenate(pieces)
    test_index = index[np.concatenate([np.arange(f[2], e) for f, e in zip(bounds, seg_ends)])]
    equity_oos = pd.Series(
        cfg.init_cash * np.cumprod(1.0 + returns), index=test_index, name="equity"
    )
    return WalkForwardResult(
        folds=pd.DataFrame(rows),
        equity=equity_oos,
        metric=metric,
        strategy=base.name,
        params=list(grid),
        periods_per_year=ppy,
    )
