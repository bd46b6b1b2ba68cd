"""MarketData: an immutable, validated panel of bars for many symbols.

Layout: one DataFrame per field (``open``, ``high``, ``low``, ``close``, ``volume``), each
of shape (n_bars, n_symbols), sharing a tz-aware UTC DatetimeIndex and the symbol
columns. ``to_frame()`` gives the same data with (field, symbol) MultiIndex columns.
Close-only data (e.g. daily closes) is allowed; asking for a missing field says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ntlab._time import to_utc
from ntlab.data.validate import (
    DEFAULT_MAX_NAN_RUN,
    check_long_frame,
    validate_fields,
    validate_index,
)
from ntlab.errors import DataError, UnknownSymbolError, ValidationError

__all__ = ["MarketData", "FIELDS"]

FIELDS = ("open", "high", "low", "close", "volume")


class MarketData:
    """Immutable panel of OHLCV bars.

    Parameters
    ----------
    fields : mapping of str to DataFrame
        Each DataFrame of shape (n_bars, n_symbols) with the same index and columns;
        ``close`` is required, the other fields are optional.
    meta : DataFrame, optional
        Per-symbol facts (index = symbol), e.g. a ``sector`` or ``name`` column.
    name : str, optional
        Where the data came from, shown in reprs and reports.
    max_nan_run : int
        Longest run of missing closes allowed inside a symbol's history.
    """

    __slots__ = ("_fields", "_meta", "_name")

    def __init__(
        self,
        fields: Mapping[str, pd.DataFrame],
        *,
        meta: pd.DataFrame | None = None,
        name: str = "",
        max_nan_run: int = DEFAULT_MAX_NAN_RUN,
        validate: bool = True,
    ) -> None:
        unknown = set(fields) - set(FIELDS)
        if unknown:
            raise DataError(f"unknown field(s) {sorted(unknown)}; fields are {FIELDS}")
        if "close" not in fields:
            raise DataError("MarketData needs at least a 'close' field")
        where = name or "bars"
        close = fields["close"]
        index = validate_index(close.index, where=where) if validate else close.index
        columns = pd.Index([str(c) for c in close.columns], name="symbol")
        if columns.has_duplicates:
            raise ValidationError(
                f"{where}: duplicate symbol columns {sorted(columns[columns.duplicated()])}"
            )
        frames: dict[str, pd.DataFrame] = {}
        for fname in FIELDS:
            if fname not in fields:
                continue
            frame = fields[fname]
            if frame.shape != close.shape:
                raise DataError(
                    f"{where}: field '{fname}' has shape {frame.shape}, close has {close.shape}"
                )
            values = np.array(frame.to_numpy(dtype=np.float64), dtype=np.float64, copy=True)
            values.flags.writeable = False
            frames[fname] = pd.DataFrame(values, index=index, columns=columns, copy=False)
        if validate:
            validate_fields(frames, max_nan_run=max_nan_run, where=where)
        self._fields = frames
        self._meta = None if meta is None else meta.copy()
        self._name = name

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(cls, df: pd.DataFrame, **kwargs: Any) -> MarketData:
        """From a frame with (field, symbol) MultiIndex columns, as ``to_frame`` gives."""
        if not isinstance(df.columns, pd.MultiIndex) or df.columns.nlevels != 2:
            raise DataError(
                "from_frame needs (field, symbol) MultiIndex columns; use from_long for tidy data"
            )
        fields = {f: df[f] for f in df.columns.get_level_values(0).unique()}
        return cls(fields, **kwargs)

    @classmethod
    def from_closes(cls, closes: pd.DataFrame | pd.Series, **kwargs: Any) -> MarketData:
        """From closes only (DataFrame of shape (n_bars, n_symbols), or one Series)."""
        if isinstance(closes, pd.Series):
            closes = closes.to_frame(closes.name or "close")
        return cls({"close": closes}, **kwargs)

    @classmethod
    def from_long(
        cls,
        df: pd.DataFrame,
        *,
        time_col: str = "timestamp",
        symbol_col: str = "symbol",
        **kwargs: Any,
    ) -> MarketData:
        """From a tidy frame: one row per (time, symbol) with OHLCV columns."""
        where = kwargs.get("name") or "bars"
        if len(df) == 0:
            raise ValidationError(f"{where}: empty range (no rows)")
        check_long_frame(df, time_col=time_col, symbol_col=symbol_col, where=where)
        times = df[time_col]
        if not isinstance(times.dtype, pd.DatetimeTZDtype):
            first = pd.Timestamp(times.iloc[0]) if len(times) else None
            if first is not None and first.tzinfo is None:
                raise ValidationError(
                    f"{where}: column '{time_col}' has naive timestamps; give them a time zone "
                    "(e.g. pd.to_datetime(col, utc=True) if they are UTC)"
                )
        present = [f for f in FIELDS if f in df.columns]
        if "close" not in present:
            raise ValidationError(
                f"{where}: column 'close' is missing (columns: {list(df.columns)})"
            )
        tidy = df.assign(**{time_col: pd.to_datetime(times, utc=True)})
        wide = tidy.pivot(index=time_col, columns=symbol_col, values=present).sort_index()
        return cls({f: wide[f] for f in present}, **kwargs)

    # ------------------------------------------------------------------ access
    @property
    def index(self) -> pd.DatetimeIndex:
        return self._fields["close"].index  # type: ignore[return-value]

    @property
    def symbols(self) -> list[str]:
        return list(self._fields["close"].columns)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self._fields)

    @property
    def name(self) -> str:
        return self._name

    @property
    def meta(self) -> pd.DataFrame:
        """Per-symbol facts (index = symbol); empty when none were given."""
        if self._meta is None:
            return pd.DataFrame(index=pd.Index(self.symbols, name="symbol"))
        return self._meta.reindex(self.symbols)

    @property
    def n_bars(self) -> int:
        return len(self.index)

    @property
    def n_symbols(self) -> int:
        return len(self.symbols)

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_bars, self.n_symbols)

    def has(self, field: str) -> bool:
        return field in self._fields

    def field(self, name: str) -> pd.DataFrame:
        """DataFrame of shape (n_bars, n_symbols) for one field (a cheap read-only view)."""
        try:
            frame = self._fields[name]
        except KeyError:
            raise DataError(
                f"{self._name or 'this data'} has no '{name}' field (it has {self.fields}); "
                "load OHLCV data for indicators that need it"
            ) from None
        return frame.copy(deep=False)

    open = property(lambda self: self.field("open"))
    high = property(lambda self: self.field("high"))
    low = property(lambda self: self.field("low"))
    close = property(lambda self: self.field("close"))
    volume = property(lambda self: self.field("volume"))

    def __getitem__(self, key: str | slice) -> Any:
        if isinstance(key, str):
            return self.field(key)
        if isinstance(key, slice):
            return self._derive({f: v.iloc[key] for f, v in self._fields.items()})
        raise TypeError(
            "MarketData[...] takes a field name or a row slice; use select() for symbols"
        )

    def __len__(self) -> int:
        return self.n_bars

    def __repr__(self) -> str:
        if self.n_bars == 0:
            return f"MarketData({self._name!r}, empty)"
        return (
            f"MarketData({self._name or 'bars'}: {self.n_bars} bars x {self.n_symbols} symbols, "
            f"{self.index[0].isoformat()} .. {self.index[-1].isoformat()}, fields={list(self.fields)})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MarketData):
            return NotImplemented
        return self.fields == other.fields and all(
            self._fields[f].equals(other._fields[f]) for f in self.fields
        )

    __hash__ = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ selection
    def _derive(self, fields: dict[str, pd.DataFrame], *, validate: bool = False) -> MarketData:
        out = object.__new__(MarketData)
        out._fields = fields
        out._meta = self._meta
        out._name = self._name
        if validate:
            validate_fields(fields, max_nan_run=10**9, where=self._name or "bars")
        return out

    def select(self, symbols: str | Iterable[str]) -> MarketData:
        """The same bars for a subset of symbols (unknown symbols raise)."""
        wanted = [symbols] if isinstance(symbols, str) else list(symbols)
        if not wanted:
            raise DataError("select() needs at least one symbol")
        missing = [s for s in wanted if s not in self._fields["close"].columns]
        if missing:
            raise UnknownSymbolError(
                f"unknown symbol(s) {missing} in {self._name or 'this data'}; "
                f"it holds {len(self.symbols)} symbols, e.g. {self.symbols[:8]}"
            )
        fields = {f: v[wanted] for f, v in self._fields.items()}
        # drop leading/trailing rows where none of the chosen symbols trades
        rows = fields["close"].notna().any(axis=1).to_numpy()
        first, last = int(np.argmax(rows)), len(rows) - int(np.argmax(rows[::-1]))
        return self._derive({f: v.iloc[first:last] for f, v in fields.items()})

    def between(self, start: Any = None, end: Any = None) -> MarketData:
        """Bars with ``start <= time <= end`` (tz-aware bounds; None means open-ended)."""
        lo = to_utc(start, what="start") if start is not None else None
        hi = to_utc(end, what="end") if end is not None else None
        if lo is not None and hi is not None and hi < lo:
            raise DataError(f"end {hi.isoformat()} is before start {lo.isoformat()}")
        mask = np.ones(self.n_bars, dtype=bool)
        if lo is not None:
            mask &= self.index >= lo
        if hi is not None:
            mask &= self.index <= hi
        if not mask.any():
            raise ValidationError(
                f"{self._name or 'bars'}: empty range {start} .. {end}; the data covers "
                f"{self.index[0].isoformat()} .. {self.index[-1].isoformat()}"
            )
        return self._derive({f: v.loc[mask] for f, v in self._fields.items()})

    def symbol_frame(self, symbol: str) -> pd.DataFrame:
        """OHLCV of one symbol as a DataFrame of shape (n_bars, n_fields), rows where it trades."""
        if symbol not in self._fields["close"].columns:
            raise UnknownSymbolError(f"unknown symbol {symbol!r}; known: {self.symbols[:8]}...")
        frame = pd.DataFrame({f: v[symbol] for f, v in self._fields.items()})
        return frame[frame["close"].notna()]

    def to_frame(self) -> pd.DataFrame:
        """All fields as one DataFrame with (field, symbol) MultiIndex columns."""
        return pd.concat(self._fields, axis=1, names=["field", "symbol"])

    def to_long(self) -> pd.DataFrame:
        """Tidy frame: one row per (timestamp, symbol) where the symbol trades."""
        stacked = {f: v.stack(future_stack=True) for f, v in self._fields.items()}
        out = pd.DataFrame(stacked).dropna(subset=["close"])
        out.index.names = ["timestamp", "symbol"]
        return out.reset_index()

    def with_meta(self, meta: pd.DataFrame) -> MarketData:
        out = self._derive(dict(self._fields))
        out._meta = meta.copy()
        return out

    def align(self, symbols: Sequence[str]) -> np.ndarray:
        """Positions of ``symbols`` among the columns (raises for unknown ones)."""
        idx = self._fields["close"].columns.get_indexer(list(symbols))
        if (idx < 0).any():
            missing = [s for s, i in zip(symbols, idx) if i < 0]
            raise UnknownSymbolError(f"unknown symbol(s) {missing}")
        return idx
