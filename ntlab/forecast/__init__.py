"""Neural forecasting: NHITS, LSTM and PatchTST over neuralforecast, with intervals.

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
