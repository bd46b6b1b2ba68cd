"""Run one notebook over a grid of parameter sets, in local processes or on Ray.

A grid file is YAML or JSON holding a list of parameter sets, e.g.::

    - {strategy: momentum, lookback: 20}
    - {strategy: momentum, lookback: 60}

Each set gives an executed ``.ipynb`` and ``.html`` in the output folder; ``index.html``
links them all with their parameters, status and run time. A failing set is recorded
(with the cell and error) and does not stop the others.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError, NtlabError
from ntlab.reports.notebook import NotebookRun, find_notebook, output_stem, run_notebook

__all__ = ["load_grid", "run_grid", "write_index", "BACKENDS"]

#: Where a grid runs (``engine=``): in this process, or on a Ray cluster.
BACKENDS = ("local", "ray")


def load_grid(path: str | Path) -> list[dict[str, Any]]:
    """Read a YAML (``.yaml``/``.yml``) or JSON file holding a list of parameter dicts."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"grid file {p} does not exist")
    text = p.read_text(encoding="utf-8")
    if p.suffix.lower() in (".yaml", ".yml"):
        yaml = attempt_import("yaml", purpose="YAML grid files")
        try:
            grid = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"grid file {p} is not valid YAML: {exc}") from None
    else:
        try:
            grid = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigError(
                f"grid file {p} is not valid JSON ({exc}); YAML files must end in .yaml"
            ) from None
    return check_grid(grid, where=str(p))


def check_grid(grid: Any, where: str = "grid") -> list[dict[str, Any]]:
    if not isinstance(grid, list) or not grid:
        raise ConfigError(f"{where}: a grid must be a non-empty list of parameter sets (mappings)")
    for i, item in enumerate(grid):
        if not isinstance(item, dict) or not all(isinstance(k, str) for k in item):
            raise ConfigError(
                f"{where}: item {i} must be a mapping of parameter name to value, got {item!r}"
            )
    return [dict(item) for item in grid]


def _run_one(
    notebook: str, params: dict[str, Any], output_dir: str, stem: str, html_out: bool
) -> NotebookRun:
    """Run one grid point; errors are returned in the record, never raised."""
    import time

    t0 = time.perf_counter()
    try:
        return run_notebook(notebook, params, output_dir=output_dir, html=html_out, stem=stem)
    except NtlabError as exc:
        ipynb = Path(output_dir) / f"{stem}.ipynb"
        return NotebookRun(
            Path(notebook).name, params, ipynb, None, time.perf_counter() - t0, error=str(exc)
        )


def _local(jobs: list[tuple], workers: int) -> Iterable[NotebookRun]:
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_run_one, *job) for job in jobs]
        for fut in as_completed(futures):
            yield fut.result()


def _ray(jobs: list[tuple], workers: int) -> Iterable[NotebookRun]:
    from ntlab._ray import ray_session

    with ray_session(num_cpus=workers) as ray:
        task = ray.remote(num_cpus=1)(_run_one)
        pending = [task.remote(*job) for job in jobs]
        while pending:
            done, pending = ray.wait(pending, num_returns=1)
            yield ray.get(done[0])


def run_grid(
    notebook: str | Path,
    grid: list[dict[str, Any]] | str | Path,
    *,
    output_dir: str | Path = "reports",
    engine: str = "local",
    workers: int | None = None,
    html: bool = True,
    progress: bool = True,
    on_result: Callable[[NotebookRun], None] | None = None,
) -> list[NotebookRun]:
    """Execute ``notebook`` once per parameter set and write ``index.html`` linking the results.

    Parameters
    ----------
    notebook : str or Path
    grid : list of dict, or path of a YAML/JSON grid file
    output_dir : str or Path
        Results go to ``<output_dir>/<notebook>-grid/``.
    engine : {"local", "ray"}
        Local worker processes, or tasks on a local Ray cluster.
    workers : int, optional
        Parallel runs (default: CPU count, at most the grid size).

    Returns
    -------
    list of NotebookRun, in grid order (failed runs carry ``error``).
    """
    if engine not in BACKENDS:
        raise ConfigError(f"engine must be one of {BACKENDS}, got {engine!r}")
    sets = load_grid(grid) if isinstance(grid, str | Path) else check_grid(grid)
    source = find_notebook(notebook)
    out = Path(output_dir) / f"{source.stem}-grid"
    out.mkdir(parents=True, exist_ok=True)
    stems = [f"{i:03d}-{output_stem(source, p)}" for i, p in enumerate(sets)]
    jobs = [(str(source), p, str(out), s, html) for p, s in zip(sets, stems)]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    tqdm = attempt_import("tqdm", purpose="progress bars").tqdm
    runner = _local if engine == "local" else _ray
    by_stem: dict[str, NotebookRun] = {}
    with tqdm(
        total=len(jobs), desc=f"{source.stem} grid ({engine})", disable=not progress, unit="run"
    ) as bar:
        for run in runner(jobs, n_workers):
            by_stem[run.ipynb.stem] = run
            bar.update(1)
            if on_result:
                on_result(run)
    runs = [by_stem[s] for s in stems]
    write_index(
        runs, out / "index.html", title=f"{source.stem}: {len(runs)} parameter sets ({engine})"
    )
    return runs


