"""``-p NAME=VALUE`` options shared by subcommands, and the data options of ``backtest``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ntlab.errors import ConfigError

__all__ = ["split_params", "json_params", "strategy_from_args", "writable_file"]


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


def strategy_from_args(name: str, items: list[str] | None):
    """The strategy ``--strategy NAME`` with ``-p`` values read by its config's field types."""
    from ntlab.strategies import strategy_class
    from ntlab.strategies.textparams import parse_text_params

    cls = strategy_class(name)
    return cls(**parse_text_params(cls.Config, split_params(items), owner=cls.name))


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
