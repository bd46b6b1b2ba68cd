"""``-p NAME=VALUE`` options shared by subcommands, and the data options of ``backtest``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from ntlab.errors import ConfigError

__all__ = [
    "split_params",
    "json_params",
    "strategy_from_args",
    "writable_file",
    "import_from_working_folder",
]


def split_params(items: list[str] | None) -> dict[str, str]:
    """``["lookback=30", "allow_short=yes"]`` -> ``{"lookback": "30", "allow_short": "yes"}``."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"parameter {item!r} must look like -p NAME=VALUE")
        out[key.strip()] = raw
    return out


def json_params(items: list[str] | None) -> dict[str, Any]:
    """``-p NAME=VALUE`` for notebooks: VALUE is JSON when it parses, text otherwise."""
    out: dict[str, Any] = {}
    for key, raw in split_params(items).items():
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out


def import_from_working_folder() -> None:
    """Let ``package.module:ClassName`` name a module in the folder the command runs in, as
    ``python -m`` would: the folder goes first on ``sys.path`` and on the ``PYTHONPATH`` that
    notebook kernels and grid workers inherit."""
    here = os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    parts = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if here not in parts:
        os.environ["PYTHONPATH"] = os.pathsep.join([here, *parts])


def strategy_from_args(spec: str, items: list[str] | None):
    """The strategy ``--strategy NAME`` (or ``package.module:ClassName``) with ``-p`` values
    read by its config's field types, through :func:`ntlab.strategies.resolve_strategy`."""
    from ntlab.strategies import resolve_strategy, strategy_class
    from ntlab.strategies.textparams import parse_text_params

    if ":" in spec:
        import_from_working_folder()
    cls = strategy_class(spec)
    owner = getattr(cls, "name", spec)
    params = parse_text_params(cls.Config, split_params(items), owner=owner)
    try:
        return resolve_strategy(spec, **params)
    except ConfigError:
        raise
    except ValueError as exc:  # a user config's validate() may raise a plain ValueError
        raise ConfigError(f"{owner}: {exc}") from None


def writable_file(path: str | Path, what: str = "--html") -> Path:
    """``path`` if its folder exists (ConfigError naming the folder otherwise)."""
    target = Path(path).expanduser()
    if not target.parent.is_dir():
        raise ConfigError(
            f"{what} {path}: the folder {target.parent} does not exist; create it or pick another path"
        )
    if target.is_dir():
        raise ConfigError(
            f"{what} {path} is a folder; give a file name, e.g. {target / 'report.html'}"
        )
    return target
