"""Parameter sweeps: grids and random search over a strategy's config, locally or on Ray.

Each combination is backtested with the event engine's numba core (or vectorbt) and
scored with the risk measures; the table has one row per combination. Combinations the
strategy's config rejects (e.g. ``fast >= slow``) are skipped and counted.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import, use_hvplot
from ntlab.backtest._guard import PASSED, config_verdicts, refuse_all
from ntlab.backtest._parallel import run_processes, run_ray, worker_count
from ntlab.backtest._score_nb import SCORE_NAMES, score_nb
from ntlab.backtest._trades_nb import trades_nb
from ntlab.backtest.event import EventSettings, Prepared, prepare, simulate
from ntlab.backtest.overfit import overfitting_stats
from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.risk.periods import resolve_periods
from ntlab.strategies.base import Strategy
from ntlab.strategies.registry import resolve_strategy

__all__ = ["SweepResult", "sweep", "param_grid", "random_params", "METRICS"]

RETURNS_KEY = "_returns"  # per-bar returns of a row, taken out of the table by sweep()

METRICS = (
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "volatility",
    "trades",
    "final_equity",
)


@dataclass
class SweepResult:
    """Scores of every combination.

    Attributes
    ----------
    table : DataFrame
        One row per combination: the parameters, then ``METRICS``.
    params : list of str
        Names of the swept parameters.
    metric : str
        The metric :meth:`best` ranks by (higher is better; ``max_drawdown`` is negative).
    skipped : int
        Combinations the strategy's config rejected (its ``validate`` raised ConfigError or
        ValueError); the sweep records them as invalid and goes on with the others.
    refused : int
        Combinations the look-ahead guard refused: their rows have NaN scores and the
        ``guard`` column says why (``"passed"`` for the others; no column when the sweep
        ran with ``allow_lookahead=True``).
    periods_per_year : float
        Bars per year behind the annualised scores.
    returns : ndarray of shape (n_bars, n_trials) or None
        Per-bar returns of every combination (the rows of ``table``; the first bar 0, as
        in the scores; NaN for a refused one), for the overfitting statistics.
    overfitting : dict
        :func:`ntlab.backtest.overfit.overfitting_stats` of the search: ``trials``, the
        best combination's (by ``metric``) Sharpe, the Sharpe ratio the best of that many
        unskilled trials would reach, its deflated Sharpe ratio and the PBO by CSCV. The
        trials are the combinations that ran (refused ones produced no result).
    """

    table: pd.DataFrame
    params: list[str]
    metric: str
    strategy: str
    skipped: int = 0
    refused: int = 0
    periods_per_year: float = float("nan")
    returns: np.ndarray | None = None
    overfitting: dict[str, float] = field(default_factory=dict)

    def best(self, metric: str | None = None) -> dict[str, Any]:
        """Parameters of the best combination (NaN scores never win; ties keep the first)."""
        key = metric or self.metric
        scores = self.table[key]
        if scores.notna().sum() == 0:
            raise ConfigError(f"no combination has a finite {key}; widen the data or the grid")
        pos = int(np.nanargmax(scores.to_numpy(dtype=float)))
        return {p: _plain(self.table[p].iloc[pos]) for p in self.params}

    def pivot(self, x: str, y: str, metric: str | None = None) -> pd.DataFrame:
        """``metric`` as a (y, x) table, for two swept parameters."""
        for p in (x, y):
            if p not in self.params:
                raise ConfigError(f"{p!r} was not swept; swept parameters are {self.params}")
        return self.table.pivot_table(
            index=y, columns=x, values=metric or self.metric, aggfunc="mean"
        )

    def heatmap(self, x: str, y: str, metric: str | None = None, **opts: Any) -> Any:
        """hvplot heatmap of ``metric`` over two swept parameters.

        The swept values are drawn as evenly spaced categories in numeric order, so grids
        such as 10, 20, 40 fill the plot without white gaps between cells.
        """
        use_hvplot("sweep heatmaps")
        key = metric or self.metric
        self.pivot(x, y, key)  # validates the names
        frame = self.table.groupby([x, y], as_index=False)[key].mean().sort_values([y, x])
        frame[x], frame[y] = frame[x].map(_label), frame[y].map(_label)
        return frame.hvplot.heatmap(x=x, y=y, C=key, title=f"{self.strategy}: {key}", **opts)


def _label(v: Any) -> str:
    """A swept value as an axis label (``20``, ``0.5``, ``True``)."""
    return f"{v:g}" if isinstance(v, float | np.floating) else str(v)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def param_grid(grid: Mapping[str, Sequence[Any]]) -> list[dict[str, Any]]:
    """Every combination of the grid's values, in order (last parameter varies fastest)."""
    if not grid:
        raise ConfigError("the grid is empty; give at least one parameter with a list of values")
    names = list(grid)
    for name in names:
        values = grid[name]
        if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray | range):
            raise ConfigError(
                f"grid[{name!r}] must be a list of values, got {type(values).__name__}"
            )
        if len(values) == 0:
            raise ConfigError(f"grid[{name!r}] is empty")
    return [
        dict(zip(names, (_plain(v) for v in combo))) for combo in itertools.product(*grid.values())
    ]


