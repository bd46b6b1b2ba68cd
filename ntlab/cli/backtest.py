"""``ntlab backtest``: backtest a strategy on a dataset and print its summary."""

from __future__ import annotations

import argparse
import json


def add_parser(sub) -> None:
    p = sub.add_parser(
        "backtest", help="backtest a strategy and print the summary", description=__doc__
    )
    p.add_argument("--strategy", required=True, help="registered strategy name (see --list)")
    p.add_argument("--data", default="sample:stocks", help="data spec (default sample:stocks)")
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
    from ntlab.cli._params import parse_params
    from ntlab.data import load
    from ntlab.strategies import get

    data = load(args.data)
    if args.symbols:
        data = data.select([s.strip() for s in args.symbols.split(",")])
    strategy = get(args.strategy, **parse_params(args.param))
    if args.engine == "vector":
        from ntlab.backtest.vector import VectorSettings, run_vector

        cfg = VectorSettings(init_cash=args.cash, fees=args.fees, slippage=args.slippage)
        result = run_vector(strategy, data, cfg)
    else:
        from ntlab.backtest.event import EventSettings, run_event
        from ntlab.execution import Commission, ExecutionPolicy, Slippage

        policy = ExecutionPolicy(
            commission=Commission(pct=args.fees), slippage=Slippage(pct=args.slippage)
        )
        result = run_event(strategy, data, EventSettings(init_cash=args.cash, policy=policy))
    if args.html:
        result.to_html(args.html)
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
    return 0
