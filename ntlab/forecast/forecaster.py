"""Forecaster: NHITS, LSTM or PatchTST over neuralforecast, with prediction intervals.

>>> from ntlab.data import load_sample
>>> from ntlab.forecast import Forecaster
>>> data = load_sample("indices")
>>> fc = Forecaster(model="nhits", h=5, input_size=30, max_steps=50).fit(data[:-5])  # doctest: +SKIP
>>> [out.predictions for out in fc.predict(data[:-5])]  # doctest: +SKIP

One network is trained over all symbols (a global model); ``predict`` forecasts many
symbols in one batch. torch and neuralforecast are imported on first use only.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab._time import to_utc
from ntlab.data.market import MarketData
from ntlab.errors import ConfigError, DataError, NotFittedError
from ntlab.forecast import _nf
from ntlab.forecast._device import resolve_device, resolve_precision, torch_threads, trainer_kwargs
from ntlab.forecast._panel import (
    Features,
    Series,
    as_features,
    as_prices,
    future_index,
    needed_prices,
    to_prices,
    to_series,
    windows,
)
from ntlab.forecast.config import ForecasterConfig
from ntlab.forecast.records import ForecastInput, ForecastOutput

__all__ = ["Forecaster", "NotFittedError", "model_confidence"]

Data = MarketData | pd.DataFrame | pd.Series | Sequence[ForecastInput] | ForecastInput
_FORMAT = 1
_META = "forecaster.json"


def _positions(index: pd.DatetimeIndex, origins: Any) -> np.ndarray:
    """Row positions of ``origins`` (timestamps of ``index`` or integer positions), sorted."""
    values = list(origins)
    if not values:
        raise ConfigError("origins is empty")
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        at = np.asarray(values, dtype=np.int64)
        bad = (at < 0) | (at >= len(index))
    else:
        at = index.get_indexer(pd.DatetimeIndex([to_utc(v, what="origin") for v in values]))
        bad = at < 0
    if bad.any():
        raise DataError(
            f"origin(s) {[values[i] for i in np.flatnonzero(bad)][:3]} are not bars of the data"
        )
    return np.unique(at)


def model_confidence(point: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """``1 - mean((upper - lower) / |point|)`` over the horizon, clipped to [0, 1].

    Arrays of shape (n, h); returns shape (n,).
    """
    width = (upper - lower) / np.maximum(np.abs(point), np.finfo(float).tiny)
    return np.clip(1.0 - width.mean(axis=1), 0.0, 1.0)


class Forecaster:
    """Neural price forecaster with quantile prediction intervals.

    Parameters
    ----------
    config : ForecasterConfig, optional
        All settings; or give them as keyword arguments (``Forecaster(model="lstm", h=10)``).

    Attributes
    ----------
    nf_ : neuralforecast.NeuralForecast
        The fitted wrapper (its ``models[0]`` is the torch module).
    device_ : str
        ``"cuda"`` or ``"cpu"``, the device it was trained on and predicts on.
    precision_ : str
        Lightning precision used (``"32-true"``, ``"bf16-mixed"``, ...).
    feature_names_ : tuple of str
        Exogenous features it was trained with.
    symbols_ : tuple of str
        Symbols it was trained on (it can forecast others too).
    train_end_ : Timestamp
        Time of the last training bar.
    fit_seconds_ : float
        Wall time of the training.
    """

    def __init__(self, config: ForecasterConfig | None = None, **params: Any) -> None:
        if config is not None and params:
            raise ConfigError("give either a ForecasterConfig or keyword settings, not both")
        self.config = config if config is not None else ForecasterConfig.from_dict(params)

    def __repr__(self) -> str:
        c = self.config
        state = f"fitted on {len(self.symbols_)} symbols" if self.fitted else "not fitted"
        return f"Forecaster(model={c.model!r}, h={c.h}, input_size={c.input_size}, target={c.target!r}, device={self.device!r}, {state})"

    # ------------------------------------------------------------------ state
    @property
    def fitted(self) -> bool:
        return hasattr(self, "nf_")

    @property
    def device(self) -> str:
        """Device in use (after fit) or that ``fit`` would pick now."""
        return self.device_ if self.fitted else resolve_device(self.config.device)

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise NotFittedError(
                "this Forecaster is not fitted yet; call fit(data) or Forecaster.load(path)"
            )

    # ------------------------------------------------------------------ fit
    def fit(self, data: Data, features: Features = None, *, progress: bool | None = None) -> Self:
        """Train one network over all symbols of ``data``.

        Parameters
        ----------
        data : MarketData, DataFrame of shape (n_bars, n_symbols), Series, or list of ForecastInput
            Prices (the closes of MarketData). Bars before a symbol's first price are ignored;
            a missing price inside a history is an error unless ``fill_gaps="ffill"``.
        features : mapping of name to DataFrame of shape (n_bars, n_symbols), or MarketData field names
            Historical exogenous features (not for the transformer).
        progress : bool, optional
            Show a bar of the training steps (after 2 s); ``False`` hides it, ``None``
            follows the enclosing call (e.g. a backtest's ``progress``).
        """
        cfg = self.config
        series, names = to_series(data, features, trim_end=True, fill=cfg.fill_gaps)
        need = needed_prices(cfg.input_size + cfg.h, cfg.target)
        short = {s.symbol: len(s.prices) for s in series if len(s.prices) < need}
        if short:
            raise DataError(
                f"too little history to train: {short} bars, but input_size + h = "
                f"{cfg.input_size} + {cfg.h} needs {need} per symbol; give more bars, a smaller "
                "input_size, or leave those symbols out"
            )
        device = resolve_device(cfg.device)
        precision = resolve_precision(cfg.precision, device)
        model = _nf.build_model(cfg, names, device, precision)
        frame = _nf.nf_frame(series, cfg.target, names)
        start = time.perf_counter()
        with torch_threads(cfg.num_threads):
            nf = _nf.fit_nf(model, frame, progress=progress)
        self.fit_seconds_ = time.perf_counter() - start
        self.nf_ = nf
        self.device_ = device
        self.precision_ = precision
        self.feature_names_ = tuple(names)
        self.symbols_ = tuple(s.symbol for s in series)
        self.train_end_ = max(s.index[-1] for s in series)
        self.temporal_cols_ = tuple(str(c) for c in nf.dataset.temporal_cols)
        return self

    # ------------------------------------------------------------------ predict
    def _horizon(self, h: int | None) -> int:
        trained = self.config.h
        if h is None:
            return trained
        if not isinstance(h, int) or h < 1:
            raise ConfigError(f"h must be a positive int, got {h!r}")
        if h > trained:
            raise ConfigError(
                f"this model was trained for h={trained} steps and cannot forecast h={h}; "
                f"fit a Forecaster with h={h} (or ask for h <= {trained})"
            )
        return h

    def quantiles(self, y: np.ndarray, x: np.ndarray | None) -> np.ndarray:
        """Lower, median and upper quantile of the target for input windows.

        Parameters
        ----------
        y : ndarray of shape (n_windows, input_size)
            Target values (already transformed, e.g. log prices).
        x : ndarray of shape (n_windows, input_size, n_features) or None

        Returns
        -------
        ndarray of shape (n_windows, h, 3), sorted along the last axis (where the quantile
        heads cross, sorting is the monotone rearrangement of Chernozhukov et al., 2010).
        """
        self._check_fitted()
        model = self.nf_.models[0]
        with torch_threads(self.config.num_threads):
            if self.config.fast_predict:
                raw = _nf.predict_fast(
                    model,
                    y,
                    x,
                    temporal_cols=self.temporal_cols_,
                    device=self.device_,
                    precision=self.precision_,
                )
            else:
                raw = _nf.predict_nf(self.nf_, y, x)
        return np.sort(raw[..., _nf.quantile_order(model)].astype(np.float64), axis=-1)

    def _forecast(
        self, items: Sequence[tuple[Series, np.ndarray]], steps: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Price forecasts from windows ending at positions ``ends`` of each series.

        Returns ``last`` of shape (n,) and ``point, lower, upper`` of shape (n, steps), rows
        in the order of ``items`` and, within an item, of its ends.
        """
        cfg = self.config
        need = needed_prices(cfg.input_size, cfg.target)
        for s, ends in items:
            if len(ends) and ends.min() + 1 < need:
                raise DataError(
                    f"{s.symbol}: {max(int(ends.min()) + 1, 0)} bars of history, but the model needs "
                    f"input_size={cfg.input_size} ({need} prices for target {cfg.target!r}); give more history"
                )
        parts = [windows(s, ends, cfg.input_size, cfg.target) for s, ends in items]
        y = np.concatenate([p[0] for p in parts])
        x = None if parts[0][1] is None else np.concatenate([p[1] for p in parts])
        q = self.quantiles(y, x)[:, :steps]
        last = np.concatenate([s.prices[ends] for s, ends in items])
        return (last, *to_prices(q, last, cfg.target))

    def _series(self, data: Data, features: Features) -> list[Series]:
        self._check_fitted()
        series, names = to_series(data, features, trim_end=False, fill=self.config.fill_gaps)
        if tuple(names) != self.feature_names_:
            raise DataError(
                f"the model was trained with features {list(self.feature_names_)} but got {list(names)}; "
                "give the same features"
            )
        return series

    def predict(
        self, data: Data, features: Features = None, *, h: int | None = None
    ) -> list[ForecastOutput]:
        """Forecast the next ``h`` bars after the end of ``data`` for every symbol in it.

        Parameters
        ----------
        data : MarketData, DataFrame of shape (n_bars, n_symbols), Series, or list of ForecastInput
            At least ``input_size`` bars per symbol (one more for ``target="log_return"``),
            each with a price at the last bar.
        features : as in :meth:`fit`, with the same names.
        h : int, optional
            Steps to return, at most the trained horizon.

        Returns
        -------
        list of ForecastOutput, one per symbol, in input order.
        """
        steps = self._horizon(h)
        series = self._series(data, features)
        items = [(s, np.array([len(s.prices) - 1])) for s in series]
        last, point, lower, upper = self._forecast(items, steps)
        conf = model_confidence(point, lower, upper)
        return [
            ForecastOutput(
                symbol=s.symbol,
                predictions=point[i],
                confidence_intervals=np.stack([lower[i], upper[i]], axis=1),
                timestamps=future_index(s.index, steps),
                model_confidence=float(conf[i]),
                level=self.config.level,
                origin=s.index[-1],
                last_price=float(last[i]),
                model=self.config.model,
                device=self.device_,
                target=self.config.target,
            )
            for i, s in enumerate(series)
        ]

    def predict_at(
        self,
        data: MarketData | pd.DataFrame | pd.Series,
        origins: Sequence[Any] | pd.DatetimeIndex,
        features: Features = None,
    ) -> pd.DataFrame:
        """Forecasts from many origins of a price panel in one batch, each from bars up to it.

        This is what a walk-forward strategy needs: fit on ``data[:k]``, then forecast at
        every later bar without refitting.

        Parameters
        ----------
        data : MarketData, DataFrame of shape (n_bars, n_symbols), or Series
        origins : timestamps in ``data``'s index (or integer row positions)
            The forecast from origin ``t`` reads rows up to and including ``t`` only.
        features : as in :meth:`fit`

        Returns
        -------
        DataFrame with one row per (symbol, origin, step), columns ``model, symbol, origin,
        step, last_price, forecast, lower, upper``.
        """
        prices = as_prices(data)
        at = _positions(prices.index, origins)
        frames = as_features(data, prices, features)
        stop = int(at.max()) + 1
        series = self._series(
            prices.iloc[:stop], {k: f.iloc[:stop] for k, f in frames.items()} or None
        )
        items = [(s, at - prices.index.get_loc(s.index[0])) for s in series]
        last, point, lower, upper = self._forecast(items, self.config.h)
        h, n_sym, n_org = self.config.h, len(series), len(at)
        return pd.DataFrame(
            {
                "model": self.config.model,
                "symbol": np.repeat([s.symbol for s in series], n_org * h),
                "origin": prices.index[np.tile(np.repeat(at, h), n_sym)],
                "step": np.tile(np.arange(1, h + 1), n_sym * n_org),
                "last_price": np.repeat(last, h),
                "forecast": point.ravel(),
                "lower": lower.ravel(),
                "upper": upper.ravel(),
            }
        )

    # ------------------------------------------------------------------ evaluation
    def cross_validation(
        self, data: MarketData | pd.DataFrame | pd.Series, **options: Any
    ) -> pd.DataFrame:
        """Walk-forward forecasts of this configuration over rolling origins.

        ``options`` (``n_windows``, ``step_size``, ``refit``, ``features``) are those of
        :func:`ntlab.forecast.walk_forward`, which documents the returned frame. Fresh models
        are trained; this Forecaster is left as it is.
        """
        from ntlab.forecast.walkforward import walk_forward

        return walk_forward(self.config, data, **options)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | Path) -> Path:
        """Write the model to the folder ``path`` (safetensors weights + JSON, no pickle)."""
        self._check_fitted()
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        model = self.nf_.models[0]
        model.to("cpu")  # write host tensors whatever the device
        try:
            with _nf.quiet():
                self.nf_.save(str(folder / "nf"), save_dataset=False, overwrite=True)
        finally:
            model.to(self.device_)
        meta = {
            "format": _FORMAT,
            "config": self.config.to_dict(),
            "state": {
                "device": self.device_,
                "precision": self.precision_,
                "featureNames": list(self.feature_names_),
                "symbols": list(self.symbols_),
                "trainEnd": self.train_end_.isoformat(),
                "fitSeconds": self.fit_seconds_,
                "temporalCols": list(self.temporal_cols_),
            },
        }
        (folder / _META).write_text(json.dumps(meta, indent=2))
        return folder

    @classmethod
    def load(cls, path: str | Path, *, device: str | None = None) -> Forecaster:
        """Read a model written by :meth:`save`, onto ``device`` (default: the saved setting)."""
        folder = Path(path)
        if not (folder / _META).is_file():
            raise DataError(f"{folder} holds no saved Forecaster ({_META} is missing)")
        meta = json.loads((folder / _META).read_text())
        if meta.get("format") != _FORMAT:
            raise DataError(f"{folder}: unknown Forecaster format {meta.get('format')!r}")
        config = ForecasterConfig.from_dict(meta["config"])
        if device is not None:
            config = config.replace(device=device)
        out = cls(config)
        out.device_ = resolve_device(config.device)
        out.precision_ = resolve_precision(config.precision, out.device_)
        core = attempt_import("neuralforecast.core", purpose="loading a Forecaster")
        with _nf.quiet():
            out.nf_ = core.NeuralForecast.load(str(folder / "nf"), map_location=out.device_)
        out.nf_.models[0].trainer_kwargs.update(trainer_kwargs(out.device_, out.precision_))
        state = meta["state"]
        out.feature_names_ = tuple(state["featureNames"])
        out.symbols_ = tuple(state["symbols"])
        out.train_end_ = pd.Timestamp(state["trainEnd"])
        out.fit_seconds_ = float(state["fitSeconds"])
        out.temporal_cols_ = tuple(state["temporalCols"])
        return out
