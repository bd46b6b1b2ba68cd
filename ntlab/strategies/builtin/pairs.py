"""Pairs trading: cointegrated pairs chosen walk-forward, traded on their spread z-score.

Rule
----
Every ``reselect_every`` bars (from bar ``formation`` on) the strategy looks at the log
closes of the ``formation`` bars *before* that bar only. Among symbols with complete
data it ranks pairs by the correlation of their daily log returns, keeps the best
``max_candidates``, and runs the Engle-Granger cointegration test
(``statsmodels.tsa.stattools.coint``, constant, one lag) in both orders; a pair's
p-value is the larger of the two. Pairs with p < ``pvalue`` and a positive hedge ratio
are taken greedily, lowest p first, each symbol in at most one pair, up to
``max_pairs``.

For a chosen pair (y, x), on every bar t:

- ``hedge="rolling"``: OLS ``log y = a + b log x`` over the last ``hedge_window`` bars up
  to t; the spread ``log y - b log x`` over the last ``z_window`` bars gives the z-score
  of bar t.
- ``hedge="kalman"``: a Kalman filter tracks (a, b) as a random walk (state noise
  ``kalman_delta / (1 - kalman_delta)``, observation noise ``kalman_obs_var``), warmed
  on the formation window; z is the standardised one-step forecast error.

Enter short the spread (short y, long x) when ``z > entry_z``, long when
``z < -entry_z``; exit when ``|z| < exit_z`` (converged) or ``|z| > stop_z`` (blow-out).
Leg sizes are fixed at entry from the hedge ratio b (log-price elasticity, i.e. dollars
of x per dollar of y): y gets ``1 / max(1, b)`` of its sleeve and x ``b / max(1, b)``.
Break-down exit: every ``recheck_every`` bars each chosen pair is re-tested on the
latest ``formation`` bars before that bar; when its p-value exceeds ``break_pvalue``
the pair is closed and dropped until it is chosen again. A pair that is not chosen again
at a reselection is closed too. Stop-loss/take-profit levels are set per leg
``stop_loss_pct``/``take_profit_pct`` from the entry close (wide by default: the pair's
real exits are the spread rules above).

Measured results: the generated table in ``docs/strategies.md`` (engine, settings, bars per
year and the seed's claim side by side; ``python -m benchmarks.strategy_backtests``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.data.market import MarketData
from ntlab.strategies._nb import kalman_pair_nb, ols_last_nb, pair_z_last_nb
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin.config import BuiltinConfig
from ntlab.strategies.examples import Example
from ntlab.strategies.live import (
    Ring,
    SignalRow,
    SignalStream,
    Streaming,
    signals_by_stream,
)
from ntlab.strategies.registry import register

__all__ = ["PairsConfig", "Pairs", "select_pairs", "engle_granger_pvalue"]


@dataclass(frozen=True, kw_only=True)
class PairsConfig(BuiltinConfig):
    """Parameters of :class:`Pairs` (the rule is in the module docstring).

    Attributes
    ----------
    stop_loss_pct, take_profit_pct : float
        Per-leg protective levels from the entry close (wide: the spread rules are the real exits).
    formation : int
        Bars before a selection that the cointegration test looks at.
    reselect_every, recheck_every : int
        Bars between pair selections, and between break-down re-tests.
    pvalue, break_pvalue : float
        Engle-Granger p-value to choose a pair, and above which a chosen pair is dropped.
    max_pairs, max_candidates : int
        Pairs traded at once, and candidate pairs tested (by return correlation).
    hedge : str
        ``"rolling"`` OLS or ``"kalman"`` hedge ratio.
    hedge_window, z_window : int
        Bars of the rolling OLS, and of the spread z-score.
    entry_z, exit_z, stop_z : float
        Enter beyond ``entry_z``, exit inside ``exit_z`` or beyond ``stop_z``.
    kalman_delta, kalman_obs_var : float
        State and observation noise of the Kalman hedge.
    """

    formation: int = 252
    reselect_every: int = 63
    recheck_every: int = 21
    pvalue: float = 0.05
    break_pvalue: float = 0.20
    max_pairs: int = 5
    max_candidates: int = 40
    hedge: str = "rolling"
    hedge_window: int = 60
    z_window: int = 20
    entry_z: float = 2.0
    exit_z: float = 0.5
    stop_z: float = 4.0
    kalman_delta: float = 1e-7
    kalman_obs_var: float = 1e-4
    stop_loss_pct: float = 0.15
    take_profit_pct: float = 0.15

    def validate(self) -> None:
        super().validate()
        need = self.need
        need(
            self.formation >= 30, "formation must be >= 30 bars (the cointegration test needs data)"
        )
        need(
            self.reselect_every >= 1 and self.recheck_every >= 1,
            "reselect_every and recheck_every must be >= 1",
        )
        need(
            0 < self.pvalue < 1 and self.pvalue <= self.break_pvalue < 1,
            "need 0 < pvalue <= break_pvalue < 1",
        )
        need(
            self.max_pairs >= 1 and self.max_candidates >= 1,
            "max_pairs and max_candidates must be >= 1",
        )
        need(
            self.hedge in ("rolling", "kalman"),
            f"hedge must be 'rolling' or 'kalman', got {self.hedge!r}",
        )
        need(
            3 <= self.hedge_window and 3 <= self.z_window, "hedge_window and z_window must be >= 3"
        )
        need(0 <= self.exit_z < self.entry_z < self.stop_z, "need 0 <= exit_z < entry_z < stop_z")
        need(
            0 < self.kalman_delta < 1 and self.kalman_obs_var > 0,
            "need 0 < kalman_delta < 1 and kalman_obs_var > 0",
        )


def engle_granger_pvalue(y: np.ndarray, x: np.ndarray) -> float:
    """Engle-Granger p-value of two log-price series, the larger of both orders.

    ``statsmodels.tsa.stattools.coint`` with a constant and a fixed lag of one
    (MacKinnon's p-values).
    """
    stattools = attempt_import("statsmodels.tsa.stattools", purpose="the pairs cointegration test")
    p1 = stattools.coint(y, x, trend="c", maxlag=1, autolag=None)[1]
    p2 = stattools.coint(x, y, trend="c", maxlag=1, autolag=None)[1]
    return float(max(p1, p2))


def select_pairs(logp: np.ndarray, cfg: PairsConfig) -> list[tuple[int, int, float]]:
    """Cointegrated pairs (y, x, p-value) from log closes of shape (n_bars, n_symbols).

    Only symbols without NaN in ``logp`` take part; see the module docstring for the rule.
    """
    ok = np.flatnonzero(np.isfinite(logp).all(axis=0))
    if len(ok) < 2:
        return []
    rets = np.diff(logp[:, ok], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.corrcoef(rets, rowvar=False)
    iu, ju = np.triu_indices(len(ok), k=1)
    score = np.nan_to_num(corr[iu, ju], nan=-np.inf)
    order = np.argsort(-score, kind="stable")[: cfg.max_candidates]
    tested = []
    for k in order:
        i, j = int(ok[iu[k]]), int(ok[ju[k]])
        _, beta = ols_last_nb(logp[:, i], logp[:, j], logp.shape[0])
        if not beta > 0:
            continue
        p = engle_granger_pvalue(logp[:, i], logp[:, j])
        if p < cfg.pvalue:
            tested.append((p, i, j))
    tested.sort()
    used: set[int] = set()
    chosen = []
    for p, i, j in tested:
        if i in used or j in used:
            continue
        chosen.append((i, j, p))
        used.update((i, j))
        if len(chosen) == cfg.max_pairs:
            break
    return chosen


class _Pair:
    __slots__ = ("y", "x", "p", "side", "w_y", "w_x", "kalman")

    def __init__(self, y: int, x: int, p: float) -> None:
        self.y, self.x, self.p = y, x, p
        self.side = 0
        self.w_y = self.w_x = 0.0
        self.kalman = np.zeros(5)


class PairsStream(SignalStream):
    """Bar-by-bar pairs engine; the batch ``signals`` runs through it too."""

    strategy: Pairs

    def _setup(self, history: MarketData) -> None:
        cfg = self.strategy.config
        self._logp = Ring(max(cfg.formation + 1, cfg.hedge_window, cfg.z_window), self.n_symbols)
        self._pairs: dict[tuple[int, int], _Pair] = {}

    def _z(self, pair: _Pair, warm: bool) -> tuple[float, float]:
        """(z, hedge ratio) of bar t for a pair; ``warm`` first runs the filter over the formation."""
        cfg = self.strategy.config
        if cfg.hedge == "rolling":
            tail = self._logp.tail(max(cfg.hedge_window, cfg.z_window))
            return pair_z_last_nb(
                tail[:, pair.y].copy(), tail[:, pair.x].copy(), cfg.hedge_window, cfg.z_window
            )
        if warm:
            window = self._logp.tail(cfg.formation + 1)[:-1]
            kalman_pair_nb(
                window[:, pair.y].copy(),
                window[:, pair.x].copy(),
                pair.kalman,
                cfg.kalman_delta,
                cfg.kalman_obs_var,
            )
        last = self._logp.tail(1)
        z = kalman_pair_nb(
            last[:, pair.y].copy(),
            last[:, pair.x].copy(),
            pair.kalman,
            cfg.kalman_delta,
            cfg.kalman_obs_var,
        )
        return float(z[0]), float(pair.kalman[1])

    def _reselect(self, reasons: dict[int, str]) -> set[tuple[int, int]]:
        cfg = self.strategy.config
        window = self._logp.tail(cfg.formation + 1)[:-1]
        chosen = select_pairs(window, cfg)
        new: dict[tuple[int, int], _Pair] = {}
        for y, x, p in chosen:
            old = self._pairs.get((y, x))
            pair = old if old is not None else _Pair(y, x, p)
            pair.p = p
            new[(y, x)] = pair
        for key, pair in self._pairs.items():
            if key not in new and pair.side:
                for leg in (pair.y, pair.x):
                    reasons[leg] = f"pair {self._name(pair)} not cointegrated at reselection: close"
        fresh = {key for key in new if key not in self._pairs}
        self._pairs = new
        return fresh

    def _recheck(self, reasons: dict[int, str]) -> None:
        cfg = self.strategy.config
        window = self._logp.tail(cfg.formation + 1)[:-1]
        for key, pair in list(self._pairs.items()):
            y, x = window[:, pair.y], window[:, pair.x]
            p = engle_granger_pvalue(y, x) if np.isfinite(y).all() and np.isfinite(x).all() else 1.0
            pair.p = p
            if p > cfg.break_pvalue:
                del self._pairs[key]
                if pair.side:
                    for leg in (pair.y, pair.x):
                        reasons[leg] = (
                            f"pair {self._name(pair)} broke down (Engle-Granger p={p:.3f} > {cfg.break_pvalue:g}): close"
                        )

    def _name(self, pair: _Pair) -> str:
        return f"{self.symbols[pair.y]}/{self.symbols[pair.x]}"

    def _trade(self, pair: _Pair, z: float, beta: float, reasons: dict[int, str]) -> None:
        cfg = self.strategy.config
        name = self._name(pair)
        if pair.side:
            why = ""
            if not np.isfinite(z):
                why = "spread undefined"
            elif abs(z) < cfg.exit_z:
                why = f"spread z={z:+.2f} back inside {cfg.exit_z:g}: converged"
            elif abs(z) > cfg.stop_z:
                why = f"spread z={z:+.2f} beyond stop {cfg.stop_z:g}"
            if why:
                pair.side = 0
                for leg in (pair.y, pair.x):
                    reasons[leg] = f"pair {name}: {why}: close"
            return
        if not (np.isfinite(z) and cfg.entry_z < abs(z) <= cfg.stop_z and beta > 0):
            return
        pair.side = -1 if z > 0 else 1
        pair.w_y, pair.w_x = 1.0 / max(1.0, beta), beta / max(1.0, beta)
        sy, sx = self.symbols[pair.y], self.symbols[pair.x]
        act = f"short {sy}, long {sx}" if pair.side < 0 else f"long {sy}, short {sx}"
        text = f"pair {name} (Engle-Granger p={pair.p:.3f}, hedge {beta:.2f}): spread z={z:+.2f} past {cfg.entry_z:g}: {act}"
        reasons[pair.y] = reasons[pair.x] = text

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg = self.strategy.config
        close = bar["close"]
        with np.errstate(invalid="ignore", divide="ignore"):
            self._logp.append(np.log(close))
        i = self.n_seen
        reasons: dict[int, str] = {}
        fresh: set[tuple[int, int]] = set()
        since = i - cfg.formation
        if since >= 0 and since % cfg.reselect_every == 0:
            fresh = self._reselect(reasons)
        elif since >= 0 and since % cfg.recheck_every == 0:
            self._recheck(reasons)
        target = np.zeros(self.n_symbols)
        confidence = np.zeros(self.n_symbols)
        for key, pair in self._pairs.items():
            z, beta = self._z(pair, warm=key in fresh)
            self._trade(pair, z, beta, reasons)
            if pair.side:
                target[pair.y], target[pair.x] = pair.side * pair.w_y, -pair.side * pair.w_x
                confidence[pair.y] = confidence[pair.x] = min(1.0, abs(z) / (2 * cfg.entry_z))

        def explain(r: int, c: int, t: float, before: float) -> str:
            return reasons.get(c, f"pair leg resized to {t:+.2f}")

        return self._emit(timestamp, target, confidence, close, explain)


@register
class Pairs(Streaming, Strategy):
    name = "pairs"
    Config = PairsConfig
    Stream = PairsStream
    examples: ClassVar[tuple[Example, ...]] = (
        Example(
            "sp500_20",
            start="2015-01-01",
            end="2016-12-31",
            params={
                "formation": 126,
                "reselect_every": 42,
                "recheck_every": 21,
                "max_candidates": 8,
            },
            note="20 large caps, daily closes; short formation so a 3-year slice has several reselections",
        ),
        Example(
            "sp500_20",
            start="2016-01-01",
            end="2017-12-31",
            params={"formation": 126, "reselect_every": 63, "max_candidates": 8, "hedge": "kalman"},
            note="the Kalman hedge ratio",
        ),
    )

    @property
    def warmup(self) -> int:
        return self.config.formation

    def signals(self, data: MarketData) -> Signals:
        return signals_by_stream(PairsStream, self, data)
