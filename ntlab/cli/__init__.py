"""The ``ntlab`` command. Each subcommand lives in its own module with ``add_parser``."""

from __future__ import annotations

import argparse
import importlib
import sys

from ntlab.errors import NtlabError

__all__ = ["main", "build_parser"]

_COMMANDS = ("data", "backtest", "demo", "report", "serve", "exchange", "paper", "mcp")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ntlab",
        description="ntlab: quant research workbench (data, strategies, backtests, reports, paper trading).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"ntlab.cli.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except NtlabError as exc:
        print(f"ntlab {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
