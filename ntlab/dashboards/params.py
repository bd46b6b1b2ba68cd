"""Strategy configs as ``param`` objects, so a dashboard can generate their widgets.

A config is a frozen, keyword-only dataclass of plain values
(:class:`ntlab.strategies.StrategyConfig`). Each field becomes a parameter of the same
name and default: ``int`` -> ``param.Integer``, ``float`` -> ``param.Number``,
``bool`` -> ``param.Boolean``, ``str`` -> ``param.String``, ``Literal[...]`` ->
``param.Selector``; anything else (tuples, dicts) -> a JSON ``param.String``. The
values go back through ``Config.from_dict``, so the config's own validation decides.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

import param

from ntlab.errors import ConfigError
from ntlab.strategies import StrategyConfig

__all__ = ["ConfigParams", "config_params", "to_config", "numeric_fields"]

_SIMPLE = {int: param.Integer, float: param.Number, bool: param.Boolean, str: param.String}


class ConfigParams(param.Parameterized):
    """Base of the generated classes; knows its config class and which fields are JSON text."""

    config_cls: typing.ClassVar[type[StrategyConfig]]
    json_fields: typing.ClassVar[frozenset[str]] = frozenset()


def _parameter(name: str, hint: Any, default: Any) -> param.Parameter:
    if typing.get_origin(hint) is typing.Literal:
        return param.Selector(default=default, objects=list(typing.get_args(hint)), label=name)
    kind = _SIMPLE.get(hint)
    if kind is not None:
        return kind(default=default, label=name)
    return param.String(default=json.dumps(default), label=f"{name} (JSON)")


def config_params(config_cls: type[StrategyConfig]) -> ConfigParams:
    """A ``param.Parameterized`` with one parameter per field of ``config_cls`` (at its default)."""
    hints = typing.get_type_hints(config_cls)
    params = {}
    for f in dataclasses.fields(config_cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(
                f"{config_cls.__name__}.{f.name} has no default; dashboards need one for every field"
            )
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        params[f.name] = _parameter(f.name, hints[f.name], default)
    cls = param.parameterized_class(f"{config_cls.__name__}Params", params, bases=ConfigParams)
    cls.config_cls = config_cls
    cls.json_fields = frozenset(n for n, p in params.items() if p.label.endswith("(JSON)"))
    return cls(name=config_cls.__name__)


def _value(obj: ConfigParams, name: str) -> Any:
    value = getattr(obj, name)
    if name in obj.json_fields:
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{name}: {value!r} is not valid JSON ({exc.msg})") from None
    return value


def to_config(obj: ConfigParams) -> StrategyConfig:
    """The config the parameters describe (raises ConfigError with the config's own message)."""
    names = [f.name for f in dataclasses.fields(obj.config_cls)]
    return obj.config_cls.from_dict({name: _value(obj, name) for name in names})


def numeric_fields(config_cls: type[StrategyConfig]) -> list[str]:
    """Names of the int fields, then the float fields (the ones a sweep heatmap can range over)."""
    from ntlab.strategies.textparams import field_types

    types = field_types(config_cls)
    return [n for n, t in types.items() if t is int] + [n for n, t in types.items() if t is float]
