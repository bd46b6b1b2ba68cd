"""A local store of bars as Parquet under ``NTLAB_HOME/store``.

Downloaded bars are kept per (source, timeframe, symbol) together with the time ranges
already asked for; asking again for a range already held reads nothing from the network.
Imported datasets (your own files) are kept whole under ``datasets/``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from ntlab._time import to_utc
from ntlab.config import ntlab_home
from ntlab.data.market import MarketData
from ntlab.errors import DataError

__all__ = ["LocalStore", "Fetcher"]

#: ``fetch(symbols, start, end) -> MarketData``: downloads bars for a missing range.
Fetcher = Callable[[list[str], datetime, datetime], MarketData]

_SAFE = re.compile(r"^[A-Za-z0-9._\-/ ]+$")


def _safe(part: str, what: str) -> str:
    if not part or not _SAFE.match(part) or ".." in part:
        raise DataError(f"{what} {part!r} may hold letters, digits, '.', '_', '-', '/' only")
    return part.replace("/", "_")


def _merge_ranges(
    ranges: list[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _missing(held: list[tuple[pd.Timestamp, pd.Timestamp]], lo: pd.Timestamp, hi: pd.Timestamp):
    """Parts of [lo, hi] not covered by the ``held`` ranges."""
    gaps, cursor = [], lo
    for a, b in _merge_ranges(held):
        if b < cursor or a > hi:
            continue
        if a > cursor:
            gaps.append((cursor, a))
        cursor = max(cursor, b)
    if cursor < hi:
        gaps.append((cursor, hi))
    return gaps


class LocalStore:
    """Parquet store of bars and datasets.

    Parameters
    ----------
    root : path, optional
        Defaults to ``$NTLAB_HOME/store`` (``~/.ntlab/store``).
    """

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root) if root is not None else ntlab_home() / "store"

    # ------------------------------------------------------------ downloaded bars
    def _bars_path(self, source: str, timeframe: str, symbol: str) -> Path:
        return (
            self.root
            / "bars"
            / _safe(source, "source")
            / _safe(timeframe, "timeframe")
            / f"{_safe(symbol, 'symbol')}.parquet"
        )

    def _ranges_path(self, bars_path: Path) -> Path:
        return bars_path.with_suffix(".ranges.json")

    def held_ranges(
        self, source: str, timeframe: str, symbol: str
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        path = self._ranges_path(self._bars_path(source, timeframe, symbol))
        if not path.exists():
            return []
        return [(pd.Timestamp(a), pd.Timestamp(b)) for a, b in json.loads(path.read_text())]

    def _write_symbol(
        self, source: str, timeframe: str, symbol: str, new: pd.DataFrame, asked: tuple
    ) -> None:
        path = self._bars_path(source, timeframe, symbol)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            old = pd.read_parquet(path)
            new = pd.concat([old, new])
            new = new[~new.index.duplicated(keep="last")].sort_index()
        tmp = path.with_suffix(".tmp")
        new.to_parquet(tmp)
        tmp.replace(path)
        ranges = _merge_ranges(self.held_ranges(source, timeframe, symbol) + [asked])
        self._ranges_path(path).write_text(
            json.dumps([[a.isoformat(), b.isoformat()] for a, b in ranges])
        )

    def bars(
        self,
        source: str,
        symbols: list[str],
        start: datetime | str,
        end: datetime | str,
        fetch: Fetcher,
        *,
        timeframe: str = "1Day",
    ) -> MarketData:
        """Bars for ``symbols`` in [start, end], fetching only the ranges not yet held."""
        lo, hi = pd.Timestamp(to_utc(start, what="start")), pd.Timestamp(to_utc(end, what="end"))
        if hi < lo:
            raise DataError(f"end {hi} is before start {lo}")
        # group symbols that miss the same ranges, so one request serves them all
        wanted: dict[tuple, list[str]] = {}
        for symbol in symbols:
            for gap in _missing(self.held_ranges(source, timeframe, symbol), lo, hi):
                wanted.setdefault(gap, []).append(symbol)
        for (a, b), names in wanted.items():
            got = fetch(names, a.to_pydatetime(), b.to_pydatetime())
            for symbol in names:
                frame = got.symbol_frame(symbol) if symbol in got.symbols else pd.DataFrame()
                self._write_symbol(source, timeframe, symbol, frame, (a, b))
        frames = {}
        for symbol in symbols:
            path = self._bars_path(source, timeframe, symbol)
            frame = pd.read_parquet(path) if path.exists() else pd.DataFrame()
            if not frame.empty:
                frames[symbol] = frame[(frame.index >= lo) & (frame.index <= hi)]
        empty = [s for s in symbols if s not in frames or frames[s].empty]
        if empty:
            raise DataError(f"no bars for {empty} from {source} in {lo} .. {hi}")
        wide = pd.concat(frames, axis=1).swaplevel(axis=1).sort_index(axis=1)
        return MarketData.from_frame(wide, name=f"{source}:{','.join(symbols)}")

    # ------------------------------------------------------------ datasets
    def _dataset_path(self, name: str) -> Path:
        return self.root / "datasets" / f"{_safe(name, 'dataset name')}.parquet"

    def save_dataset(self, name: str, data: MarketData) -> Path:
        """Keep ``data`` under ``name`` (overwrites); returns the file written."""
        path = self._dataset_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame = data.to_frame()
        frame.columns = [f"{f}|{s}" for f, s in frame.columns]
        frame.to_parquet(path)
        if not data.meta.empty and len(data.meta.columns):
            data.meta.to_parquet(path.with_suffix(".meta.parquet"))
        return path

    def load_dataset(self, name: str) -> MarketData:
        path = self._dataset_path(name)
        if not path.exists():
            raise DataError(f"no stored dataset {name!r}; stored: {self.datasets()}")
        frame = pd.read_parquet(path)
        frame.columns = pd.MultiIndex.from_tuples([tuple(c.split("|", 1)) for c in frame.columns])
        meta_path = path.with_suffix(".meta.parquet")
        meta = pd.read_parquet(meta_path) if meta_path.exists() else None
        return MarketData.from_frame(frame, name=f"store:{name}", meta=meta, max_nan_run=10**9)

    def datasets(self) -> list[str]:
        folder = self.root / "datasets"
        return sorted(
            p.name.removesuffix(".parquet")
            for p in folder.glob("*.parquet")
            if ".meta." not in p.name
        )
