"""Session metrics (counters and decision latencies) and the JSON-lines decision log.

The log has one line per decision: a symbol whose target changed, a protective exit or
a manual order, with the bar time, the target, the order sent (if any), the risk gate's
action and reason, and the bar-to-order latency. It holds no credentials: the session
never has them (the broker client keeps its keys to itself) and the writer refuses any
record with a key that looks like one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from ntlab.errors import ConfigError

__all__ = ["LatencyStats", "DecisionLog", "Counters"]

_SECRET_KEYS = ("secret", "api_key", "apikey", "password", "token", "authorization")


class LatencyStats:
    """Latencies in milliseconds, the last ``capacity`` kept in a ring for percentiles."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._ring = np.zeros(capacity)
        self.n = 0
        self.last = float("nan")
        self.max = 0.0

    def add(self, ms: float) -> None:
        self._ring[self.n % self._ring.size] = ms
        self.n += 1
        self.last = ms
        self.max = max(self.max, ms)

    def values(self) -> np.ndarray:
        return self._ring[: min(self.n, self._ring.size)].copy()

    def summary(self) -> dict[str, float]:
        """``last``, ``p50``, ``p99``, ``max`` (ms) and ``n``; empty before the first bar."""
        if self.n == 0:
            return {}
        v = self.values()
        p50, p99 = np.percentile(v, [50, 99])
        return {
            "last": self.last,
            "p50": float(p50),
            "p99": float(p99),
            "max": self.max,
            "n": self.n,
        }


class Counters(dict):
    """Named counts (orders, fills, rejections, ...), a dict that starts every key at 0."""

    def __missing__(self, key: str) -> int:
        return 0

    def bump(self, key: str, by: int = 1) -> None:
        self[key] = self[key] + by


class DecisionLog:
    """Append-only JSON lines file, written in one go per bar.

    Parameters
    ----------
    path : path or None
        None keeps no log (benchmarks of the bare loop).
    """

    def __init__(self, path: str | Path | None) -> None:
        self.path = None if path is None else Path(path)
        self._file: TextIO | None = None
        self._lines: list[str] = []
        self._checked: set[tuple[str, ...]] = set()
        self.n = 0
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")

    def add(self, record: dict[str, Any]) -> None:
        if self._file is None:
            return
        keys = tuple(record)
        if keys not in self._checked:  # each shape of record is checked once
            for key in keys:
                if any(word in key.lower() for word in _SECRET_KEYS):
                    raise ConfigError(
                        f"the decision log refuses the field {key!r}: it looks like a secret"
                    )
            self._checked.add(keys)
        self._lines.append(json.dumps(record, default=str))
        self.n += 1

    def flush(self) -> None:
        if self._file is None or not self._lines:
            return
        self._file.write("\n".join(self._lines) + "\n")
        self._file.flush()
        self._lines.clear()

    def close(self) -> None:
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None

    @staticmethod
    def read(path: str | Path) -> list[dict[str, Any]]:
        """Every record of a log file."""
        with Path(path).open(encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]
