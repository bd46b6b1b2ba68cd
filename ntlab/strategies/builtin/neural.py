"""Shared machinery of the neural strategies: a walk-forward forecaster of level changes.

A neural strategy forecasts, at every bar t, the change of a *level* series (log
prices, or a log spread) over the next ``h`` bars: the lower, median and upper
quantile (``level`` % interval). The forecaster is retrained walk-forward inside
``signals``: at bar ``first_fit`` and every ``refit_every`` bars after it, on the last
``train_bars`` bars *before* that bar; the bars in between use that model. Each bar is
predicted in its own call (one window per symbol), so the numbers do not depend on how
many bars follow: batch, prefixes and the live stream agree.

Models (``model``):

- ``"nhits"``, ``"lstm"``, ``"transformer"``: :class:`ntlab.forecast.Forecaster` over
  neuralforecast (NHITS, LSTM, PatchTST), trained with a multi-quantile loss.
- ``"mlp"``: a scikit-learn multilayer perceptron on the same windows (median by
  regression, interval from the training residuals' quantiles): a small, fast neural
  net for tests and quick runs.

Defaults are TINY (``hidden_size=32``, ``max_steps=100``, ``input_size=30``) so a
backtest runs on a laptop CPU: a refit costs about 1-3 s (NHITS, 5 series, 756 bars,
on a shared 2-core machine), each bar's prediction about 7 ms. They are
demonstrations of the method, not tuned forecasters.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.data.market import MarketData
from ntlab.forecast.config import MODELS as FORECAST_MODELS
from ntlab.strategies.base import Signals, Strategy
from ntlab.strategies.builtin.config import BuiltinConfig
from ntlab.strategies.live import (
    Ring,
    SignalRow,
    SignalStream,
    Streaming,
    signals_by_stream,
)

__all__ = [
    "NeuralConfig",
    "LevelForecaster",
    "NeuralStrategy",
    "PriceForecastStream",
    "interval_confidence",
    "NEURAL_MODELS",
]

#: Models a neural strategy can use: the Forecaster's networks plus a small scikit-learn MLP.
NEURAL_MODELS = (*FORECAST_MODELS, "mlp")


@dataclass(frozen=True, kw_only=True)
class NeuralConfig(BuiltinConfig):
    """Forecaster and walk-forward settings shared by the neural strategies.

    Attributes
    ----------
    model : str
        ``"nhits"``, ``"lstm"``, ``"transformer"`` (neuralforecast) or ``"mlp"`` (scikit-learn).
    h : int
        Forecast horizon in bars.
    input_size : int
        Bars of history one forecast reads.
    hidden_size, max_steps : int
        Network width and training steps (tiny defaults: a demonstration).
    level : float
        Prediction interval in percent.
    refit_every, train_bars, first_fit : int
        Walk-forward schedule: bars between refits, bars trained on, first fit bar.
    seed : int
        Random seed of the training.
    device : str
        ``"cpu"``, ``"cuda"`` or ``"auto"``.
    cost_per_side : float
        Cost per side a forecast must beat (the backtest's fee plus slippage).
    allow_short : bool
        Take short positions too.
    """

    model: str = "nhits"
    h: int = 5
    input_size: int = 30
    hidden_size: int = 32
    max_steps: int = 100
    level: float = 80.0
    refit_every: int = 126
    train_bars: int = 756
    first_fit: int = 252
    seed: int = 0
    device: str = "cpu"
    cost_per_side: float = 0.0015
    allow_short: bool = False

    def validate(self) -> None:
        super().validate()
        need = self.need
        need(
            self.model in NEURAL_MODELS, f"model must be one of {NEURAL_MODELS}, got {self.model!r}"
        )
        need(self.h >= 1 and self.input_size >= 2, "need h >= 1 and input_size >= 2")
        need(
            self.hidden_size >= 1 and self.max_steps >= 1,
            "need hidden_size >= 1 and max_steps >= 1",
        )
        need(0 < self.level < 100, "level is a percentage in (0, 100)")
        need(
            self.refit_every >= 1 and self.first_fit >= 1,
            "need refit_every >= 1 and first_fit >= 1",
        )
        need(
            self.train_bars >= self.input_size + self.h + 10,
            "train_bars must exceed input_size + h by at least 10",
        )
        need(self.device in ("cpu", "cuda", "auto"), "device must be 'cpu', 'cuda' or 'auto'")
        need(0 <= self.cost_per_side < 0.1, "cost_per_side is a fraction in [0, 0.1)")

    def refit_due(self, i: int) -> bool:
        """True when bar ``i`` (0-based, from the first bar seen) starts a new model."""
        return i >= self.first_fit and (i - self.first_fit) % self.refit_every == 0

    @property
    def round_trip_cost(self) -> float:
        """Cost of opening and closing one leg, as a fraction (log-return units)."""
        return 2 * self.cost_per_side


class LevelForecaster:
    """Quantiles of the ``h``-bar change of level series, from windows of ``input_size``.

    ``fit(levels, features)`` trains on a panel (n_bars, n_series) (+ features
    (n_bars, n_series, n_features)); rows must be complete (series with a NaN are left
    out). ``predict(windows, features)`` takes (k, input_size) windows (+ (k,
    input_size, n_features)) and returns (k, 3): lower, median, upper change.
    """

    def __init__(self, cfg: NeuralConfig, feature_names: tuple[str, ...] = ()) -> None:
        self.cfg = cfg
        self.feature_names = feature_names if cfg.model != "transformer" else ()
        self.model_: Any = None

    @property
    def fitted(self) -> bool:
        return self.model_ is not None

    def fit(self, levels: np.ndarray, features: np.ndarray | None) -> None:
        ok = np.isfinite(levels).all(axis=0)
        if features is not None and self.feature_names:
            ok &= np.isfinite(features).all(axis=(0, 2))
        if not ok.any():
            return
        levels = levels[:, ok]
        feats = features[:, ok] if (features is not None and self.feature_names) else None
        if self.cfg.model == "mlp":
            self.model_ = self._fit_mlp(levels, feats)
        else:
            self.model_ = self._fit_forecaster(levels, feats)

    def _fit_forecaster(self, levels: np.ndarray, feats: np.ndarray | None) -> Any:
        cfg = self.cfg
        from ntlab.forecast import Forecaster  # ntlab's own; it loads neuralforecast lazily

        index = pd.date_range("2000-01-03", periods=levels.shape[0], freq="D", tz="UTC")
        cols = [f"s{j}" for j in range(levels.shape[1])]
        prices = pd.DataFrame(np.exp(levels), index=index, columns=cols)
        features = None
        if feats is not None:
            features = {
                name: pd.DataFrame(feats[:, :, k], index=index, columns=cols)
                for k, name in enumerate(self.feature_names)
            }
        fc = Forecaster(
            model=cfg.model,
            h=cfg.h,
            input_size=cfg.input_size,
            hidden_size=cfg.hidden_size,
            max_steps=cfg.max_steps,
            level=cfg.level,
            random_seed=cfg.seed,
            device=cfg.device,
            target="log_price",
        )
        return fc.fit(prices, features)

    def _fit_mlp(self, levels: np.ndarray, feats: np.ndarray | None) -> Any:
        cfg = self.cfg
        nn = attempt_import("sklearn.neural_network", purpose="the 'mlp' neural strategies")
        L, h = cfg.input_size, cfg.h
        n = levels.shape[0]
        rows, ys = [], []
        for t in range(L - 1, n - h):
            win = levels[t - L + 1 : t + 1]
            f = None if feats is None else feats[t - L + 1 : t + 1]
            rows.append(self._mlp_rows(win.T, None if f is None else f.transpose(1, 0, 2)))
            ys.append(levels[t + h] - levels[t])
        if not rows:
            return None
        X, y = np.vstack(rows), np.concatenate(ys)
        model = nn.MLPRegressor(
            hidden_layer_sizes=(cfg.hidden_size,),
            max_iter=max(cfg.max_steps, 50),
            random_state=cfg.seed,
            early_stopping=False,
        )
        scale = float(np.std(y)) or 1.0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ConvergenceWarning of a deliberately tiny budget
            model.fit(X, y / scale)
        resid = y - model.predict(X) * scale
        a = (100 - cfg.level) / 200
        return (model, scale, float(np.quantile(resid, a)), float(np.quantile(resid, 1 - a)))

    @staticmethod
    def _mlp_rows(win: np.ndarray, feats: np.ndarray | None) -> np.ndarray:
        """(k, L) windows (+ (k, L, f) features) -> (k, L + f) inputs: the window relative to
        its last value, and the last bar's features."""
        rel = win - win[:, -1:]
        return rel if feats is None else np.hstack([rel, feats[:, -1, :]])

    def predict(self, windows: np.ndarray, features: np.ndarray | None) -> np.ndarray:
        out = np.full((windows.shape[0], 3), np.nan)
        if self.model_ is None:
            return out
        feats = features if self.feature_names else None
        ok = np.isfinite(windows).all(axis=1)
        if feats is not None:
            ok &= np.isfinite(feats).all(axis=(1, 2))
        if not ok.any():
            return out
        w = windows[ok]
        f = None if feats is None else feats[ok]
        if self.cfg.model == "mlp":
            model, scale, lo, hi = self.model_
            mid = model.predict(self._mlp_rows(w, f)) * scale
            out[ok] = np.stack([mid + lo, mid, mid + hi], axis=1)
        else:
            q = self.model_.quantiles(w, f)[:, self.cfg.h - 1, :]
            out[ok] = q - w[:, -1:]
        return out


class NeuralStrategy(Streaming, Strategy):
    """Base of the neural strategies: batch ``signals`` runs the (exact) live stream."""

    Config: ClassVar[type[NeuralConfig]]
    Stream: ClassVar[type[SignalStream]]

    @property
    def warmup(self) -> int:
        return self.config.first_fit  # type: ignore[attr-defined]

    def signals(self, data: MarketData) -> Signals:
        return signals_by_stream(self.Stream, self, data)


class PriceForecastStream(SignalStream):
    """Bar by bar: log closes (+ optional features) -> walk-forward forecast -> ``_decide``.

    Subclasses may name features (``_feature_names``) and compute them
    (``_features(close)``, an (m, f) row), and implement ``_decide(timestamp, bar, q)``
    with ``q`` the (m, 3) change quantiles, returning the target and confidence rows and
    ``explain(row, col, target, before)``.
    """

    strategy: NeuralStrategy

    def _feature_names(self) -> tuple[str, ...]:
        return ()

    def _setup(self, history: MarketData) -> None:
        cfg: NeuralConfig = self.strategy.config  # type: ignore[assignment]
        m = self.n_symbols
        self.feature_names = self._feature_names()
        cap = max(cfg.train_bars, cfg.input_size) + 1
        self._levels = Ring(cap, m)
        self._feats = Ring(cap, m, len(self.feature_names)) if self.feature_names else None
        self._model = LevelForecaster(cfg, self.feature_names)
        self._target = np.zeros(m)
        self._setup_rule(history)

    def _setup_rule(self, history: MarketData) -> None:
        """Extra state of a subclass."""

    def _features(self, close: np.ndarray) -> np.ndarray | None:
        return None

    def _step(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray]) -> SignalRow:
        cfg: NeuralConfig = self.strategy.config  # type: ignore[assignment]
        close = bar["close"]
        with np.errstate(invalid="ignore", divide="ignore"):
            self._levels.append(np.log(close))
        feats = self._features(close)
        if self._feats is not None:
            self._feats.append(feats)
        i = self.n_seen
        if cfg.refit_due(i):
            past = self._levels.tail(cfg.train_bars + 1)[:-1]
            past_f = None if self._feats is None else self._feats.tail(cfg.train_bars + 1)[:-1]
            self._model.fit(past, past_f)
        win = self._levels.tail(cfg.input_size).T
        win_f = None if self._feats is None else self._feats.tail(cfg.input_size).transpose(1, 0, 2)
        q = self._model.predict(
            np.ascontiguousarray(win), None if win_f is None else np.ascontiguousarray(win_f)
        )
        target, conf, explain = self._decide(timestamp, bar, q)
        return self._emit(timestamp, target, conf, close, explain)

    def _decide(self, timestamp: pd.Timestamp, bar: dict[str, np.ndarray], q: np.ndarray):
        raise NotImplementedError


def interval_confidence(q: np.ndarray) -> np.ndarray:
    """``min(1, |median| / half-width)`` of (m, 3) change quantiles; 0 where undefined."""
    half = (q[:, 2] - q[:, 0]) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        c = np.abs(q[:, 1]) / half
    return np.clip(np.nan_to_num(c, nan=0.0, posinf=1.0), 0.0, 1.0)
