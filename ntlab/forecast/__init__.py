"""Neural forecasting: NHITS, LSTM and PatchTST over neuralforecast, with intervals.

- :class:`Forecaster` (settings in :class:`ForecasterConfig`): ``fit`` one network over many
  symbols, ``predict`` the next ``h`` prices with ``level`` % intervals (MQLoss quantiles),
  ``predict_at`` many past origins in one batch, ``save``/``load``, ``cross_validation``.
- :class:`ForecastInput`/:class:`ForecastOutput`: the seed's records, camelCase on the wire.
- :func:`walk_forward`, :func:`accuracy_report`, :func:`verdict`: rolling-origin evaluation
  against the random walk, seasonal naive and drift.

The device is a CUDA GPU when torch sees one (mixed precision), the CPU otherwise.
Importing this package does not import torch or neuralforecast; they load on first use.
"""

from ntlab.forecast.config import MODELS, TARGETS, ForecasterConfig
from ntlab.forecast.evaluate import BASELINES, accuracy_report, baselines, verdict
from ntlab.forecast.forecaster import Forecaster, NotFittedError, model_confidence
from ntlab.forecast.records import ForecastInput, ForecastOutput, forecasts_frame
from ntlab.forecast.walkforward import walk_forward

__all__ = [
    "MODELS",
    "TARGETS",
    "ForecasterConfig",
    "Forecaster",
    "NotFittedError",
    "model_confidence",
    "ForecastInput",
    "ForecastOutput",
    "forecasts_frame",
    "walk_forward",
    "BASELINES",
    "accuracy_report",
    "baselines",
    "verdict",
]
