"""Text parameters read by the config's field types, with one clear line when they do not fit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pytest

from ntlab.errors import ConfigError
from ntlab.strategies import StrategyConfig, strategy_class
from ntlab.strategies.textparams import parse_text_params, parse_value


@dataclass(frozen=True, kw_only=True)
class _Config(StrategyConfig):
    window: int = 10
    z: float = 1.0
    short: bool = False
    label: str = "x"
    mode: Literal["fast", "slow"] = "fast"
    weights: tuple[float, ...] = (0.5, 0.5)


def test_values_are_read_by_field_type():
    got = parse_text_params(
        _Config,
        {
            "window": "30",
            "z": "1.5",
            "short": "yes",
            "label": "a=b",
            "mode": "slow",
            "weights": "[1, 2]",
        },
    )
    assert got == {
        "window": 30,
        "z": 1.5,
        "short": True,
        "label": "a=b",
        "mode": "slow",
        "weights": (1, 2),
    }
    for text, value in [("True", True), ("no", False), ("OFF", False), ("1", True), ("0", False)]:
        assert parse_value(bool, text) is value
    assert parse_value(int, "30.0") == 30 and isinstance(parse_value(float, "2"), float)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            {"short": "maybe"},
            r"^_Config: short='maybe' is not true or false \(yes/no, on/off, 1/0 also work\)$",
        ),
        ({"window": "abc"}, r"^_Config: window='abc' is not a whole number, e.g. 30$"),
        ({"window": "2.5"}, r"^_Config: window='2.5' is not a whole number"),
        ({"z": "fast"}, r"^_Config: z='fast' is not a number, e.g. 1.5$"),
        ({"mode": "medium"}, r"^_Config: mode='medium' is not one of \['fast', 'slow'\]$"),
        ({"weights": "[1,"}, r"^_Config: weights='\[1,' is not valid JSON"),
        ({"nope": "1"}, r"^_Config has no parameter 'nope'; it takes \['label', 'mode'"),
    ],
)
def test_a_value_that_does_not_fit_gets_one_line(items, message):
    with pytest.raises(ConfigError, match=message) as exc:
        parse_text_params(_Config, items)
    assert "\n" not in str(exc.value)


def test_typed_values_pass_and_wrong_kinds_are_refused():
    assert parse_text_params(_Config, {"window": 5, "z": 2, "short": True}) == {
        "window": 5,
        "z": 2.0,
        "short": True,
    }
    with pytest.raises(ConfigError, match="is not true or false"):
        parse_text_params(_Config, {"short": 1})
    with pytest.raises(ConfigError, match="is not a number"):
        parse_text_params(_Config, {"z": True})


def test_every_registered_config_field_has_a_readable_type():
    from ntlab.strategies import available
    from ntlab.strategies.textparams import field_types

    for name in available():
        cls = strategy_class(name).Config
        for field, hint in field_types(cls).items():
            default = getattr(cls(), field)
            text = str(default).lower() if hint is bool else default
            if isinstance(default, tuple | dict):
                import json

                text = json.dumps(list(default) if isinstance(default, tuple) else default)
            assert parse_value(hint, text if isinstance(text, str) else str(text)) == default, (
                name,
                field,
            )
