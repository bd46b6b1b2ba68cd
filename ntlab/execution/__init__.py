"""Execution: the shared ExecutionPolicy (targets -> orders) and the fill and cost models.

The event backtest and the paper/live sessions call the same numba kernels
(:mod:`ntlab.execution._fill_nb`), so a backtest and a paper session cannot drift apart.
"""

from ntlab.execution.costs import Commission, Slippage
from ntlab.execution.fills import BarFill, FillModel, fill_order
from ntlab.execution.policy import ExecutionPolicy

__all__ = ["BarFill", "Commission", "ExecutionPolicy", "FillModel", "Slippage", "fill_order"]
