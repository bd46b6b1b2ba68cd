"""``ntlab exchange``: start the local paper exchange (Alpaca's protocols on 127.0.0.1).

It replays a dataset bar by bar (``--speed`` bars per second; 0 = only when asked with
``POST /ntlab/step``), fills orders with the event backtest's fill and cost kernels, and
serves Alpaca's trading REST API, the ``trade_updates`` stream, historical bars (never
past its clock) and the market-data stream. Point alpaca-py (or ``ntlab paper`` with
``"broker": "exchange", "exchange_url": ...``) at the printed URLs with the printed keys.
The keys are made up for this local server; they are not Alpaca credentials.
"""

from __future__ import annotations

import argparse
import time


def add_parser(sub) -> None:
    p = sub.add_parser("exchange", help="start the local paper exchange", description=__doc__)
    p.add_argument(
        "--data", default="sample:stocks", help="data spec to replay (default sample:stocks)"
    )
    p.add_argument("--symbols", help="comma-separated subset of the data's symbols")
    p.add_argument(
        "--port", type=int, default=8765, help="REST port on 127.0.0.1 (0 = any free port)"
    )
    p.add_argument(
        "--speed", type=float, default=1.0, help="bars per second (0 = step by POST /ntlab/step)"
    )
    p.add_argument(
        "--start", help="first bar to replay: a date (earlier bars are history) or a bar number"
    )
    p.add_argument("--cash", type=float, default=100_000.0, help="account cash (default 100000)")
    p.add_argument(
        "--leverage",
        type=float,
        default=2.0,
        help="buying power as a multiple of equity (default 2, a margin account)",
    )
    p.add_argument(
        "--commission",
        type=float,
        default=0.0,
        help="commission as a fraction of traded value (default 0, as Alpaca)",
    )
    p.add_argument(
        "--slippage",
        type=float,
        default=0.0005,
        help="slippage as a fraction of price (default 0.0005)",
    )
    p.add_argument("--key", default="paper-key", help="API key clients must send (local only)")
    p.add_argument("--secret", default="paper-secret", help="secret clients must send (local only)")
    p.add_argument(
        "--duration",
        type=float,
        help="stop after this many seconds (default: until Ctrl-C or the data ends)",
    )
    p.set_defaults(run=_run)


def _start_bar(data, start: str | None) -> int:
    import numpy as np

    from ntlab._time import to_utc

    if start is None:
        return min(60, data.n_bars - 1)
    if start.isdigit():
        return int(start)
    text = start + "T00:00:00Z" if len(start) == 10 else start
    return max(1, int(np.searchsorted(data.index, to_utc(text, what="--start"))))


def _run(args: argparse.Namespace) -> int:
    from ntlab.data import load
    from ntlab.exchange.app import LocalExchange
    from ntlab.execution import Commission, ExecutionPolicy, Slippage

    data = load(args.data)
    if args.symbols:
        data = data.select([s.strip().upper() for s in args.symbols.split(",")])
    policy = ExecutionPolicy(
        commission=Commission(pct=args.commission), slippage=Slippage(pct=args.slippage)
    )
    exchange = LocalExchange(
        data, start=_start_bar(data, args.start), keys=(args.key, args.secret), cash=args.cash,
        policy=policy, max_leverage=args.leverage,
    )  # fmt: skip
    with exchange.serve(port=args.port or None) as urls:
        print(
            f"local exchange: {data.name}, {data.n_symbols} symbols, clock at {exchange.status()['time']}"
        )
        print(f"  REST (TradingClient / StockHistoricalDataClient url_override): {urls.rest}")
        print(
            f"  trade_updates (TradingStream url_override):                    {urls.trade_stream}"
        )
        print(
            f"  market data (StockDataStream url_override):                    {urls.data_stream}"
        )
        print(f"  keys: export ALPACA_API_KEY={args.key} ALPACA_SECRET_KEY={args.secret}")
        print(
            f"  admin: POST {urls.rest}/ntlab/step?bars=N, GET {urls.rest}/ntlab/status", flush=True
        )
        if args.speed > 0:
            exchange.run(args.speed)
        deadline = None if args.duration is None else time.monotonic() + args.duration
        try:
            while deadline is None or time.monotonic() < deadline:
                if args.speed > 0 and exchange.finished:
                    print("the data ended", flush=True)
                    break
                time.sleep(0.1)
        except KeyboardInterrupt:
            print("stopping")
    return 0
