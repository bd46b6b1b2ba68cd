"""``ntlab demo``: the main job on the bundled real data."""

from __future__ import annotations

import argparse
import time


def add_parser(sub) -> None:
    p = sub.add_parser("demo", help="run the main job on the bundled data", description=__doc__)
    p.add_argument(
        "--output", default="reports", help="folder for the notebook reports (default reports/)"
    )
    p.add_argument("--no-notebooks", action="store_true", help="skip the notebook reports")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ntlab.backtest.event import run_event
    from ntlab.data import load_sample
    from ntlab.strategies import get
    from ntlab.testing import check_strategy

    t0 = time.perf_counter()
    data = load_sample("stocks")
    print(f"[1/3] data: {data!r}")
    strategy = get("momentum")
    report = check_strategy(strategy, data)
    print(f"[2/3] look-ahead check: {report}")
    result = run_event(strategy, data)  # the engine of `ntlab backtest` and the notebooks
    print("[3/3] backtest on default settings (the vector engine makes the same trades):")
    print(result.summary_table())
    if not args.no_notebooks:
        from ntlab.reports.demo import run_demo

        print("notebook reports (quickstart, backtest report, parity report):")
        run_demo(args.output)
    print(f"done in {time.perf_counter() - t0:.1f}s")
    return 0
