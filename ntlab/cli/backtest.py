"""``ntlab backtest``: backtest a strategy on a dataset and print its summary.

  ntlab backtest --strategy momentum -p lookback=30 -p allow_short=yes
  ntlab backtest --strategy momentum --data "sample:stocks?start=2005-01-01&end=2010-12-31"
  ntlab backtest --strategy mean_reversion --start 2008-01-01 --html reports/mr.html
  ntlab backtest --strategy my_strategies:SmaCross -p fast=10   (your own class; see docs/writing-a-strategy.md)

Parameters are read by the type of the strategy config's field (whole numbers for int
fields, true/false/yes/no for bool fields, ...); ntlab.strategies.available() lists the
registered strategies and docs/strategies.md their parameters.
"""

from __future__ import annotations

import argparse
import json
import sys


def add_parser(sub) -> None:
    p = sub.add_parser(
        "backtest",
        help="backtest a strategy and print the summary",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--strategy",
        required=True,
        help="registered name (momentum, mean_reversion, ...) or your class as package.module:ClassName",
    )
    p.add_argument(
        "--data",
        default="sample:stocks",
        help="data spec (default sample:stocks); sample:NAME?start=..&end=.. cuts a range",
    )
    p.add_argument("--start", help="first bar's date, e.g. 2005-01-01 (UTC midnight)")
    p.add_argument("--end", help="last bar's date, e.g. 2010-12-31")
    p.add_argument("--symbols", help="comma-separated subset of the data's symbols")
    p.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="strategy parameter (repeatable)",
    )
    p.add_argument("--cash", type=float, default=100_000.0, help="initial cash (default 100000)")
    p.add_argument(
        "--fees",
        type=float,
        default=0.001,
        help="commission as a fraction of traded value (default 0.001)",
    )
    p.add_argument(
        "--slippage",
        type=float,
        default=0.0005,
        help="slippage as a fraction of price (default 0.0005)",
    )
    p.add_argument(
        "--engine",
        choices=("event", "vector"),
        default="event",
        help="event: ntlab's engine (whole shares, the strategy's stops; default); vector: vectorbt",
    )
    p.add_argument(
        "--html", metavar="PATH", help="also write an HTML report (summary, plots, trades)"
    )
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(run=_run)


def _run(args: argparse.Namespace) -> int:
    from ntlab.cli._params import strategy_from_args, writable_file
    from ntlab.data import load

    html_path = writable_file(args.html) if args.html else None
    strategy = strategy_from_args(args.strategy, args.param)
    data = load(args.data, start=args.start, end=args.end)
    if args.symbols:
        data = data.select([s.strip() for s in args.symbols.split(",")])
    from ntlab.service.backtest import event_settings, vector_settings

    costs = {"init_cash": args.cash, "fees": args.fees, "slippage": args.slippage}
    if args.engine == "vector":
        from ntlab.backtest.vector import run_vector

        result = run_vector(strategy, data, vector_settings(**costs))
    else:
        from ntlab.backtest.event import run_event

        result = run_event(strategy, data, event_settings(**costs))
    if html_path is not None:
        result.to_html(html_path)
    if args.json:
        payload = {"strategy": strategy.to_dict(), "data": data.name, "engine": args.engine}
        print(json.dumps({**payload, "summary": result.to_dict()["summary"]}, indent=2))
    else:
        print(f"data: {data.name} ({data.n_bars} bars x {data.n_symbols} symbols)")
        print(f"strategy: {strategy!r} on the {args.engine} engine")
        print(
            f"costs: fees {args.fees:.2%} + slippage {args.slippage:.2%} per trade, fills at next bar's open"
        )
        print(result.summary_table())
    if html_path is not None:
        print(f"html report: {html_path.resolve()}", file=sys.stderr if args.json else sys.stdout)
    return 0
