"""Strategy configs -> param objects (the explorer's generated widgets) and back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import param
import pytest

from ntlab.dashboards.params import config_params, numeric_fields, to_config
from ntlab.errors import ConfigError
from ntlab.strategies import StrategyConfig, strategy_class


@dataclass(frozen=True, kw_only=True)
class DemoConfig(StrategyConfig):
    window: int = 10
    threshold: float = 0.5
    short: bool = False
    label: str = "x"
    mode: Literal["fast", "slow"] = "fast"
    weights: tuple[float, ...] = (0.25, 0.75)

    def validate(self) -> None:
        if self.window < 1:
            raise ConfigError("demo: window must be >= 1")


def test_each_field_becomes_a_parameter_of_the_right_kind_and_default():
    obj = config_params(DemoConfig)
    kinds = {
        name: type(obj.param[name])
        for name in ("window", "threshold", "short", "label", "mode", "weights")
    }
    assert kinds == {
        "window": param.Integer,
        "threshold": param.Number,
        "short": param.Boolean,
        "label": param.String,
        "mode": param.Selector,
        "weights": param.String,
    }
    assert obj.param["mode"].objects == ["fast", "slow"]
    assert (obj.window, obj.threshold, obj.weights) == (10, 0.5, "[0.25, 0.75]")
    assert to_config(obj) == DemoConfig()


def test_values_go_back_through_the_configs_own_validation():
    obj = config_params(DemoConfig)
    obj.window, obj.mode, obj.weights = 3, "slow", "[1, 2]"
    assert to_config(obj) == DemoConfig(window=3, mode="slow", weights=(1, 2))
    obj.weights = "[1, 2"
    with pytest.raises(ConfigError, match="weights: '\\[1, 2' is not valid JSON"):
        to_config(obj)
    obj.weights, obj.window = "[1]", 0
    with pytest.raises(ConfigError, match="window must be >= 1"):
        to_config(obj)


def test_numeric_fields_of_the_registered_momentum():
    assert numeric_fields(DemoConfig) == ["window", "threshold"]
    assert numeric_fields(strategy_class("momentum").Config)[:6] == [
        "lookback",
        "z_window",
        "rsi_window",
        "macd_fast",
        "macd_slow",
        "macd_signal",
    ]
    assert {"entry_z", "stop_loss_pct"} <= set(numeric_fields(strategy_class("momentum").Config))