def random_params(grid: Mapping[str, Sequence[Any]], n: int, seed: int = 0) -> list[dict[str, Any]]:
    """``n`` distinct combinations drawn uniformly from the grid (all of them if it has fewer)."""
    if n < 1:
        raise ConfigError(f"random search needs n >= 1, got {n}")
    combos = param_grid(grid)
    if n >= len(combos):
        return combos
    pick = np.random.default_rng(seed).choice(len(combos), size=n, replace=False)
    return [combos[i] for i in np.sort(pick)]


def _configs(
    base: Strategy, combos: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[Any], int]:
    kept, configs, skipped = [], [], 0
    for params in combos:
        try:
            configs.append(base.config.replace(**params))
        except ValueError as exc:  # ConfigError, or a user config's plain ValueError
            if isinstance(exc, ConfigError) and "unknown parameter" in str(exc):
                raise
            skipped += 1
            continue
        kept.append(params)
    return kept, configs, skipped


def score_equity(equity: np.ndarray, n_trades: int, ppy: float) -> dict[str, float]:
    """The sweep metrics of one equity curve of shape (n_bars,) (risk-module definitions)."""
    values = score_nb(np.ascontiguousarray(equity, dtype=np.float64), float(ppy))
    out = dict(zip(SCORE_NAMES, values.tolist()))
    out["trades"] = float(n_trades)
    out["final_equity"] = float(equity[-1])
    return out


def evaluate(
    strategy: Strategy,
    data: MarketData,
    settings: EventSettings | VectorSettings,
    *,
    start: int = 0,
    prepared: Prepared | None = None,
    ppy: float | None = None,
    keep_returns: bool = False,
) -> dict[str, Any]:
    """Metrics of one backtest without building a full result (the sweep's inner step).

    With ``start > 0`` (event engine only) the book opens at bar ``start`` and the
    metrics cover bars ``start - 1 ..`` (the earlier bars are history for the signals).
    ``keep_returns`` adds the per-bar returns (``RETURNS_KEY``, shape (n_bars,), the first
    0 as in the scores) for the overfitting statistics.
    """
    ppy = ppy or resolve_periods(settings.periods_per_year, data.index)
    signals = strategy.signals(data)
    if isinstance(settings, VectorSettings):
        if start:
            raise ConfigError("the vector path cannot start the book late; use the event engine")
        res = run_vector(signals, data, settings)
        s = res.summary()
        out = {k: s[k] for k in METRICS}
        if keep_returns:
            out[RETURNS_KEY] = res.returns.to_numpy()
        return out
    prep = prepared or prepare(data, settings)
    n, m = prep.prices[3].shape
    if signals.target.shape != (n, m):
        raise ConfigError(
            f"{strategy.name}: signals of shape {signals.target.shape} for data of shape {(n, m)}"
        )
    equity, _, _, rec, _, _, _ = simulate(signals, data, settings, start=start, prepared=prep)
    n_trades = len(trades_nb(rec, m, n - 1, np.zeros(m)))
    curve = equity[max(start - 1, 0) :]
    out: dict[str, Any] = score_equity(curve, n_trades, ppy)
    if keep_returns:
        out[RETURNS_KEY] = np.concatenate([[0.0], curve[1:] / curve[:-1] - 1.0])
    return out


def _run_chunk(
    cls: type[Strategy], configs: list[Any], data: MarketData, settings: Any, progress: Any = None
) -> list[dict[str, float]]:
    """Evaluate configs one after another, preparing the data once."""
    prep = prepare(data, settings) if isinstance(settings, EventSettings) else None
    ppy = resolve_periods(settings.periods_per_year, data.index)
    rows = []
    for c in configs:
        strategy = cls(config=c)
        rows.append(evaluate(strategy, data, settings, prepared=prep, ppy=ppy, keep_returns=True))
        if progress is not None:
            progress.update(1)
    return rows


