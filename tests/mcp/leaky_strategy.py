"""A user strategy that peeks one bar ahead: what the MCP backtest tools must refuse."""

from __future__ import annotations

from dataclasses import dataclass

from ntlab.strategies import Signals, Strategy, StrategyConfig


@dataclass(frozen=True, kw_only=True)
class PeekConfig(StrategyConfig):
    pass


class Peek(Strategy):
    """Long when tomorrow's close is higher than today's: uses the future."""

    name = "peek"
    Config = PeekConfig

    @property
    def warmup(self) -> int:
        return 1

    def signals(self, data):
        close = data.close
        target = (close.shift(-1) > close).astype(float)
        return Signals(self.name, target, target)
