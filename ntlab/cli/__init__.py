"""The ``ntlab`` command. Each subcommand lives in its own module with ``add_parser``."""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from ntlab.errors import NtlabError

__all__ = ["main", "build_parser"]

_COMMANDS = ("data", "backtest", "demo", "report", "serve", "exchange", "paper", "server", "mcp")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ntlab",
        description="ntlab: quant research workbench (data, strategies, backtests, reports, paper trading).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in _COMMANDS:
        importlib.import_module(f"ntlab.cli.{name}").add_parser(sub)
    _plain_help(parser)
    return parser


def plain_text(text: str | None) -> str | None:
    """Docstring markup made readable in a terminal: ``code`` and :role:`name` -> plain words."""
    if not text:
        return text
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text)
    return re.sub(r"``([^`]+)``", r"\1", text)


def _plain_help(parser: argparse.ArgumentParser) -> None:
    """Strip RST markup from every description and help text, subcommands included."""
    parser.description = plain_text(parser.description)
    for action in parser._actions:
        action.help = plain_text(action.help)
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                choice.help = plain_text(choice.help)
            for child in dict.fromkeys(action.choices.values()):
                _plain_help(child)


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
