"""The research explorer's state and actions, apart from any layout.

:class:`ExplorerModel` holds what the user picked (data, symbols, strategy and its
parameters, costs) and runs the work through the library: data through
:func:`ntlab.data.load`, backtests through :func:`ntlab.backtest.vector.run_vector`,
sweeps through :func:`sweep_grid`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np
import pandas as pd
import param

from ntlab.backtest.result import BacktestResult
from ntlab.dashboards.params import ConfigParams, config_params, numeric_fields, to_config
from ntlab.data import MarketData, list_samples, load
from ntlab.data.store import LocalStore
from ntlab.errors import ConfigError, DataError, LookAheadError
from ntlab.strategies import Strategy, available, resolve_strategy, strategy_class
from ntlab.strategies.textparams import field_types

__all__ = [
    "ExplorerModel",
    "MAX_SWEEP_CELLS",
    "MAX_DEFAULT_SYMBOLS",
    "data_choices",
    "parse_value_list",
    "sweep_grid",
    "overfitting_text",
]

#: Largest sweep grid the explorer runs (each cell is a full backtest).
MAX_SWEEP_CELLS = 64
#: Symbols picked when a dataset is chosen (the user can pick others; the page says so).
MAX_DEFAULT_SYMBOLS = 20

#: Recent results of this server process by their inputs (a new page shows them at once).
_RESULTS: OrderedDict[tuple, BacktestResult] = OrderedDict()
_RESULTS_KEEP = 16


def data_choices() -> list[str]:
    """Data specs to pick from: every bundled sample, then every dataset in the local store."""
    return [f"sample:{name}" for name in list_samples().index] + [
        f"store:{n}" for n in LocalStore().datasets()
    ]


def parse_value_list(text: str, what: str, kind: type = int) -> list:
    """``"10, 20, 30"`` -> ``[10, 20, 30]``; ``"0.5, 1, 1.5"`` with ``kind=float`` -> floats.

    Values are read by the parameter's type (:func:`ntlab.strategies.textparams.parse_value`);
    distinct, at least one.
    """
    from ntlab.strategies.textparams import parse_value

    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    values = [parse_value(kind, p, where=what) for p in parts]
    if not values:
        example = "10, 20, 30" if kind is int else "0.5, 1.0, 1.5"
        raise ConfigError(f"{what}: give at least one value, e.g. {example}")
    if len(set(values)) != len(values):
        raise ConfigError(f"{what}: {values} repeats a value")
    return values


def _accepts(strategy: Strategy, params: dict) -> bool:
    try:
        strategy.config.replace(**params)
    except ValueError:  # ConfigError, or a user config's plain ValueError
        return False
    return True


def sweep_grid(
    strategy: Strategy,
    x: tuple[str, list],
    y: tuple[str, list],
    data: MarketData,
    settings,
    metric: str,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """``metric`` for every (x, y) pair: DataFrame of shape (len(y values), len(x values)).

    Runs :func:`ntlab.backtest.sweep` (the strategy's other parameters stay as given),
    one row of the grid at a time so that ``progress(done, total)`` can follow it.
    Combinations the strategy's config rejects, and those the look-ahead guard refuses
    (every combination is checked), stay NaN. ``out.attrs["overfitting"]`` holds the
    overfitting statistics of the combinations that ran (trials, best in-sample Sharpe,
    deflated Sharpe ratio, PBO; :func:`ntlab.backtest.sweep.search_stats`).
    """
    from ntlab.backtest.sweep import search_stats, sweep

    (xname, xs), (yname, ys) = x, y
    if xname == yname:
        raise ConfigError(f"pick two different parameters for the sweep (both are {xname!r})")
    total = len(xs) * len(ys)
    if total > MAX_SWEEP_CELLS:
        raise ConfigError(f"the sweep has {total} cells; keep it to {MAX_SWEEP_CELLS} or fewer")
    tables, curves, scores, ppy = [], [], [], float("nan")
    for k, yv in enumerate(ys, start=1):
        valid = [xv for xv in xs if _accepts(strategy, {xname: xv, yname: yv})]
        if valid:
            grid = {xname: valid, yname: [yv]}
            try:
                res = sweep(strategy, data, grid, settings=settings, metric=metric, progress=False)
                tables.append(res.table)
                ran = np.isfinite(res.returns).all(axis=0)
                curves.append(res.returns[:, ran])
                scores.append(res.table[metric].to_numpy(dtype=float)[ran])
                ppy = res.periods_per_year
            except LookAheadError:  # every cell of this row refused: they stay NaN
                tables.append(pd.DataFrame({xname: valid, yname: yv, metric: np.nan}))
        if progress is not None:
            progress(k * len(xs), total)
    if not tables:
        raise ConfigError(
            f"{strategy.name}'s config rejects every combination of {xname} and {yname}"
        )
    table = pd.concat(tables, ignore_index=True)
    out = table.pivot_table(index=yname, columns=xname, values=metric, aggfunc="mean", dropna=False)
    out = out.reindex(index=pd.Index(ys, name=yname), columns=pd.Index(xs, name=xname)).astype(
        float
    )
    if curves:
        out.attrs["overfitting"] = search_stats(
            np.column_stack(curves), np.concatenate(scores), ppy
        )
    return out


def overfitting_text(stats: dict[str, float]) -> str:
    """One Markdown line: trials, best in-sample Sharpe, deflated Sharpe ratio and PBO."""
    if not stats:
        return ""

    def num(key: str, fmt: str) -> str:
        v = stats.get(key, float("nan"))
        return "n/a" if v != v else format(v, fmt)

    return (
        f"**Overfitting** over {stats['trials']:.0f} trials: best in-sample Sharpe "
        f"{num('best_sharpe', '.2f')} (the best of {stats['trials']:.0f} unskilled trials "
        f"would show {num('expected_max_sharpe', '.2f')}), deflated Sharpe ratio "
        f"{num('deflated_sharpe', '.2f')} (significant above 0.95), probability of backtest "
        f"overfitting {num('pbo', '.2f')} (CSCV; noise gives about 0.5)."
    )


class ExplorerModel(param.Parameterized):
    """What the research explorer shows and does, without widgets."""

    data_spec = param.Selector(
        default="sample:stocks", objects=["sample:stocks"], check_on_set=False, label="Data"
    )
    symbols = param.ListSelector(default=[], objects=[], label="Symbols")
    strategy = param.Selector(
        default="momentum", objects=["momentum"], check_on_set=False, label="Strategy"
    )
    strategy_params = param.ClassSelector(class_=ConfigParams, label="Parameters")
    init_cash = param.Number(default=100_000.0, bounds=(1.0, None), label="Initial cash")
    fees = param.Number(
        default=0.001,
        bounds=(0.0, None),
        step=0.0005,
        label="Fees (fraction of traded value)",
    )
    slippage = param.Number(
        default=0.0005,
        bounds=(0.0, None),
        step=0.0005,
        label="Slippage (fraction of price)",
    )
    symbols_note = param.String(
        default="", precedence=-1, doc="which symbols are picked, and of how many"
    )
    result = param.ClassSelector(class_=BacktestResult, allow_None=True, precedence=-1)

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.param.data_spec.objects = data_choices()
        self.param.strategy.objects = available()
        self._data: MarketData | None = None
        self._on_data()
        self._on_strategy()

    @param.depends("data_spec", watch=True)
    def _on_data(self) -> None:
        self._data = load(self.data_spec)
        self.param.symbols.objects = self._data.symbols
        self.symbols = self._data.symbols[:MAX_DEFAULT_SYMBOLS]
        self._on_symbols()

    @param.depends("symbols", watch=True)
    def _on_symbols(self) -> None:
        total = self._data.n_symbols
        picked = len(self.symbols)
        self.symbols_note = (
            f"all {total} symbols of {self.data_spec}"
            if picked == total
            else f"{picked} of {self.data_spec}'s {total} symbols (add or remove them above)"
        )

    @param.depends("strategy", watch=True)
    def _on_strategy(self) -> None:
        self.strategy_params = config_params(strategy_class(self.strategy).Config)

    @property
    def data(self) -> MarketData:
        """The chosen symbols of the chosen data (raises if none are chosen)."""
        if not self.symbols:
            raise DataError("pick at least one symbol")
        return self._data.select(self.symbols)

    @property
    def sweepable(self) -> list[str]:
        """Parameters a sweep can range over: the config's int and float fields."""
        return numeric_fields(strategy_class(self.strategy).Config)

    def settings(self):
        from ntlab.backtest.vector import VectorSettings

        return VectorSettings(init_cash=self.init_cash, fees=self.fees, slippage=self.slippage)

    def use_strategy(self, spec: str) -> None:
        """Pick a registered name or your own class as ``package.module:ClassName``; the
        class is imported (ConfigError saying why when it cannot be) before it is set."""
        spec = str(spec).strip()
        strategy_class(spec)
        if spec not in self.param.strategy.objects:
            self.param.strategy.objects = [*self.param.strategy.objects, spec]
        self.strategy = spec

    def build_strategy(self) -> Strategy:
        """The chosen strategy with the chosen parameters (``resolve_strategy``)."""
        return resolve_strategy(self.strategy, **to_config(self.strategy_params).to_dict())

    def _key(self) -> tuple:
        config = to_config(self.strategy_params).to_dict()
        return (
            self.data_spec,
            tuple(self.symbols),
            self.strategy,
            repr(config),
            self.init_cash,
            self.fees,
            self.slippage,
        )

    def cached(self) -> BacktestResult | None:
        """The result for the current inputs if this process computed it recently (else None)."""
        try:
            return _RESULTS.get(self._key())
        except ConfigError:
            return None

    def run(self) -> BacktestResult:
        """Backtest the chosen strategy on the chosen data; stores and returns the result."""
        from ntlab.backtest.vector import run_vector

        strategy, data, settings, key = (
            self.build_strategy(),
            self.data,
            self.settings(),
            self._key(),
        )
        if key not in _RESULTS:
            _RESULTS[key] = run_vector(strategy, data, settings)
            while len(_RESULTS) > _RESULTS_KEEP:
                _RESULTS.popitem(last=False)
        self.result = _RESULTS[key]
        return self.result

    def sweep(
        self, x: str, x_values: str, y: str, y_values: str, metric: str, progress=None
    ) -> pd.DataFrame:
        """``metric`` over a grid of two numeric parameters (values as comma-separated text)."""
        for name in (x, y):
            if name not in self.sweepable:
                raise ConfigError(
                    f"{name!r} is not a numeric parameter of {self.strategy}; pick one of {self.sweepable}"
                )
        types = field_types(strategy_class(self.strategy).Config)
        grid_x = parse_value_list(x_values, x, types[x])
        grid_y = parse_value_list(y_values, y, types[y])
        strategy = self.build_strategy()
        return sweep_grid(
            strategy, (x, grid_x), (y, grid_y), self.data, self.settings(), metric, progress
        )
