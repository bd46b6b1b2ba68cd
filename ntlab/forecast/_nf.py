"""neuralforecast glue: build the model, fit it, and predict input windows two ways.

``predict_fast`` calls the trained module's own prediction step directly (eval mode,
no grad, no Lightning Trainer, no DataFrame round trip); ``predict_nf`` goes through
``NeuralForecast.predict``. Both take the same windows and return the same numbers
(``tests/unit/forecast`` checks it). torch and neuralforecast are imported lazily.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError
from ntlab.forecast._device import trainer_kwargs
from ntlab.forecast._panel import Series, target_of
from ntlab.forecast.config import MODELS, ForecasterConfig

__all__ = [
    "quiet",
    "build_model",
    "nf_frame",
    "fit_nf",
    "predict_fast",
    "predict_nf",
    "quantile_order",
]

_LOGGERS = (
    "lightning",
    "lightning.pytorch",
    "lightning.fabric",
    "pytorch_lightning",
    "lightning_fabric",
)
_PURPOSE = "neural forecasting (ntlab.forecast)"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Silence Lightning's info logs and the library warnings it raises while training."""
    loggers = [logging.getLogger(name) for name in _LOGGERS]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            for category in (UserWarning, DeprecationWarning, FutureWarning):
                warnings.simplefilter("ignore", category)
            yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)


def _heads(width: int) -> int:
    return next(n for n in (4, 2, 1) if width % n == 0)


