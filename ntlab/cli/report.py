"""``ntlab report``: run a parameterised notebook (or a grid of parameter sets) into reports/.

Each run writes the executed notebook (.ipynb) and a standalone HTML page; a grid also
writes an index page linking every run.

  ntlab report quickstart
  ntlab report quickstart -p symbols='["IBM"]' -p start=2005-01-01T00:00Z
  ntlab report backtest_report -p strategy_config='{"strategy": "momentum", "lookback": 60}'
  ntlab report backtest_report --grid grid.yaml --engine ray --workers 2
"""

from __future__ import annotations

import argparse
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report",
        help="run a notebook (or a parameter grid) into HTML reports",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "notebook", nargs="?", help="notebook path or name in notebooks/ (e.g. quickstart)"
    )
    p.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="notebook parameter, JSON-decoded when it parses (repeatable)",
    )
    p.add_argument("--grid", metavar="FILE", help="YAML or JSON list of parameter sets to run")
    p.add_argument(
        "--engine",
        choices=("local", "ray"),
        default="local",
        help="grid engine (default local processes)",
    )
    p.add_argument("--workers", type=int, help="parallel grid runs (default: CPU count)")
    p.add_argument("-o", "--output", default="reports", help="output folder (default reports/)")
    p.add_argument("--no-html", action="store_true", help="skip the HTML export")
    p.add_argument("--list", action="store_true", help="list the notebooks and their parameters")
    p.set_defaults(run=_run)


def _list() -> int:
    from ntlab.reports.notebook import NOTEBOOK_DIR, notebook_parameters

    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        params = ", ".join(f"{k}={v}" for k, v in notebook_parameters(path).items())
        print(f"{path.stem}\n    {params or '(no parameters)'}")
    return 0


def _run(args: argparse.Namespace) -> int:
    from ntlab.cli._params import import_from_working_folder, json_params
    from ntlab.errors import ConfigError
    from ntlab.reports.notebook import ensure_kernel

    if args.list:
        return _list()
    if not args.notebook:
        raise ConfigError("name a notebook (ntlab report --list shows them)")
    kernel = ensure_kernel()
    if kernel.installed_now:
        print(kernel)
    params = json_params(args.param)
    import_from_working_folder()  # a strategy_config may name package.module:ClassName from here
    if args.grid:
        return _grid(args, params)
    from ntlab.reports.notebook import run_notebook

    run = run_notebook(args.notebook, params, output_dir=args.output, html=not args.no_html)
    print(f"{run.notebook}: executed in {run.seconds:.1f}s")
    print(f"  notebook: {run.ipynb}")
    if run.html:
        print(f"  html:     {run.html}")
    return 0


def _grid(args: argparse.Namespace, fixed: dict) -> int:
    from ntlab.reports.grid import load_grid, run_grid

    sets = [{**fixed, **point} for point in load_grid(args.grid)]
    runs = run_grid(
        args.notebook,
        sets,
        output_dir=args.output,
        engine=args.engine,
        workers=args.workers,
        html=not args.no_html,
    )
    failed = [r for r in runs if not r.ok]
    index = runs[0].ipynb.parent / "index.html"
    print(f"{len(runs) - len(failed)} of {len(runs)} runs succeeded; index: {index}")
    for run in failed:
        print(f"FAILED {run.parameters}: {run.error}", file=sys.stderr)
    return 1 if failed else 0
