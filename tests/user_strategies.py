"""Strategies a user writes in their own module: not registered, referenced by import
path (``tests.user_strategies:SmaCross``) or passed as objects. The tests run them
through every runner exactly as the built-in ones."""

from __future__ import annotations

from dataclasses import dataclass

from ntlab.strategies import Signals, Strategy, StrategyConfig


@dataclass(frozen=True, kw_only=True)
class SmaCrossConfig(StrategyConfig):
    fast: int = 5
    slow: int = 20

    def validate(self) -> None:
        from ntlab.errors import ConfigError

        if not 1 <= self.fast < self.slow:
            raise ConfigError(f"my_cross: need 1 <= fast < slow, got {self.fast}, {self.slow}")


class SmaCross(Strategy):
    """Long a symbol while its fast moving average of closes is above the slow one."""

    name = "my_cross"
    Config = SmaCrossConfig

    @property
    def warmup(self) -> int:
        return self.config.slow

    def signals(self, data):
        close = data.close
        fast = close.rolling(self.config.fast, min_periods=self.config.fast).mean()
        slow = close.rolling(self.config.slow, min_periods=self.config.slow).mean()
        target = (fast > slow).astype(float)
        return Signals(self.name, target, target)


@dataclass(frozen=True, kw_only=True)
class AboveLevelConfig(StrategyConfig):
    pass


class AboveLevel(Strategy):
    """Long every symbol whose close is above the mean close seen in ``fit`` (learned
    state ``level_``; without a fit it refuses to run)."""

    name = "my_above_level"
    Config = AboveLevelConfig

    def fit(self, data):
        self.level_ = data.close.mean()
        return self

    def signals(self, data):
        if not hasattr(self, "level_"):
            from ntlab.errors import ConfigError

            raise ConfigError("my_above_level: fit it first")
        target = (data.close > self.level_).astype(float)
        return Signals(self.name, target, target)
