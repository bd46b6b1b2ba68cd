"""The notebook part of ``make demo``: run the main notebooks on the bundled data."""

from __future__ import annotations

from pathlib import Path

from ntlab.reports.grid import write_index
from ntlab.reports.notebook import NotebookRun, ensure_kernel, run_notebook

__all__ = ["run_demo", "DEMO_NOTEBOOKS"]

DEMO_NOTEBOOKS = ("quickstart", "backtest_report", "parity_report")


def run_demo(
    output_dir: str | Path = "reports", notebooks: tuple[str, ...] = DEMO_NOTEBOOKS, *, echo=print
) -> list[NotebookRun]:
    """Execute the demo notebooks with their defaults into ``output_dir`` (ipynb + HTML).

    Writes ``<output_dir>/index.html`` linking the reports and prints where they are.
    A failing notebook raises :class:`~ntlab.reports.notebook.NotebookError` naming the cell.
    """
    out = Path(output_dir)
    echo(f"notebooks: {ensure_kernel()}")
    runs = []
    for name in notebooks:
        run = run_notebook(name, output_dir=out)
        echo(f"  {run.notebook:<24} {run.seconds:5.1f}s  -> {run.html}")
        runs.append(run)
    index = write_index(runs, out / "index.html", title="ntlab demo reports")
    echo(f"reports: open {index.resolve()}")
    return runs