#: Metrics the index shows per run when its notebook recorded them, in this order.
INDEX_METRICS = ("sharpe", "total_return", "cagr", "max_drawdown", "trades")

_SORT_JS = """<script>
document.querySelectorAll("th.sort").forEach((th, col) => th.addEventListener("click", () => {
  const table = th.closest("table"), body = table.tBodies[0];
  const index = Array.from(th.parentNode.children).indexOf(th);
  const dir = th.dataset.dir === "desc" ? 1 : -1; th.dataset.dir = dir === 1 ? "asc" : "desc";
  const key = r => { const v = r.children[index].dataset.value; return v === undefined || v === "" ? NaN : Number(v); };
  Array.from(body.rows).sort((a, b) => { const x = key(a), y = key(b);
    if (isNaN(x)) return 1; if (isNaN(y)) return -1; return dir * (x - y); })
    .forEach(r => body.appendChild(r));
}));
</script>"""


def _metric_cells(run: NotebookRun, names: list[str]) -> str:
    from ntlab.backtest.result import format_metric

    values = run.extra.get("metrics", {}) if run.ok else {}
    cells = []
    for name in names:
        value = values.get(name)
        shown = "" if value is None else format_metric(name, value)
        data = "" if value is None else repr(float(value))
        cells.append(f'<td class="num" data-value="{data}">{html.escape(shown)}</td>')
    return "".join(cells)


def write_index(runs: list[NotebookRun], path: str | Path, *, title: str = "ntlab reports") -> Path:
    """An HTML page with one row per run: parameters, the key metrics its notebook recorded
    (:func:`ntlab.reports.notebook.record_metrics`; click a metric's header to sort by it),
    status, seconds and links."""
    dest = Path(path)
    recorded = {k for run in runs for k in run.extra.get("metrics", {})}
    names = [m for m in INDEX_METRICS if m in recorded]
    rows = []
    for run in runs:
        link = (
            f'<a href="{html.escape(os.path.relpath(run.html, dest.parent))}">html</a>'
            if run.html
            else ""
        )
        nb = (
            f'<a href="{html.escape(os.path.relpath(run.ipynb, dest.parent))}">ipynb</a>'
            if run.ipynb.exists()
            else ""
        )
        status = (
            "ok"
            if run.ok
            else f'<span class="fail">failed</span><pre>{html.escape(run.error)}</pre>'
        )
        params = (
            html.escape(json.dumps(run.parameters, sort_keys=True, default=str))
            if run.parameters
            else "(defaults)"
        )
        rows.append(
            f"<tr><td>{html.escape(run.notebook)}</td><td><code>{params}</code></td>"
            f"{_metric_cells(run, names)}"
            f"<td>{status}</td><td>{run.seconds:.1f}</td><td>{link} {nb}</td></tr>"
        )
    heads = "".join(f'<th class="sort" title="click to sort">{html.escape(m)}</th>' for m in names)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>{html.escape(title)}</title><style>"
        "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.fail{color:#b00;font-weight:bold}"
        "pre{white-space:pre-wrap;max-width:60em}"
        "th.sort{cursor:pointer}td.num{text-align:right}</style></head><body>"
        f"<h1>{html.escape(title)}</h1><table><thead><tr><th>notebook</th><th>parameters</th>"
        f"{heads}<th>status</th><th>seconds</th><th>report</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        + _SORT_JS
        + "</body></html>"
    )
    dest.write_text(page, encoding="utf-8")
    return dest
