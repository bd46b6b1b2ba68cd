"""Backtesting: vectorbt for research sweeps, ntlab's own event engine for realism.

``run_event`` (numba core, the live sessions' ExecutionPolicy and fill/cost kernels) and
``run_vector`` (vectorbt) take the same strategy or signals and agree on the same
settings (see ``tests/unit/backtest/test_parity.py``). ``sweep`` and ``walk_forward``
search parameters locally or on Ray. vectorbt and Ray are imported only when used.
"""

from ntlab.backtest.event import EventSettings, run_event
from ntlab.backtest.result import BacktestResult
from ntlab.backtest.sweep import SweepResult, param_grid, random_params, sweep
from ntlab.backtest.vector import VectorSettings, run_vector
from ntlab.backtest.walkforward import WalkForwardResult, walk_forward

__all__ = [
    "BacktestResult",
    "EventSettings",
    "SweepResult",
    "VectorSettings",
    "WalkForwardResult",
    "param_grid",
    "random_params",
    "run_event",
    "run_vector",
    "sweep",
    "walk_forward",
]