def build_model(
    config: ForecasterConfig, feature_names: Sequence[str], device: str, precision: str
) -> Any:
    """A fresh neuralforecast model for ``config``, trained with MQLoss at ``config.level``."""
    if feature_names and config.model == "transformer":
        raise ConfigError(
            "the transformer (PatchTST) takes no exogenous features; use model='nhits' or 'lstm', "
            "or drop the features"
        )
    models = attempt_import("neuralforecast.models", purpose=_PURPOSE)
    losses = attempt_import("neuralforecast.losses.pytorch", purpose=_PURPOSE)
    width = config.hidden_size
    patch = min(16, config.input_size)
    sizes = {
        "nhits": {"mlp_units": [[width, width]] * 3},
        "lstm": {"encoder_hidden_size": width, "decoder_hidden_size": width},
        "transformer": {
            "hidden_size": width,
            "n_heads": _heads(width),
            "linear_hidden_size": 2 * width,
            "patch_len": patch,
            "stride": max(1, patch // 2),
        },
    }[config.model]
    kwargs = {
        "h": config.h,
        "input_size": config.input_size,
        "loss": losses.MQLoss(level=[config.level]),
        "max_steps": config.max_steps,
        "val_check_steps": config.max_steps,
        "learning_rate": config.learning_rate,
        "batch_size": config.batch_size,
        "windows_batch_size": config.windows_batch_size,
        "scaler_type": config.scaler_type,
        "random_seed": config.random_seed,
        **({"hist_exog_list": list(feature_names)} if feature_names else {}),
        **sizes,
        **trainer_kwargs(device, precision),
        **config.model_kwargs,
    }
    cls = getattr(models, MODELS[config.model])
    try:
        with quiet():
            return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(
            f"{cls.__name__} rejected the settings: {exc}; check model_kwargs"
        ) from exc


def nf_frame(series: Sequence[Series], target: str, feature_names: Sequence[str]) -> pd.DataFrame:
    """Long frame ``unique_id, ds, y, <features>`` with integer bar positions as ``ds``."""
    parts = []
    for s in series:
        y = target_of(s.prices, target, symbol=s.symbol)
        part = {
            "unique_id": np.full(len(y), s.symbol, dtype=object),
            "ds": np.arange(len(y)),
            "y": y,
        }
        if feature_names:
            feats = s.features[len(s.prices) - len(y) :]
            part.update({name: feats[:, j] for j, name in enumerate(feature_names)})
        parts.append(pd.DataFrame(part))
    return pd.concat(parts, ignore_index=True)


def fit_nf(model: Any, frame: pd.DataFrame, *, progress: bool | None = None) -> Any:
    """Fit ``model`` on ``frame`` in a NeuralForecast wrapper (integer time steps).

    A progress bar counts the training steps (``progress=False`` hides it); it is attached
    for this fit only, so a saved model carries no callback.
    """
    from ntlab._progress import progress_bar

    core = attempt_import("neuralforecast.core", purpose=_PURPOSE)
    kwargs = model.trainer_kwargs
    bar = progress_bar(
        total=int(kwargs.get("max_steps") or model.max_steps),
        desc=f"training {type(model).__name__}",
        unit="step",
        progress=progress,
    )
    kwargs["callbacks"] = [*kwargs.get("callbacks", []), _step_callback(bar)]
    nf = core.NeuralForecast(models=[model], freq=1)  # it copies the model: attach first
    try:
        with quiet():
            nf.fit(df=frame)
    finally:
        bar.close()
        for m in (model, *nf.models):
            m.trainer_kwargs["callbacks"] = [
                c for c in m.trainer_kwargs.get("callbacks", []) if not hasattr(c, "ntlab_bar")
            ]
    return nf


def _step_callback(bar: Any) -> Any:
    """A Lightning callback that advances ``bar`` once per training step."""
    pl = attempt_import("pytorch_lightning", purpose=_PURPOSE)

    class StepBar(pl.Callback):
        ntlab_bar = True

        def on_train_batch_end(self, trainer: Any, *args: Any) -> None:
            bar.update(1)

    return StepBar()


def quantile_order(model: Any) -> np.ndarray:
    """Output columns of the lower, median and upper quantile."""
    qs = model.loss.quantiles.detach().cpu().numpy()
    return np.argsort(qs)


def predict_fast(
    model: Any,
    y: np.ndarray,
    x: np.ndarray | None,
    *,
    temporal_cols: Sequence[str],
    device: str,
    precision: str,
) -> np.ndarray:
    """Forecast windows with the trained module directly.

    Parameters
    ----------
    y : ndarray of shape (n_windows, input_size)
    x : ndarray of shape (n_windows, input_size, n_features) or None

    Returns
    -------
    ndarray of shape (n_windows, h, n_outputs), in the loss's output order.
    """
    torch = attempt_import("torch", purpose=_PURPOSE)
    n, size = y.shape
    h = model.h
    cols = pd.Index(list(temporal_cols))
    temporal = np.zeros((n, len(cols), size + h), dtype=np.float32)
    temporal[:, cols.get_loc("y"), :size] = y
    temporal[:, cols.get_loc("available_mask"), :size] = 1.0
    for j, name in enumerate(model.hist_exog_list):
        temporal[:, cols.get_loc(name), :size] = x[:, :, j]
    batch = {
        "temporal": torch.from_numpy(temporal).to(device),
        "temporal_cols": cols,
        "y_idx": cols.get_loc("y"),
        "static": None,
        "static_cols": None,
    }
    model.to(device)
    model.eval()
    saved = model.get_test_size()
    model.set_test_size(h)
    model.predict_step_size = 1
    model.n_predicts = 1
    model.decompose_forecast = False
    model.explain = False
    autocast: Any = contextlib.nullcontext()
    if device == "cuda" and precision != "32-true":
        dtype = torch.bfloat16 if precision.startswith("bf16") else torch.float16
        autocast = torch.autocast("cuda", dtype=dtype)
    try:
        with torch.no_grad(), autocast:
            out = model._predict_step_direct(batch, 0)
    finally:
        model.set_test_size(saved)
    return out.float().cpu().numpy().reshape(n, h, -1)


def predict_nf(nf: Any, y: np.ndarray, x: np.ndarray | None) -> np.ndarray:
    """Forecast windows through ``NeuralForecast.predict`` (the reference path).

    Same inputs and output as :func:`predict_fast`.
    """
    model = nf.models[0]
    n, size = y.shape
    uids = np.array([f"w{i:08d}" for i in range(n)], dtype=object)
    frame = {"unique_id": np.repeat(uids, size), "ds": np.tile(np.arange(size), n), "y": y.ravel()}
    for j, name in enumerate(model.hist_exog_list):
        frame[name] = x[:, :, j].ravel()
    with quiet():
        out = nf.predict(df=pd.DataFrame(frame))
    out = out.sort_values(["unique_id", "ds"])
    values = out.drop(columns=["unique_id", "ds"]).to_numpy(dtype=np.float64)
    return values.reshape(n, model.h, -1)
