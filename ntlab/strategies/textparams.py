"""Text values (``-p lookback=30``, a grid file, a form field) read by a config's field types.

``int`` fields take whole numbers, ``float`` fields numbers, ``bool`` fields
true/false/yes/no/on/off/1/0, ``str`` fields the text as given, ``Literal`` fields one of
their choices; anything else (tuples, dicts) takes JSON. A value that does not fit gets one
:class:`~ntlab.errors.ConfigError` line naming the parameter, what it got and what it needs.
The config's own ``validate`` then checks ranges.
"""

from __future__ import annotations

import dataclasses
import json
import math
import typing
from collections.abc import Mapping
from typing import Any

from ntlab.errors import ConfigError

__all__ = ["field_types", "parse_value", "parse_text_params"]

_TRUE = {"true", "yes", "on", "1", "y", "t"}
_FALSE = {"false", "no", "off", "0", "n", "f"}


def field_types(config_cls: type) -> dict[str, Any]:
    """``{field name: type hint}`` of a config dataclass (ClassVars left out)."""
    hints = typing.get_type_hints(config_cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(config_cls)}


def _number(text: str, kind: type, where: str) -> Any:
    try:
        value = float(text)
    except ValueError:
        need = "a whole number, e.g. 30" if kind is int else "a number, e.g. 1.5"
        raise ConfigError(f"{where}={text!r} is not {need}") from None
    if kind is int:
        if not math.isfinite(value) or value != int(value):
            raise ConfigError(f"{where}={text!r} is not a whole number, e.g. 30")
        return int(value)
    return value


def parse_value(hint: Any, value: Any, *, where: str = "value") -> Any:
    """``value`` (text, or already typed) converted to ``hint``; ConfigError if it does not fit."""
    if not isinstance(value, str):
        if hint is bool and not isinstance(value, bool):
            raise ConfigError(f"{where}={value!r} is not true or false")
        if hint in (int, float) and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise ConfigError(f"{where}={value!r} is not a number")
        if hint is int and isinstance(value, float):
            return _number(repr(value), int, where)
        return float(value) if hint is float else value
    text = value.strip()
    if hint is bool:
        low = text.lower()
        if low in _TRUE or low in _FALSE:
            return low in _TRUE
        raise ConfigError(f"{where}={text!r} is not true or false (yes/no, on/off, 1/0 also work)")
    if hint in (int, float):
        return _number(text, hint, where)
    if hint is str:
        return value
    if typing.get_origin(hint) is typing.Literal:
        choices = typing.get_args(hint)
        for choice in choices:
            if str(choice) == text:
                return choice
        raise ConfigError(f"{where}={text!r} is not one of {list(choices)}")
    try:
        decoded = json.loads(text)
    except json.JSONDecodeError:
        raise ConfigError(
            f'{where}={text!r} is not valid JSON (e.g. [10, 20] or {{"a": 1}})'
        ) from None
    return tuple(decoded) if isinstance(decoded, list) else decoded


def parse_text_params(
    config_cls: type, items: Mapping[str, Any], *, owner: str = ""
) -> dict[str, Any]:
    """``{"lookback": "30", "allow_short": "yes"}`` -> ``{"lookback": 30, "allow_short": True}``.

    Raises
    ------
    ConfigError
        For a name the config does not have (listing the ones it has) or a value that does
        not fit the field's type.
    """
    types = field_types(config_cls)
    who = owner or config_cls.__name__
    out: dict[str, Any] = {}
    for name, value in items.items():
        if name not in types:
            raise ConfigError(f"{who} has no parameter {name!r}; it takes {sorted(types)}")
        out[name] = parse_value(types[name], value, where=f"{who}: {name}")
    return out
