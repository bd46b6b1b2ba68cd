"""Base class of the streaming (incremental) indicators.

A stream object holds the recursive state of one indicator for one or many symbols and
is updated one bar at a time. One symbol: ``update(value)`` returns a float (a tuple of
floats for several outputs). Many symbols (``n_symbols=k``): ``update(array_of_k)``
returns an array of k values (a tuple of arrays). Each update costs Y(1) per symbol
(CCI: Y(window), like its definition) and gives exactly the value the batch function
returns for that bar.

Missing values: a NaN input (for bar indicators: any NaN among the inputs) leaves that
symbol's state untouched and returns NaN for it, exactly as the batch functions skip
bars where a symbol does not trade.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

from ntlab.errors import DataError

__all__ = ["StreamIndicator"]


class StreamIndicator:
    """Common machinery; subclasses call :meth:`_setup` from their ``__init__``."""

    name: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]] = ("close",)
    outputs: ClassVar[tuple[str, ...]] = ("value",)
    result_type: ClassVar[Any] = None  # NamedTuple of several outputs

    _step: Callable[..., None]
    _args: tuple[Any, ...]

    def _setup(
        self,
        n_symbols: int | None,
        *,
        step: Callable[..., None],
        args: tuple[Any, ...],
        n_float: int = 1,
        n_int: int = 1,
        n_ring: int = 0,
        ring_len: int = 1,
        float_init: tuple[float, ...] = (),
    ) -> None:
        if n_symbols is not None and (
            isinstance(n_symbols, bool)
            or not isinstance(n_symbols, (int, np.integer))
            or n_symbols < 1
        ):
            raise DataError(
                f"{type(self).__name__}: n_symbols must be a positive integer or None, got {n_symbols!r}"
            )
        self._scalar = n_symbols is None
        m = 1 if n_symbols is None else int(n_symbols)
        self._m = m
        self._shape = (n_float, n_int, n_ring, ring_len, float_init)
        self._step = step
        self._args = args
        self._n_in = len(self.inputs)
        self._n_out = len(self.outputs)
        self._X = np.zeros((self._n_in, m))
        self._O = np.full((self._n_out, m), np.nan)
        # one symbol: flat views of the bar and the outputs (one value per input/output)
        self._x = self._X.reshape(-1)
        self._y = self._O.reshape(-1)
        self.reset()

    def reset(self) -> None:
        """Forget everything seen so far (back to the state of a new object)."""
        n_float, n_int, n_ring, ring_len, float_init = self._shape
        m = self._m
        self._F = np.zeros((n_float, m))
        for k, v in enumerate(float_init):
            self._F[k] = v
        self._I = np.zeros((n_int, m), dtype=np.int64)
        self._R = np.zeros((max(n_ring, 1), ring_len, m))

    @property
    def n_symbols(self) -> int | None:
        """Number of symbols updated together (None for a single-value stream)."""
        return None if self._scalar else self._m

    @property
    def warmup(self) -> int:
        """Valid bars consumed before the first non-NaN value (same as the batch function)."""
        raise NotImplementedError

    @property
    def n_seen(self) -> np.ndarray | int:
        """Valid bars seen so far (per symbol when ``n_symbols`` is set)."""
        seen = self._I[0]
        return int(seen[0]) if self._scalar else seen.copy()

    def update(self, *values: Any) -> Any:
        """Feed one bar (one value per input, in the order of ``inputs``); return the new value(s)."""
        if len(values) != self._n_in:
            raise DataError(
                f"{type(self).__name__}.update takes {self._n_in} value(s) {self.inputs}, "
                f"got {len(values)}"
            )
        if self._scalar:  # the per-bar cost from Python is mostly this path: keep it short
            x = self._x
            if self._n_in == 1:
                x[0] = values[0]
            else:
                for k, v in enumerate(values):
                    x[k] = v
            self._step(self._F, self._I, self._R, self._X, self._O, *self._args)
            out = self._y.tolist()  # Python floats
            return out[0] if self._n_out == 1 else self._pack(out)
        X = self._X
        for k, v in enumerate(values):
            X[k] = v
        self._step(self._F, self._I, self._R, X, self._O, *self._args)
        Y = self._O
        return Y[0].copy() if self._n_out == 1 else self._pack([row.copy() for row in Y])

    def _pack(self, values: list[Any]) -> Any:
        """Several outputs as the batch function's result type (a tuple by default)."""
        cls = self.result_type
        return tuple(values) if cls is None else cls._make(values)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        where = "" if self._scalar else f", n_symbols={self._m}"
        return f"{type(self).__name__}({params}{where})"

    def params(self) -> dict[str, Any]:
        """The parameters this stream was built with."""
        return {}
