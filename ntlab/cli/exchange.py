"""``ntlab exchange``: start the local paper exchange (Alpaca's protocols on 127.0.0.1).

It replays a dataset bar by bar (``--speed`` bars per second; 0 = only when asked with
``POST /ntlab/step``), fills orders with the event backtest's fill and cost kernels, and
serves Alpaca's trading REST API, the ``trade_updates`` stream, historical bars (never
past its clock) and the market-data stream. Point alpaca-py (or ``ntlab paper`` with
``"broker": "exchange", "exchange_url": ...``) at the printed URLs.

Keys: the ones clients must send come from ``--keys-file`` (a file: the key on its first
line, the secret on its second), else from ``ALPACA_API_KEY`` / ``ALPACA_SECRET_KEY`` in
the environment (the same variables the session reads), else the built-in local pair
``paper-key`` / ``paper-secret``. They are never taken on the command line (visible to
every user in ``ps``) and never printed (only where they came from).
"""

from __future__ import annotations

import argparse
import math
import os
import time
from pathlib import Path

#: The keys of an exchange started without any (public: they guard nothing but a typo).
DEFAULT_KEYS = ("paper-key", "paper-secret")


def _finite(lo: float, *, lo_open: bool = False, hi: float | None = None):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        above = value > lo if lo_open else value >= lo
        if not math.isfinite(value) or not above or (hi is not None and value >= hi):
            bound = f"{'>' if lo_open else '>='} {lo:g}" + ("" if hi is None else f" and < {hi:g}")
            raise argparse.ArgumentTypeError(f"must be a finite number {bound}, got {text!r}")
        return value

    return parse


def _port(text: str) -> int:
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {text!r}")
    return int(text)


def add_parser(sub) -> None:
    p = sub.add_parser("exchange", help="start the local paper exchange", description=__doc__)
    p.add_argument(
        "--data", default="sample:stocks", help="data spec to replay (default sample:stocks)"
    )
    p.add_argument("--symbols", help="comma-separated subset of the data's symbols")
    p.add_argument(
        "--port", type=_port, default=8765, help="REST port on 127.0.0.1 (0 = any free port)"
    )
    p.add_argument(
        "--speed",
        type=_finite(0.0),
        default=1.0,
        help="bars per second (0 = step by POST /ntlab/step)",
    )
    p.add_argument(
        "--start", help="first bar to replay: a date (earlier bars are history) or a bar number"
    )
    p.add_argument(
        "--cash",
        type=_finite(0.0, lo_open=True),
        default=100_000.0,
        help="account cash (default 100000)",
    )
    p.add_argument(
        "--leverage",
        type=_finite(1.0),
        default=2.0,
        help="buying power as a multiple of equity (default 2, a margin account)",
    )
    p.add_argument(
        "--commission",
        type=_finite(0.0, hi=1.0),
        default=0.0,
        help="commission as a fraction of traded value (default 0, as Alpaca)",
    )
    p.add_argument(
        "--slippage",
        type=_finite(0.0, hi=1.0),
        default=0.0005,
        help="slippage as a fraction of price (default 0.0005)",
    )
    p.add_argument(
        "--keys-file",
        help="file with the key clients must send on line 1 and the secret on line 2 "
        "(default: ALPACA_API_KEY / ALPACA_SECRET_KEY, else paper-key / paper-secret)",
    )
    p.add_argument(
        "--duration",
        type=_finite(0.0, lo_open=True),
        help="stop after this many seconds (default: until Ctrl-C or the data ends)",
    )
    p.set_defaults(run=_run)


def _keys(keys_file: str | None) -> tuple[tuple[str, str], str]:
    """(key, secret) and where they came from (for the banner: never the keys themselves)."""
    from ntlab.config import settings
    from ntlab.errors import ConfigError

    if keys_file:
        path = Path(keys_file)
        if not path.is_file():
            raise ConfigError(f"--keys-file {path} does not exist")
        lines = [x.strip() for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
        if len(lines) != 2:
            raise ConfigError(
                f"--keys-file {path} must hold 2 non-empty lines (key, secret), it has {len(lines)}"
            )
        if os.name == "posix" and path.stat().st_mode & 0o077:
            print(f"warning: {path} is readable by other users (chmod 600 it)")
        return (lines[0], lines[1]), f"from {path}"
    cfg = settings()
    if cfg.has_alpaca_keys:
        pair = (cfg.alpaca_api_key.reveal(), cfg.alpaca_secret_key.reveal())
        return pair, "from ALPACA_API_KEY / ALPACA_SECRET_KEY"
    return (
        DEFAULT_KEYS,
        "the built-in local pair (export ALPACA_API_KEY=paper-key ALPACA_SECRET_KEY=paper-secret)",
    )


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

    keys, source = _keys(args.keys_file)
    data = load(args.data)
    if args.symbols:
        data = data.select([s.strip().upper() for s in args.symbols.split(",")])
    policy = ExecutionPolicy(
        commission=Commission(pct=args.commission), slippage=Slippage(pct=args.slippage)
    )
    exchange = LocalExchange(
        data, start=_start_bar(data, args.start), keys=keys, cash=args.cash,
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
        print(f"  keys: {source}")
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
