"""Reports: tearsheets, figures (hvplot, imported lazily), parity checks, notebook runs.

Nothing heavy is imported here: hvplot, papermill, nbconvert, vectorbt, Ray and the
parity references load inside the functions that use them.
"""

from ntlab.reports.demo import run_demo
from ntlab.reports.figures import (
    drawdown_figure,
    equity_figure,
    monthly_heatmap,
    notebook_setup,
    price_figure,
    returns_histogram,
)
from ntlab.reports.grid import load_grid, run_grid, write_index
from ntlab.reports.notebook import (
    NotebookError,
    NotebookRun,
    ensure_kernel,
    export_html,
    notebook_parameters,
    run_notebook,
)
from ntlab.reports.parity import (
    ParityContext,
    available_checks,
    compare,
    compare_curves,
    not_available,
    parity_check,
    parity_summary,
    rows_frame,
    run_parity,
)
from ntlab.reports.tables import (
    benchmark_equity,
    format_metrics,
    metrics_table,
    monthly_returns,
    trades_table,
)
from ntlab.reports.tearsheet import (
    Tearsheet,
    out_of_sample,
    run_config,
    tearsheet,
)
from ntlab.strategies.registry import resolve_strategy  # re-exported for notebooks

__all__ = [
    "NotebookError",
    "NotebookRun",
    "ParityContext",
    "Tearsheet",
    "available_checks",
    "benchmark_equity",
    "compare",
    "compare_curves",
    "drawdown_figure",
    "ensure_kernel",
    "equity_figure",
    "export_html",
    "format_metrics",
    "load_grid",
    "metrics_table",
    "monthly_heatmap",
    "monthly_returns",
    "not_available",
    "notebook_setup",
    "notebook_parameters",
    "out_of_sample",
    "parity_check",
    "parity_summary",
    "price_figure",
    "resolve_strategy",
    "returns_histogram",
    "rows_frame",
    "run_config",
    "run_demo",
    "run_grid",
    "run_notebook",
    "run_parity",
    "tearsheet",
    "trades_table",
    "write_index",
]
