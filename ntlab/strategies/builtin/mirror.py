"""Mirror trading: copy what informed investors did, or what similar past patterns did.

Mode ``"filings"`` (institutional / insider filings the user supplies)
--------------------------------------------------------------------------
Each filing (see :mod:`ntlab.strategies.builtin.filings`) scores its symbol with

    confidence(institution) * action_weight * min(1, size / full_size) * 2 ** (-age / half_life)

from the first bar after it became public (causal) until it is ``max_age_days`` old.
``confidence`` comes from ``institution_confidence`` (name -> [0, 1]), else
``default_confidence``; action weights are ``w_new``, ``w_increased``, ``w_reduced``,
``w_sold``. A symbol's score is the sum over its filings. Enter when
``|score| >= entry_score`` (shorts only with ``allow_short``) with the capped fraction
``min(max_fraction, |score|)`` of the sleeve; resize only when a new filing arrives; exit
when the decaying score falls below ``exit_score`` or turns against the position.
Confidence is ``min(1, |score|)``. ntlab ships no real filings: ``filings_path="example"``
uses the illustrative, randomly generated ``data/filings_example.csv``.

Mode ``"pattern"`` (pattern mirroring)
--------------------------------------
At bar t each symbol's last ``pattern_len`` bars give a shape vector: the standardised
cumulative log-return path, absolute returns (volatility profile) and log volumes
(when the data has volume). Its library is the same symbol's vectors from the last
``library_bars`` bars whose ``horizon``-bar outcome (log return) was already known at t.
The ``top_k`` most cosine-similar vectors (similarity >= ``min_similarity``) vote with
their similarity as weight: ``p_up`` is the weighted share of positive outcomes. Enter
long when ``p_up >= 0.5 + edge`` and the weighted mean outcome is positive (short
mirrored when ``allow_short``), with at least ``min_matches`` matches; exit when
``p_up`` crosses 0.5. Confidence is ``2 * |p_up - 0.5|``.

Both modes set stop-loss/take-profit ``stop_loss_pct``/``take_profit_pct`` from the
entry close.

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
With the bundled *random illustrative* filings a backtest measures noise: real filings are
needed to confirm or refute the seed's claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ntlab.data.market import MarketData
from ntlab.errors import ConfigError
from ntlab.strategies._nb import hold_state_nb
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin._mirror_nb import (
    filing_score_nb,
    mirror_hold_nb,
    pattern_match_nb,
    pattern_norms_nb,
    pattern_predict_nb,
    pattern_vectors_last_nb,
    pattern_vectors_nb,
)
from ntlab.strategies.builtin.config import BuiltinConfig
from ntlab.strategies.builtin.filings import available_ns, read_filings
from ntlab.strategies.examples import Example
from ntlab.strategies.inputs import SideInputs
from ntlab.strategies.levels import finish_signals
from ntlab.strategies.live import Ring, SignalRow, SignalStream, Streaming
from ntlab.strategies.registry import register

__all__ = ["MirrorConfig", "Mirror"]

_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, kw_only=True)
class MirrorConfig(BuiltinConfig):
    """Parameters of :class:`Mirror` (both modes are described in the module docstring).

    Attributes
    ----------
    stop_loss_pct, take_profit_pct : float
        Protective levels from the entry close (wider defaults than the other strategies).
    mode : str
        ``"filings"`` (copy reported trades) or ``"pattern"`` (mirror similar past patterns).
    filings_path : str
        Filings CSV, ``"example"`` for the bundled illustrative file, or empty (then pass ``filings=``).
    institution_confidence : dict
        Institution name -> confidence in [0, 1].
    default_confidence : float
        Confidence of an institution not listed.
    w_new, w_increased, w_reduced, w_sold : float
        Weights of a filing's action.
    full_size : float
        Filing size (fraction) that counts fully.
    half_life_days, max_age_days : float
        Decay half-life and the age after which a filing is ignored.
    entry_score, exit_score : float
        Score magnitudes to enter and below which to exit.
    max_fraction : float
        Cap on the sleeve fraction held.
    pattern_len : int
        Bars of the shape vector (pattern mode).
    horizon : int
        Bars of the outcome a past pattern votes with.
    library_bars : int
        Bars of history searched for similar patterns.
    top_k, min_matches : int
        Most similar patterns used, and the fewest needed to trade.
    min_similarity : float
        Cosine similarity a match needs.
    edge : float
        Enter when ``p_up`` is at least ``0.5 + edge`` (shorts mirrored).
    allow_short : bool
        Take short positions too.
    """

    mode: str = "filings"
    # filings mode
    filings_path: str = ""
    institution_confidence: dict[str, float] = field(default_factory=dict)
    default_confidence: float = 0.5
    w_new: float = 1.0
    w_increased: float = 0.5
    w_reduced: float = -0.5
    w_sold: float = -1.0
    full_size: float = 0.05
    half_life_days: float = 30.0
    max_age_days: float = 120.0
    entry_score: float = 0.25
    exit_score: float = 0.10
    max_fraction: float = 1.0
    # pattern mode
    pattern_len: int = 10
    horizon: int = 5
    library_bars: int = 500
    top_k: int = 20
    min_similarity: float = 0.3
    min_matches: int = 5
    edge: float = 0.1
    # both
    allow_short: bool = False
    stop_loss_pct: float = 0.08
    take_profit_pct: float = 0.15

    def validate(self) -> None:
        super().validate()
        need = self.need
        need(
            self.mode in ("filings", "pattern"),
            f"mode must be 'filings' or 'pattern', got {self.mode!r}",
        )
        need(
            isinstance(self.institution_confidence, dict),
            "institution_confidence must be a dict name -> [0, 1]",
        )
        for name, conf in {
            **self.institution_confidence,
            "default_confidence": self.default_confidence,
        }.items():
            need(
                0.0 <= float(conf) <= 1.0,
                f"confidence of {name!r} must lie in [0, 1], got {conf!r}",
            )
        need(self.full_size > 0, "full_size must be > 0")
        need(
            self.half_life_days > 0 and self.max_age_days > 0,
            "half_life_days and max_age_days must be > 0",
        )
        need(0 <= self.exit_score < self.entry_score, "need 0 <= exit_score < entry_score")
        need(0 < self.max_fraction <= 1, "max_fraction must lie in (0, 1]")
        need(self.pattern_len >= 3 and self.horizon >= 1, "need pattern_len >= 3 and horizon >= 1")
        need(self.library_bars > self.horizon, "library_bars must exceed horizon")
        need(1 <= self.min_matches <= self.top_k, "need 1 <= min_matches <= top_k")
        need(-1 <= self.min_similarity < 1, "min_similarity must lie in [-1, 1)")
        need(0 <= self.edge < 0.5, "edge must lie in [0, 0.5)")


# ----------------------------------------------------------------------------- filings mode
class _FilingsTable:
    """Filings reduced to sorted arrays for one symbol universe."""

    def __init__(self, filings: pd.DataFrame, symbols: list[str], cfg: MirrorConfig) -> None:
        self.frame = filings
        weights = {
            "new": cfg.w_new,
            "increased": cfg.w_increased,
            "reduced": cfg.w_reduced,
            "sold": cfg.w_sold,
        }
        conf = filings["institution"].map(
            lambda k: cfg.institution_confidence.get(k, cfg.default_confidence)
        )
        size = np.minimum(1.0, filings["size"].to_numpy(dtype=float) / cfg.full_size)
        self.weight = (
            conf.to_numpy(dtype=float) * filings["action"].map(weights).to_numpy(dtype=float) * size
        )
        self.avail = available_ns(filings)
        self.symbols = tuple(symbols)
        self.sym = pd.Index(symbols).get_indexer(filings["symbol"]).astype(np.int64)
        self.half_life = cfg.half_life_days * _NS_PER_DAY
        self.max_age = int(cfg.max_age_days * _NS_PER_DAY)
        self.m = len(symbols)

    def _recent(self, symbol: str, t: pd.Timestamp) -> str:
        if not hasattr(self, "_by_symbol"):
            self._by_symbol = {s: g for s, g in self.frame.groupby("symbol", sort=False)}
        group = self._by_symbol.get(symbol)
        recent = group[group["available"] < t].tail(3) if group is not None else self.frame.iloc[:0]
        return "; ".join(
            f"{r.institution} {r.action} {r.size:.1%} ({r.filing_date})"
            for r in recent.itertuples()
        )

    def decide(
        self,
        cfg: MirrorConfig,
        bar_ns: np.ndarray,
        prev_ns: int,
        close: np.ndarray,
        init: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, Any]:
        """Targets, confidence (n, m) and ``explain(row, col, target, before)`` for bars
        at ``bar_ns`` with closes (n, m); ``prev_ns`` is the time of the bar before."""
        score, fresh = filing_score_nb(
            bar_ns, prev_ns, self.avail, self.sym, self.weight, self.half_life, self.max_age, self.m
        )
        tradable = np.isfinite(close)
        target = mirror_hold_nb(
            score,
            fresh,
            tradable,
            cfg.entry_score,
            cfg.exit_score,
            cfg.max_fraction,
            cfg.allow_short,
            init,
        )
        conf = np.where(target != 0, np.minimum(1.0, np.abs(score)), 0.0)
        symbols = list(self.symbols)

        def explain(r: int, c: int, t: float, before: float) -> str:
            if t == 0:
                return f"filings score {score[r, c]:+.2f} below exit: close"
            when = pd.Timestamp(bar_ns[r], tz="UTC")
            return f"mirror filings score {score[r, c]:+.2f}: {self._recent(symbols[c], when)}"

        return target, conf, explain


def _mirror_filings(strategy: Mirror, data: MarketData) -> Signals:
    table = strategy.filings_table(data.symbols)
    bar_ns = data.index.as_unit("ns").asi8
    init = np.zeros(data.n_symbols)
    target, conf, explain = table.decide(
        strategy.config, bar_ns, np.iinfo(np.int64).min, data.close.to_numpy(dtype=float), init
    )
    return finish_signals(strategy, data, target, conf, explain)


class FilingsStream(SignalStream):
    strategy: Mirror

    def _setup(self, history: MarketData) -> None:
        self._table = self.strategy.filings_table(list(self.symbols))
        self._target = np.zeros(self.n_symbols)
        self._prev_ns = np.iinfo(np.int64).min

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        t_ns = np.array([timestamp.as_unit("ns").value], dtype=np.int64)
        target, conf, explain = self._table.decide(
            self.strategy.config, t_ns, self._prev_ns, bar["close"][None, :], self._target
        )
        self._prev_ns = int(t_ns[0])
        return self._emit(timestamp, target[0], conf[0], bar["close"], explain)


# ----------------------------------------------------------------------------- pattern mode
def _pattern_decide(
    p_up: np.ndarray, mean: np.ndarray, used: np.ndarray, cfg: MirrorConfig, init: np.ndarray
) -> tuple[np.ndarray, np.ndarray, Any]:
    """Targets, confidence (n, m) and ``explain(row, col, target, before)`` from the match
    statistics of :func:`pattern_match_nb` (arrays (n, m))."""
    ok = used >= cfg.min_matches
    with np.errstate(invalid="ignore"):
        enter_long = ok & (p_up >= 0.5 + cfg.edge) & (mean > 0)
        exit_long = ~(p_up > 0.5)
        enter_short = ok & (p_up <= 0.5 - cfg.edge) & (mean < 0) & cfg.allow_short
        exit_short = ~(p_up < 0.5)
    target = hold_state_nb(enter_long, exit_long, enter_short, exit_short, init)
    conf = np.where(target != 0, np.nan_to_num(2 * np.abs(p_up - 0.5)), 0.0)

    def explain(r: int, c: int, t: float, before: float) -> str:
        p = p_up[r, c]
        if t == 0:
            return (
                "no similar past pattern left: close"
                if not np.isfinite(p)
                else f"pattern matches turned: P(up)={p:.2f}: close"
            )
        return (
            f"{int(used[r, c])} most similar past {cfg.pattern_len}-bar patterns: "
            f"P(up over {cfg.horizon} bars)={p:.2f}, mean outcome {mean[r, c]:+.2%}"
        )

    return target, conf, explain


def _outcomes(close: np.ndarray, horizon: int) -> np.ndarray:
    out = np.full(close.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[:-horizon] = np.log(close[horizon:] / close[:-horizon])
    return out


def _mirror_pattern(strategy: Mirror, data: MarketData) -> Signals:
    cfg = strategy.config
    close = data.close.to_numpy(dtype=float)
    has_vol = data.has("volume")
    volume = data.volume.to_numpy(dtype=float) if has_vol else np.empty((0, 0))
    vectors = pattern_vectors_nb(close, volume, cfg.pattern_len, has_vol)
    p_up, mean, used = pattern_predict_nb(
        vectors,
        _outcomes(close, cfg.horizon),
        cfg.library_bars,
        cfg.horizon,
        cfg.top_k,
        cfg.min_similarity,
    )
    target, conf, explain = _pattern_decide(p_up, mean, used, cfg, np.zeros(data.n_symbols))
    return finish_signals(strategy, data, target, conf, explain)


class PatternStream(SignalStream):
    strategy: Mirror

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        m, L = self.n_symbols, cfg.pattern_len
        self._has_vol = "volume" in self.fields
        d = 3 * L if self._has_vol else 2 * L
        self._close = Ring(max(L + 1, cfg.horizon + 1), m)
        self._volume = Ring(L, m)
        self._vectors = Ring(cfg.library_bars + 1, m, d, dtype=np.float32)
        self._norms = Ring(cfg.library_bars + 1, m)
        self._outcomes = Ring(cfg.library_bars + 1, m)
        self._vec = np.full((m, d), np.nan, dtype=np.float32)
        self._target = np.zeros(m)

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        L, h = cfg.pattern_len, cfg.horizon
        self._close.append(bar["close"])
        if self._has_vol:
            self._volume.append(bar["volume"])
        vols = self._volume.tail(L) if self._has_vol else np.empty((0, 0))
        pattern_vectors_last_nb(self._close.tail(L + 1), vols, self._has_vol, self._vec)
        if self.n_seen < L:
            self._vec[:] = np.nan
        self._vectors.append(self._vec)
        self._norms.append(pattern_norms_nb(self._vec))
        self._outcomes.append(np.full(self.n_symbols, np.nan))
        if self.n_seen >= h:
            with np.errstate(invalid="ignore", divide="ignore"):
                self._outcomes.ago(h)[:] = np.log(self._close.ago(0) / self._close.ago(h))
        p_up, mean, used = pattern_match_nb(
            self._vectors.tail(),
            self._norms.tail(),
            self._outcomes.tail(),
            cfg.library_bars,
            cfg.library_bars,
            h,
            cfg.top_k,
            cfg.min_similarity,
        )
        target, conf, explain = _pattern_decide(
            p_up[None], mean[None], used[None], cfg, self._target
        )
        return self._emit(timestamp, target[0], conf[0], bar["close"], explain)


# ----------------------------------------------------------------------------- strategy
@register
class Mirror(SideInputs, Streaming, Strategy):
    """Mirror trading (see the module docstring). ``filings=`` takes a DataFrame directly."""

    name = "mirror"
    side_inputs = ("filings",)
    time_inputs = {"filings": "filing_date"}
    Config = MirrorConfig
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "stocks",
            start="2004-01-01",
            end="2008-12-31",
            params={"filings_path": "example"},
            note="illustrative (random, not real) filings for the stocks sample's symbols",
        ),
        Example(
            "stocks",
            start="2005-01-01",
            end="2007-12-31",
            params={"mode": "pattern", "library_bars": 250, "allow_short": True},
            note="pattern mirroring on real OHLCV",
        ),
    )

    @property
    def Stream(self) -> type[SignalStream]:  # type: ignore[override]  # noqa: N802
        return FilingsStream if self.config.mode == "filings" else PatternStream

    @property
    def warmup(self) -> int:
        cfg = self.config
        return 1 if cfg.mode == "filings" else cfg.pattern_len + cfg.horizon + cfg.min_matches

    def filings_table(self, symbols: list[str]) -> _FilingsTable:
        """The validated filings as arrays for ``symbols`` (from ``filings=`` or ``filings_path``)."""
        cfg = self.config
        filings = self.side_input("filings")
        if filings is None and not cfg.filings_path:
            raise ConfigError(
                "mirror (filings mode) needs filings: give filings=<DataFrame> or filings_path=<csv>; "
                "filings_path='example' uses the illustrative (not real) data/filings_example.csv"
            )
        frame = read_filings(filings if filings is not None else cfg.filings_path)
        return _FilingsTable(frame, symbols, cfg)

    def signals(self, data: MarketData) -> Signals:
        if self.config.mode == "filings":
            return _mirror_filings(self, data)
        return _mirror_pattern(self, data)
