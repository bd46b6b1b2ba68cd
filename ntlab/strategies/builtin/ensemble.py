"""Ensembles of strategies: weighted, majority vote, and stacking.

Members are given by name or as ``{"strategy": name, **params}`` dicts (plain values,
so an ensemble's config still round-trips through a dict) and all run on the same data.

- ``weighted_ensemble``: ``s = sum(w_i * target_i) / sum(|w_i|)``; hold ``s`` where
  ``|s| >= min_abs`` (else flat). Confidence: the weighted mean confidence of the
  members on the side of ``s``.
- ``voting_ensemble``: long when more than ``quorum`` of the members are long (short
  likewise), target +-1. Confidence: the share of members agreeing times their mean
  confidence.
- ``stacking_ensemble``: a logistic-regression meta-model on the members' targets and
  confidences predicts P(close rises over ``horizon`` bars); it is trained walk-forward
  (:mod:`ntlab.strategies.builtin.walkforward`: refit every ``refit_every`` bars on the last
  ``train_bars`` bars whose outcome was known before the refit). Long when
  ``P >= 0.5 + edge``, short when ``P <= 0.5 - edge`` (``allow_short``), flat when P
  crosses 0.5. Confidence ``2 |P - 0.5|``.

Stop-loss and take-profit are ``stop_loss_pct``/``take_profit_pct`` from the entry close.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin.config import BuiltinConfig, WalkForwardConfig
from ntlab.strategies.builtin.walkforward import WalkForwardClassifier
from ntlab.strategies.examples import Example
from ntlab.strategies.levels import finish_signals
from ntlab.strategies.live import SignalRow, SignalStream, Streaming, open_stream
from ntlab.strategies.registry import from_dict, get, register

__all__ = [
    "EnsembleConfig",
    "WeightedEnsembleConfig",
    "VotingEnsembleConfig",
    "StackingEnsembleConfig",
    "WeightedEnsemble",
    "VotingEnsemble",
    "StackingEnsemble",
]


@dataclass(frozen=True, kw_only=True)
class EnsembleConfig(BuiltinConfig):
    """Members shared by every ensemble.

    Attributes
    ----------
    members : tuple
        Strategy names or ``{"strategy": name, **params}`` dicts, run on the same data.
    """

    members: tuple[Any, ...] = (
        "momentum",
        "mean_reversion",
        {"strategy": "mirror", "mode": "pattern"},
    )

    def validate(self) -> None:
        super().validate()
        self.need(
            len(self.members) >= 2,
            "give at least two members (names or {'strategy': name, ...} dicts)",
        )
        for k, m in enumerate(self.members):
            self.need(
                isinstance(m, str) or (isinstance(m, dict) and "strategy" in m),
                f"member {k} must be a strategy name or a dict with a 'strategy' key, got {m!r}",
            )

    def build_members(self) -> list[Strategy]:
        return [get(m) if isinstance(m, str) else from_dict(dict(m)) for m in self.members]


@dataclass(frozen=True, kw_only=True)
class WeightedEnsembleConfig(EnsembleConfig):
    """Parameters of :class:`WeightedEnsemble`.

    Attributes
    ----------
    weights : tuple of float
        One weight per member (equal when empty).
    min_abs : float
        Hold the weighted target only where its magnitude reaches it.
    """

    weights: tuple[float, ...] = ()
    min_abs: float = 0.25

    def validate(self) -> None:
        super().validate()
        self.need(
            not self.weights
            or (len(self.weights) == len(self.members) and sum(abs(w) for w in self.weights) > 0),
            "weights need one non-zero entry per member (or none for equal weights)",
        )
        self.need(0 < self.min_abs <= 1, "min_abs must lie in (0, 1]")


@dataclass(frozen=True, kw_only=True)
class VotingEnsembleConfig(EnsembleConfig):
    """Parameters of :class:`VotingEnsemble`.

    Attributes
    ----------
    quorum : float
        Share of members that must agree on a side.
    """

    quorum: float = 0.5

    def validate(self) -> None:
        super().validate()
        self.need(0 <= self.quorum < 1, "quorum must lie in [0, 1)")


@dataclass(frozen=True, kw_only=True)
class StackingEnsembleConfig(EnsembleConfig, WalkForwardConfig):
    """Parameters of :class:`StackingEnsemble` (walk-forward schedule inherited).

    Attributes
    ----------
    edge : float
        Long when the meta-model's P(up) >= 0.5 + edge (short mirrored).
    allow_short : bool
        Take short positions too.
    """

    edge: float = 0.05
    allow_short: bool = False

    def validate(self) -> None:
        super().validate()
        self.need(0 <= self.edge < 0.5, "need 0 <= edge < 0.5")


# ----------------------------------------------------------------------------- combiners
def _weights(cfg: WeightedEnsembleConfig) -> np.ndarray:
    w = np.asarray(cfg.weights or [1.0] * len(cfg.members), dtype=float)
    return w / np.abs(w).sum()


def _combine_weighted(
    t: np.ndarray, c: np.ndarray, cfg: WeightedEnsembleConfig
) -> tuple[np.ndarray, np.ndarray]:
    """t, c of shape (k, n, m) -> target, confidence of shape (n, m)."""
    w = _weights(cfg)[:, None, None]
    s = (w * t).sum(axis=0)
    target = np.where(np.abs(s) >= cfg.min_abs - 1e-12, np.clip(s, -1, 1), 0.0)
    agree = np.sign(t) == np.sign(target)[None]
    conf = (np.abs(w) * c * agree).sum(axis=0)
    return target, np.where(target != 0, np.clip(conf, 0, 1), 0.0)


def _combine_vote(
    t: np.ndarray, c: np.ndarray, cfg: VotingEnsembleConfig
) -> tuple[np.ndarray, np.ndarray]:
    k = t.shape[0]
    longs, shorts = (t > 0).sum(axis=0), (t < 0).sum(axis=0)
    target = np.where(longs > cfg.quorum * k, 1.0, np.where(shorts > cfg.quorum * k, -1.0, 0.0))
    agree = np.sign(t) == target[None]
    n_agree = agree.sum(axis=0)
    mean_conf = (c * agree).sum(axis=0) / np.maximum(n_agree, 1)
    return target, np.where(target != 0, n_agree / k * mean_conf, 0.0)


def _member_features(t: np.ndarray, c: np.ndarray) -> np.ndarray:
    """(k, m) targets and confidences of one bar -> (m, 2k) meta features."""
    return np.concatenate([t, c], axis=0).T.copy()


def _stack_decide(
    p: np.ndarray, cfg: StackingEnsembleConfig, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(invalid="ignore"):
        enter_long = p >= 0.5 + cfg.edge
        enter_short = (p <= 0.5 - cfg.edge) & cfg.allow_short
        exit_long = ~(p > 0.5)
        exit_short = ~(p < 0.5)
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    return target, np.where(target != 0, np.nan_to_num(2 * np.abs(p - 0.5)), 0.0)


def _explainer(names: list[str], t: np.ndarray, what: str):
    """``explain(row, col, target, before)`` for member targets ``t`` of shape (k, n, m)."""

    def explain(r: int, c: int, target: float, before: float) -> str:
        votes = ", ".join(f"{n} {v:+.2g}" for n, v in zip(names, t[:, r, c]))
        return f"{what} {target:+.2f} from members ({votes})"

    return explain


# ----------------------------------------------------------------------------- strategies
class _Ensemble(Streaming, Strategy):
    Config: ClassVar[type[EnsembleConfig]]
    label: ClassVar[str] = "ensemble"
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            start="2004-01-01",
            end="2007-12-31",
            params={
                "members": (
                    {"strategy": "momentum", "allow_short": True},
                    {"strategy": "mean_reversion", "allow_short": True},
                    {
                        "strategy": "mirror",
                        "mode": "pattern",
                        "allow_short": True,
                        "library_bars": 250,
                    },
                )
            },
        ),
    )

    def members(self) -> list[Strategy]:
        return self.config.build_members()  # type: ignore[attr-defined]

    @property
    def warmup(self) -> int:
        return max(m.warmup for m in self.members())

    def _combine(
        self, t: np.ndarray, c: np.ndarray, close: np.ndarray, state: Any
    ) -> tuple[np.ndarray, np.ndarray]:
        """Members' targets and confidences (k, n, m) and closes (n, m) -> target and
        confidence (n, m); ``state`` carries what a stream needs between bars."""
        raise NotImplementedError

    def signals(self, data: MarketData) -> Signals:
        members = self.members()
        outs = [m.signals(data) for m in members]
        t = np.stack([o.target.to_numpy(dtype=float) for o in outs])
        c = np.stack([o.confidence.to_numpy(dtype=float) for o in outs])
        close = data.close.to_numpy(dtype=float)
        target, conf = self._combine(t, c, close, self._initial_state(data.n_symbols))
        names = [s.name for s in members]
        return finish_signals(self, data, target, conf, _explainer(names, t, self.label))

    def _initial_state(self, n_symbols: int) -> Any:
        return None


class EnsembleStream(SignalStream):
    """Live ensemble: one stream per member, combined bar by bar."""

    strategy: _Ensemble

    def _setup(self, history: MarketData) -> None:
        members = self.strategy.members()
        self._names = [m.name for m in members]
        self._streams = [open_stream(m, history[:0]) for m in members]
        self._state = self.strategy._initial_state(self.n_symbols)
        self._target = np.zeros(self.n_symbols)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        rows = [s._advance(timestamp, bar) for s in self._streams]
        t = np.stack([r.target for r in rows])[:, None, :]
        c = np.stack([r.confidence for r in rows])[:, None, :]
        target, conf = self.strategy._combine(t, c, bar["close"][None, :], self._state)
        explain = _explainer(self._names, t, self.strategy.label)
        return self._emit(timestamp, target[0], conf[0], bar["close"], explain)


_Ensemble.Stream = EnsembleStream


@register
class WeightedEnsemble(_Ensemble):
    name = "weighted_ensemble"
    Config = WeightedEnsembleConfig
    label = "weighted vote"

    def _combine(self, t, c, close, state):
        return _combine_weighted(t, c, self.config)


@register
class VotingEnsemble(_Ensemble):
    name = "voting_ensemble"
    Config = VotingEnsembleConfig
    label = "majority vote"

    def _combine(self, t, c, close, state):
        return _combine_vote(t, c, self.config)


@register
class StackingEnsemble(_Ensemble):
    name = "stacking_ensemble"
    Config = StackingEnsembleConfig
    label = "stacked P(up) signal"
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            start="2004-01-01",
            end="2006-12-31",
            params={
                "members": ("momentum", {"strategy": "mean_reversion", "allow_short": True}),
                "allow_short": True,
                "first_fit": 200,
                "refit_every": 200,
            },
        ),
    )

    def _initial_state(self, n_symbols: int) -> Any:
        k = len(self.config.members)
        return {
            "model": WalkForwardClassifier(self.config, n_symbols, 2 * k),
            "target": np.zeros(n_symbols),
        }

    def _combine(self, t, c, close, state):
        """Bar by bar through the walk-forward meta-model (the stream's state carries it)."""
        model: WalkForwardClassifier = state["model"]
        target = np.zeros(close.shape)
        conf = np.zeros(close.shape)
        for i in range(close.shape[0]):
            p = model.step(_member_features(t[:, i], c[:, i]), close[i])
            p[~np.isfinite(close[i])] = np.nan  # no price, no trade
            tg, cf = _stack_decide(p[None], self.config, state["target"])
            target[i], conf[i], state["target"] = tg[0], cf[0], tg[0]
        return target, conf
