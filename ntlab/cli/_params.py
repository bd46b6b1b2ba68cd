"""Parsing of ``-p name=value`` options shared by subcommands."""

from __future__ import annotations

import json
from typing import Any

from ntlab.errors import ConfigError

__all__ = ["parse_params"]


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``["lookback=30", "allow_short=true"]`` -> ``{"lookback": 30, "allow_short": True}``."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"parameter {item!r} must look like name=value")
        try:
            out[key] = json.loads(raw)
        except json.JSONDecodeError:
            out[key] = raw
    return out