def sweep(
    strategy: str | type[Strategy] | Strategy,
    data: MarketData,
    grid: Mapping[str, Sequence[Any]],
    *,
    n_random: int | None = None,
    seed: int = 0,
    settings: EventSettings | VectorSettings | None = None,
    metric: str = "sharpe",
    engine: str = "local",
    workers: int | None = 1,
    progress: bool = True,
    allow_lookahead: bool = False,
) -> SweepResult:
    """Backtest every combination of ``grid`` (or ``n_random`` of them) and score it.

    Parameters
    ----------
    strategy : Strategy, Strategy class, registered name or import path
        Anything :func:`ntlab.strategies.resolve_strategy` takes. Parameters not in the
        grid keep the instance's (or the default) values.
    data : MarketData
    grid : mapping of parameter name to a list of values
    n_random : int, optional
        Random search: this many distinct combinations drawn from the grid (``seed``).
    settings : EventSettings or VectorSettings, optional
        Selects the engine: the event engine's numba core (default) or vectorbt.
    metric : str
        One of ``METRICS``; :meth:`SweepResult.best` ranks by it.
    engine : {"local", "ray"}
        Run on this machine, or in batched chunks on a Ray cluster: the one already
        running (``ray start``; ``RAY_ADDRESS``), else a local one started for this sweep
        and stopped after it (see :mod:`ntlab.backtest._parallel`).
    workers : int or None
        Local engine: processes to spread the combinations over (``None`` = every core).
        1 (the default) runs in this process; more start a pool of worker processes that
        stays warm for later sweeps. The table is the same bit for bit.
    progress : bool
        Show a tqdm progress bar.
    allow_lookahead : bool
        Skip the look-ahead guard. By default every distinct combination is checked
        (:func:`ntlab.testing.check_causal`, cached per combination and data) before any
        runs; a refused one is not run, keeps NaN scores and its ``guard`` entry says
        why, and :meth:`SweepResult.best` never picks it. When all are refused the
        sweep raises :class:`~ntlab.errors.LookAheadError`.
    """
    if metric not in METRICS:
        raise ConfigError(f"metric must be one of {METRICS}, got {metric!r}")
    if engine not in ("local", "ray"):
        raise ConfigError(f"engine must be 'local' or 'ray', got {engine!r}")
    base = resolve_strategy(strategy)
    combos = random_params(grid, n_random, seed) if n_random else param_grid(grid)
    combos, configs, skipped = _configs(base, combos)
    if not configs:
        raise ConfigError(
            f"every one of the {skipped} combinations was rejected by {base.name}'s config"
        )
    cfg = settings or EventSettings()
    cls = type(base)
    tqdm = attempt_import("tqdm.auto", purpose="progress bars").tqdm
    verdicts = None
    if not allow_lookahead:
        with tqdm(
            total=len(configs), desc=f"look-ahead check {base.name}", disable=not progress,
            leave=False,
        ) as bar:  # fmt: skip
            verdicts = config_verdicts(cls, configs, data, bar)
        refuse_all(base.name, verdicts)
    runs = configs if verdicts is None else [c for c, v in zip(configs, verdicts) if v == PASSED]
    n_workers = worker_count(workers)
    with tqdm(
        total=len(runs), desc=f"sweep {base.name} ({engine})", disable=not progress, leave=False
    ) as bar:
        if engine == "ray":
            rows = run_ray(_run_chunk, cls, runs, data, cfg, bar)
        elif n_workers > 1 and len(runs) > 1:
            rows = run_processes(_run_chunk, cls, runs, data, cfg, n_workers, bar)
        else:
            rows = _run_chunk(cls, runs, data, cfg, bar)
    ran = np.flatnonzero([v == PASSED for v in verdicts]) if verdicts else np.arange(len(runs))
    ran_curves = np.column_stack([row.pop(RETURNS_KEY) for row in rows])
    curves = np.full((ran_curves.shape[0], len(configs)), np.nan)
    curves[:, ran] = ran_curves
    scores = pd.DataFrame(rows, index=ran).reindex(range(len(configs)))
    if verdicts is not None:
        scores["guard"] = verdicts
    table = pd.concat([pd.DataFrame(combos), scores], axis=1)
    refused = len(configs) - len(ran)
    ppy = resolve_periods(cfg.periods_per_year, data.index)
    return SweepResult(
        table=table,
        params=list(grid),
        metric=metric,
        strategy=base.name,
        skipped=skipped,
        refused=refused,
        periods_per_year=ppy,
        returns=curves,
        overfitting=search_stats(ran_curves, table[metric].to_numpy(dtype=float)[ran], ppy),
    )


def search_stats(curves: np.ndarray, scores: np.ndarray, ppy: float) -> dict[str, float]:
    """Overfitting statistics of a search whose pick is the best of ``scores`` (NaN: none)."""
    if not np.isfinite(scores).any() or curves.shape[0] < 3:
        nan = float("nan")
        names = ("best_sharpe", "expected_max_sharpe", "deflated_sharpe", "pbo", "pbo_splits")
        names += ("trial_sharpe_variance",)
        return {"trials": float(curves.shape[1]), **dict.fromkeys(names, nan)}
    return overfitting_stats(curves, int(np.nanargmax(scores)), ppy)
