"""Choose the device and numeric precision (torch is imported here, lazily)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ntlab._optional import attempt_import
from ntlab.errors import ConfigError

__all__ = [
    "resolve_device",
    "resolve_precision",
    "trainer_kwargs",
    "cuda_available",
    "torch_threads",
]


def _torch():
    return attempt_import("torch", purpose="neural forecasting")


def cuda_available() -> bool:
    """Whether torch sees a CUDA GPU."""
    return bool(_torch().cuda.is_available())


def resolve_device(device: str) -> str:
    """``"cuda"`` or ``"cpu"``: ``auto`` picks CUDA when torch sees a GPU."""
    if device == "auto":
        return "cuda" if cuda_available() else "cpu"
    if device == "cuda" and not cuda_available():
        raise ConfigError(
            "device='cuda' was asked for but torch sees no CUDA GPU (torch.cuda.is_available() is False); "
            "use device='auto' to fall back to the CPU, or device='cpu'"
        )
    if device not in ("cpu", "cuda"):
        raise ConfigError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}")
    return device


def resolve_precision(precision: str, device: str) -> str:
    """Lightning precision string: mixed precision on a GPU, 32-bit on the CPU by default.

    Mixed precision is refused on the CPU, where it only slows small networks down.
    """
    if device == "cpu":
        if precision not in ("auto", "32-true"):
            raise ConfigError(
                f"precision {precision!r} needs a GPU; on the CPU use 'auto' or '32-true'"
            )
        return "32-true"
    if precision != "auto":
        return precision
    return "bf16-mixed" if _torch().cuda.is_bf16_supported() else "16-mixed"


def trainer_kwargs(device: str, precision: str) -> dict[str, Any]:
    """Quiet Lightning Trainer settings for one device: no logger, checkpoints or progress bar."""
    return {
        "accelerator": "gpu" if device == "cuda" else "cpu",
        "devices": 1,
        "precision": precision,
        "logger": False,
        "enable_checkpointing": False,
        "enable_progress_bar": False,
        "enable_model_summary": False,
    }


@contextlib.contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run with ``n`` torch intra-op CPU threads, then restore the previous number."""
    torch = _torch()
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
