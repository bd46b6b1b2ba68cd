"""ForecasterConfig: the plain values that define a Forecaster (round-trips through a dict)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Self

from ntlab.errors import ConfigError

__all__ = ["ForecasterConfig", "MODELS", "TARGETS", "DEVICES", "PRECISIONS"]

#: ntlab model name -> neuralforecast class name.
#: The transformer is PatchTST: it feeds the attention layers patches of the input window
#: (``input_size / stride`` tokens instead of ``input_size``), which makes it the fastest
#: of neuralforecast's transformers to train on a CPU: 3 to 9x faster than TFT and
#: VanillaTransformer at the same width, batch and steps over three runs on a shared
#: 2-core machine (benchmarks/results/forecast.md holds one). It is also a strong long-horizon model
#: (Nie et al., 2023). Its price: it takes no exogenous features (TFT would).
MODELS = {"nhits": "NHITS", "lstm": "LSTM", "transformer": "PatchTST"}

#: What the network models: the price itself, its logarithm, or one-bar log returns.
TARGETS = ("price", "log_price", "log_return")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "32-true", "16-mixed", "bf16-mixed")

# arguments ntlab sets itself; model_kwargs may not override them
_OWNED = {
    "h",
    "input_size",
    "loss",
    "valid_loss",
    "hist_exog_list",
    "futr_exog_list",
    "stat_exog_list",
    "max_steps",
    "learning_rate",
    "random_seed",
    "accelerator",
    "devices",
    "precision",
    "logger",
    "alias",
}


@dataclass(frozen=True, kw_only=True)
class ForecasterConfig:
    """Settings of a :class:`~ntlab.forecast.Forecaster` (values only; nothing is trained here).

    Parameters
    ----------
    model : {"nhits", "lstm", "transformer"}
        Network: N-HiTS, an LSTM encoder with an MLP decoder, or PatchTST.
    h : int
        Forecast horizon in bars.
    input_size : int
        Bars of history the network sees per forecast (its input window).
    level : float
        Nominal coverage of the prediction intervals, in percent. The network is trained
        with neuralforecast's multi-quantile loss (MQLoss) on the median and the
        ``(100 - level) / 2`` and ``(100 + level) / 2`` percentiles.
    target : {"log_price", "price", "log_return"}
        What the network models; forecasts are always returned as prices.
    max_steps, learning_rate, batch_size, windows_batch_size, scaler_type, random_seed
        Training settings passed to the neuralforecast model.
    hidden_size : int
        Width of the network (NHITS MLP units, LSTM encoder/decoder, PatchTST model size).
    device : {"auto", "cpu", "cuda"}
        ``auto`` uses a CUDA GPU when torch sees one, the CPU otherwise.
    precision : {"auto", "32-true", "16-mixed", "bf16-mixed"}
        ``auto`` is bf16 mixed precision on a GPU that supports it (16-mixed otherwise)
        and full 32-bit precision on the CPU.
    num_threads : int
        torch CPU threads while training and predicting (restored afterwards). The networks
        are small: one thread is as fast as two on an idle machine and, on a busy shared
        one, two threads spin-waiting on each other made training 10x slower in our
        measurement; raise it for wide networks on many free cores.
    fast_predict : bool
        Predict by calling the trained module directly (eval mode, no grad, no Lightning
        Trainer); it gives the same numbers as neuralforecast's ``predict`` (tested).
    model_kwargs : mapping
        Extra arguments for the neuralforecast model class (e.g. ``{"encoder_layers": 1}``).
    fill_gaps : {"none", "ffill"}
        A missing price inside a symbol's history (a bar where it did not trade): ``none``
        refuses it, naming the symbol and bar; ``ffill`` carries the last price forward
        (a flat bar, zero return) so such data can be used as it is.
    """

    model: str = "nhits"
    h: int = 5
    input_size: int = 30
    level: float = 80.0
    target: str = "log_price"
    max_steps: int = 200
    learning_rate: float = 1e-3
    hidden_size: int = 64
    batch_size: int = 32
    windows_batch_size: int = 256
    scaler_type: str = "robust"
    random_seed: int = 0
    device: str = "auto"
    precision: str = "auto"
    num_threads: int = 1
    fast_predict: bool = True
    model_kwargs: Mapping[str, Any] = field(default_factory=dict)
    fill_gaps: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "model_kwargs", dict(self.model_kwargs))
        self.validate()

    def validate(self) -> None:
        def need(ok: bool, message: str) -> None:
            if not ok:
                raise ConfigError(f"ForecasterConfig: {message}")

        need(self.model in MODELS, f"model {self.model!r} is not one of {sorted(MODELS)}")
        for name in (
            "h",
            "input_size",
            "max_steps",
            "hidden_size",
            "batch_size",
            "windows_batch_size",
            "num_threads",
        ):
            value = getattr(self, name)
            need(
                isinstance(value, int) and not isinstance(value, bool) and value >= 1,
                f"{name} must be an int >= 1, got {value!r}",
            )
        need(self.input_size >= 2, f"input_size must be >= 2 bars, got {self.input_size}")
        need(
            0.0 < float(self.level) < 100.0,
            f"level must lie in (0, 100) percent, got {self.level!r}",
        )
        need(self.target in TARGETS, f"target {self.target!r} is not one of {TARGETS}")
        need(
            self.fill_gaps in ("none", "ffill"),
            f"fill_gaps must be 'none' or 'ffill', got {self.fill_gaps!r}",
        )
        need(
            math.isfinite(self.learning_rate) and self.learning_rate > 0,
            f"learning_rate must be > 0, got {self.learning_rate!r}",
        )
        need(self.device in DEVICES, f"device {self.device!r} is not one of {DEVICES}")
        need(
            self.precision in PRECISIONS, f"precision {self.precision!r} is not one of {PRECISIONS}"
        )
        owned = sorted(set(self.model_kwargs) & _OWNED)
        need(
            not owned, f"model_kwargs may not set {owned}; use the ForecasterConfig fields instead"
        )
        need(
            not self.model_kwargs.get("recurrent", False),
            "recurrent=True is not supported; ntlab's LSTM uses neuralforecast's direct mode (MLP decoder)",
        )

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        out["model_kwargs"] = dict(self.model_kwargs)
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ConfigError(
                f"ForecasterConfig: unknown parameter(s) {sorted(unknown)}; known: {sorted(names)}"
            )
        return cls(**data)

    def replace(self, **changes: Any) -> Self:
        return self.from_dict({**self.to_dict(), **changes})
