"""Backtests side by side: ntlab's event engine and vector path, vectorbt, backtrader.

Run from the repo root: ``python -m benchmarks.backtest``. Writes
``benchmarks/results/backtest.{json,md}``.

Work: SMA(20)/SMA(50) crossover, long only, 0.1% commission, 5% stop-loss and 10%
take-profit from the entry price, on 2520 bars x 100 symbols of a seeded random-walk
OHLCV panel. Every contender runs the whole pipeline: the two averages, the crossover,
the simulation with fills, costs and stops, and its trade records.

- ntlab event: ``run_event`` (indicators from ``ntlab.indicators``, numba core, whole
  shares, next-open fills, stops checked on each bar's high/low, a BacktestResult with
  equity, positions, orders and trades). Timed with the look-ahead guard off and on: the
  guard re-runs the strategy on prefixes ending at 4 decision bars and 2 random bars and
  compares them with the run's own signals; ``sma_cross`` declares itself per-symbol, so
  those prefix runs use 8 of the 100 symbols (``vs_guard_off`` = guard-on time / guard-off
  time; issue 14's bound is 1.5).
- ntlab vector: ``run_vector`` (the same signals through vectorbt with cash sharing; no stops).
- vectorbt: ``MA.run`` x2, ``ma_crossed_above/below``, ``Portfolio.from_signals`` with
  ``sl_stop``/``tp_stop`` on open/high/low, next-open prices, then value and trade count.
- backtrader: the same strategy with bracket orders (stop and take-profit) on 5 symbols
  (it is slow); compared by bars per second.
- backtesting.py: the same strategy on the same 5 symbols, one ``Backtest`` per symbol
  with an equal share of the cash (it trades one instrument per run); its trades and
  final equity are printed next to ntlab's on those 5 symbols. Its conventions: see
  ``benchmarks/_backtesting_py.py`` (levels set at the fill bar's close, per-symbol
  accounts instead of one shared account).
- NautilusTrader 1.221 (in ``benchmarks/.venv-nautilus``, made by ``make bench``; skipped
  when absent): the same rule on the same 5 symbols, bars fed as trade ticks (open, low,
  high, close), market entries filled at the next open, a stop and a take-profit placed
  from the fill price, one account (``benchmarks/nautilus_peer.py``). Convention: it sees
  four prices per bar, so a stop whose trigger lies between the open and the low fills at
  the low tick, where ntlab fills at the stop price (both at the open on a gap).
- bare numba loop: target -> position -> equity, no orders or costs (a machine
  calibration: the issue author measured ~300 M bars/s for such a loop).

Sweep: 1,225 SMA(fast, slow) pairs (2..51, fast < slow) on 2 symbols x 2520 bars: ntlab's
``sweep`` (event core, next-open fills, whole shares, 0.1% commission; every pair checked
for look-ahead first, the verdict cache cleared before each round so each pays the check) against vectorbt's
``MA.run_combs`` + ``from_signals`` (fills at the signal bar's close, 0.1% fees).

"bars/s" counts bar x symbol cells (x combinations for the sweep) per second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from numba import njit

from benchmarks._backtesting_py import backtesting_py_pipeline
from benchmarks._common import best_time, interleaved_best, write_results
from ntlab.backtest import EventSettings, VectorSettings, run_event, run_vector, sweep
from ntlab.data import MarketData
from ntlab.execution import Commission, ExecutionPolicy, Slippage
from ntlab.strategies.builtin.sma_cross import SmaCross

N_BARS, N_SYMBOLS, N_BACKTRADER = 2520, 100, 5
FEES, STOP, TAKE = 0.001, 0.05, 0.10
WINDOWS = np.arange(2, 52)


def random_walk(n: int = N_BARS, m: int = N_SYMBOLS, seed: int = 42) -> MarketData:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.015, (n, m)), axis=0))
    open_ = close * np.exp(rng.normal(0, 0.004, (n, m)))
    high = np.maximum(open_, close) * (1 + rng.uniform(0, 0.012, (n, m)))
    low = np.minimum(open_, close) * (1 - rng.uniform(0, 0.012, (n, m)))
    volume = rng.integers(10_000, 1_000_000, (n, m)).astype(float)
    index = pd.date_range("2010-01-04", periods=n, freq="B", tz="UTC")
    cols = [f"S{j:03d}" for j in range(m)]
    fields = {"open": open_, "high": high, "low": low, "close": close, "volume": volume}
    return MarketData(
        {k: pd.DataFrame(v, index=index, columns=cols) for k, v in fields.items()},
        name="random walk",
    )


EVENT = EventSettings(
    policy=ExecutionPolicy(commission=Commission(pct=FEES), slippage=Slippage(pct=0.0)),
    stop_loss_pct=STOP,
    take_profit_pct=TAKE,
)


def ntlab_event(data: MarketData, guard: bool = False):
    res = run_event(SmaCross(fast=20, slow=50), data, EVENT, allow_lookahead=not guard)
    return res.final_equity, res.n_trades


def ntlab_parts(data: MarketData) -> dict[str, float]:
    """Best times of the event pipeline's three parts: signals, the numba core, the result tables."""
    from ntlab.backtest.event import build_result, prepare, simulate

    strat = SmaCross(fast=20, slow=50)
    sig = strat.signals(data)
    prep = prepare(data, EVENT)
    raw = simulate(sig, data, EVENT, prepared=prep)
    return {
        "ntlab event: signals (2 SMAs, crossover, Signals)": best_time(
            lambda: strat.signals(data), repeat=15
        ),
        "ntlab event: core (fills, costs, stops)": best_time(
            lambda: simulate(sig, data, EVENT, prepared=prep), repeat=15
        ),
        "ntlab event: result tables": best_time(
            lambda: build_result(sig, data, EVENT, *raw), repeat=15
        ),
    }


def ntlab_vector(data: MarketData):
    res = run_vector(
        SmaCross(fast=20, slow=50),
        data,
        VectorSettings(fees=FEES, slippage=0.0),
        allow_lookahead=True,
    )
    return res.final_equity, res.n_trades


def vectorbt_pipeline(data: MarketData):
    import vectorbt as vbt

    close, open_ = data.close, data.open
    fast, slow = vbt.MA.run(close, 20), vbt.MA.run(close, 50)
    entries = fast.ma_crossed_above(slow).to_numpy()
    exits = fast.ma_crossed_below(slow).to_numpy()
    entries = np.vstack(
        [np.zeros((1, entries.shape[1]), bool), entries[:-1]]
    )  # decided at t, filled at t+1
    exits = np.vstack([np.zeros((1, exits.shape[1]), bool), exits[:-1]])
    pf = vbt.Portfolio.from_signals(
        close,
        entries,
        exits,
        price=open_,
        open=open_,
        high=data.high,
        low=data.low,
        fees=FEES,
        sl_stop=STOP,
        tp_stop=TAKE,
        init_cash=100_000.0 / data.n_symbols,
        freq="1D",
    )
    return float(pf.value().iloc[-1].sum()), int(pf.trades.count().sum())


NAUTILUS_PY = Path(__file__).parent / ".venv-nautilus" / "bin" / "python"


class Nautilus:
    """NautilusTrader in its own environment (``make bench``), one backtest per ``run()``.

    The child process waits on stdin between runs, so it and this process take turns.
    Prices are rounded to the 6 decimals of its instruments; ntlab's comparison row runs on
    the same rounded data.
    """

    def __init__(self, data: MarketData) -> None:
        self.data = rounded(data)
        self.folder = tempfile.mkdtemp(prefix="ntlab-nautilus-")
        path = Path(self.folder) / "data.npz"
        fields = {f: self.data.field(f).to_numpy() for f in ("open", "high", "low", "close")}
        np.savez(path, ts=self.data.index.asi8, symbols=np.array(self.data.symbols), **fields)
        self.proc = subprocess.Popen(
            [str(NAUTILUS_PY), str(Path(__file__).with_name("nautilus_peer.py")), str(path),
             str(STOP), str(TAKE), str(FEES)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        json.loads(self.proc.stdout.readline())  # {"ready": true}
        self.last: dict = {}

    def run(self) -> tuple[float, int]:
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        self.last = json.loads(self.proc.stdout.readline())
        return self.last["final_equity"], self.last["trades"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def rounded(data: MarketData, decimals: int = 6) -> MarketData:
    fields = {f: data.field(f).round(decimals) for f in ("open", "high", "low", "close", "volume")}
    return MarketData(fields, name=f"{data.name} (rounded to {decimals} decimals)")


def backtesting_py(data: MarketData):
    return backtesting_py_pipeline(data, fees=FEES, stop=STOP, take=TAKE)


def backtrader_pipeline(data: MarketData):
    import backtrader as bt

    class Cross(bt.Strategy):
        def __init__(self):
            self.ma = {
                d: (bt.ind.SMA(d.close, period=20), bt.ind.SMA(d.close, period=50))
                for d in self.datas
            }
            self.was = dict.fromkeys(self.datas, False)

        def next(self):
            value, n = self.broker.getvalue(), len(self.datas)
            for d in self.datas:
                fast, slow = self.ma[d]
                want = fast[0] > slow[0]
                if want and not self.was[d]:
                    size = int(value / n / d.close[0])
                    if size > 0:
                        c = d.close[0]
                        self.buy_bracket(
                            data=d,
                            size=size,
                            exectype=bt.Order.Market,
                            stopprice=c * (1 - STOP),
                            limitprice=c * (1 + TAKE),
                        )
                elif not want and self.was[d]:
                    for o in self.broker.get_orders_open():
                        if o.data is d:
                            self.cancel(o)
                    self.close(data=d)
                self.was[d] = want

    cerebro = bt.Cerebro(stdstats=False)
    for sym in data.symbols:
        frame = pd.DataFrame(
            {k: data.field(k)[sym].to_numpy() for k in ("open", "high", "low", "close", "volume")}
        )
        frame.index = data.index.tz_convert(None)
        cerebro.adddata(bt.feeds.PandasData(dataname=frame), name=sym)
    cerebro.addstrategy(Cross)
    cerebro.broker.setcash(100_000.0)
    cerebro.broker.setcommission(commission=FEES)
    cerebro.run()
    return cerebro.broker.getvalue(), None


@njit(cache=True)
def bare_loop_nb(close: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Equity of holding ``target`` units from the bar after each decision: no orders, no costs."""
    n, m = close.shape
    equity = np.zeros(n)
    value = 0.0
    for i in range(1, n):
        for j in range(m):
            value += target[i - 1, j] * (close[i, j] - close[i - 1, j])
        equity[i] = value
    return equity


def bare_loop(data: MarketData, target: np.ndarray):
    return float(bare_loop_nb(data.close.to_numpy(), target)[-1]), None


def ntlab_sweep(data: MarketData):
    from ntlab.backtest._guard import clear_guard_cache

    clear_guard_cache()  # time the look-ahead check of every pair, not a cache hit
    settings = EventSettings(
        policy=ExecutionPolicy(commission=Commission(pct=FEES), slippage=Slippage(pct=0.0))
    )
    res = sweep(
        SmaCross,
        data,
        {"fast": list(WINDOWS), "slow": list(WINDOWS)},
        settings=settings,
        progress=False,
    )
    return len(res.table)


def vectorbt_sweep(data: MarketData):
    import vectorbt as vbt

    close = data.close
    fast, slow = vbt.MA.run_combs(close, window=WINDOWS, r=2, short_names=["fast", "slow"])
    entries, exits = fast.ma_crossed_above(slow), fast.ma_crossed_below(slow)
    pf = vbt.Portfolio.from_signals(close, entries, exits, fees=FEES, freq="1D")
    return len(pf.total_return()) // data.n_symbols


def _row(work: str, engine: str, seconds: float, cells: int, symbols: int, **extra) -> dict:
    return {
        "work": work,
        "engine": engine,
        "symbols": symbols,
        "seconds": seconds,
        "bars_per_s": cells / seconds,
        **extra,
    }


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    data = random_walk()
    small = data.select(data.symbols[:N_BACKTRADER])
    pair = data.select(data.symbols[:2])
    cells = N_BARS * N_SYMBOLS
    target = SmaCross(fast=20, slow=50).signals(data).target.to_numpy()

    t0 = time.perf_counter()
    guard_report = run_event(SmaCross(fast=20, slow=50), data, EVENT).settings["lookahead_check"]
    main_runs = interleaved_best(
        {
            "ntlab event (guard off)": lambda: ntlab_event(data),
            "ntlab event (guard on)": lambda: ntlab_event(data, guard=True),
            "ntlab vector (vectorbt inside)": lambda: ntlab_vector(data),
            "vectorbt full pipeline": lambda: vectorbt_pipeline(data),
            "bare numba loop": lambda: bare_loop(data, target),
        },
        rounds=10,
    )
    outputs = {
        "ntlab event (guard off)": ntlab_event(data),
        "ntlab vector (vectorbt inside)": ntlab_vector(data),
        "vectorbt full pipeline": vectorbt_pipeline(data),
    }
    results = {name: (seconds, outputs.get(name)) for name, seconds in main_runs.items()}
    results.update({name: (seconds, None) for name, seconds in ntlab_parts(data).items()})
    peers = {
        "bt": lambda: backtrader_pipeline(small),
        "ntlab": lambda: ntlab_event(small),
        "bpy": lambda: backtesting_py(small),
    }
    nautilus = Nautilus(small) if NAUTILUS_PY.exists() else None
    if nautilus is not None:
        small_rounded = nautilus.data
        peers |= {"nautilus": nautilus.run, "ntlab_rounded": lambda: ntlab_event(small_rounded)}
    small_runs = interleaved_best(peers, rounds=3)
    bt_seconds, ntlab_small = small_runs["bt"], small_runs["ntlab"]
    sweeps = interleaved_best(
        {"ntlab": lambda: ntlab_sweep(pair), "vbt": lambda: vectorbt_sweep(pair)}, rounds=3
    )
    sweep_ntlab, sweep_vbt = sweeps["ntlab"], sweeps["vbt"]
    combos = ntlab_sweep(pair)
    assert combos == vectorbt_sweep(pair) == 1225

    vbt_s = results["vectorbt full pipeline"][0]
    rows = []
    for engine, (seconds, out) in results.items():
        extra = {"vs_vectorbt": vbt_s / seconds}
        if engine == "ntlab event (guard on)":
            extra["vs_guard_off"] = seconds / results["ntlab event (guard off)"][0]
        if out is not None:
            extra.update(final_equity=round(out[0], 2), trades=out[1])
        rows.append(
            _row("SMA 20/50 crossover, 2520 x 100", engine, seconds, cells, N_SYMBOLS, **extra)
        )
    small_cells = N_BARS * N_BACKTRADER
    rows.append(
        _row("SMA 20/50 crossover, 2520 x 5", "backtrader", bt_seconds, small_cells, N_BACKTRADER)
    )
    eq, n = ntlab_event(small)
    rows.append(
        _row("SMA 20/50 crossover, 2520 x 5", "ntlab event (guard off)", ntlab_small, small_cells, N_BACKTRADER,
             vs_backtrader=bt_seconds / ntlab_small, final_equity=round(eq, 2), trades=n)
    )  # fmt: skip
    if nautilus is not None:
        eq, n = ntlab_event(small_rounded)
        rows.append(
            _row("SMA 20/50 crossover, 2520 x 5, prices rounded to 6 decimals", "ntlab event (guard off)",
                 small_runs["ntlab_rounded"], small_cells, N_BACKTRADER, final_equity=round(eq, 2), trades=n)
        )  # fmt: skip
        eq, n = nautilus.run()
        nautilus.close()
        rows.append(
            _row("SMA 20/50 crossover, 2520 x 5, prices rounded to 6 decimals",
                 "NautilusTrader 1.221 (trade ticks O, L, H, C; own venv)", small_runs["nautilus"],
                 small_cells, N_BACKTRADER, vs_backtrader=bt_seconds / small_runs["nautilus"],
                 final_equity=round(eq, 2), trades=n)
        )  # fmt: skip
    eq, n = backtesting_py(small)
    rows.append(
        _row("SMA 20/50 crossover, 2520 x 5", "backtesting.py (one Backtest per symbol)", small_runs["bpy"],
             small_cells, N_BACKTRADER, vs_backtrader=bt_seconds / small_runs["bpy"],
             final_equity=round(eq, 2), trades=n)
    )  # fmt: skip
    sweep_cells = N_BARS * 2 * combos
    rows.append(
        _row(
            "1,225-pair SMA sweep, 2520 x 2",
            "ntlab sweep",
            sweep_ntlab,
            sweep_cells,
            2,
            vs_vectorbt=sweep_vbt / sweep_ntlab,
        )
    )
    rows.append(
        _row(
            "1,225-pair SMA sweep, 2520 x 2",
            "vectorbt run_combs",
            sweep_vbt,
            sweep_cells,
            2,
            vs_vectorbt=1.0,
        )
    )
    notes = (
        f"{__doc__.split('Run from')[0].strip()} Best wall time of several rounds after a warm-up call, "
        f"the contenders of each table section taking turns every round; "
        f"vs_vectorbt = vectorbt's time / this row's time (> 1: faster than vectorbt). "
        f"The guard's own report on this workload: {guard_report}. "
        f"Load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        f"(the machine is shared; absolute numbers are noisy, ratios within one run less so). "
        f"Benchmark wall time {time.perf_counter() - t0:.0f}s."
    )
    write_results(
        "backtest",
        rows,
        title="Backtests: ntlab event engine vs vectorbt vs backtrader",
        notes=notes,
    )


class _WideSmaCross(SmaCross):
    """sma_cross without its per-symbol declaration: the guard checks all 100 symbols."""

    per_symbol = False


def _abba_best(a, b, rounds: int, clock=time.perf_counter) -> tuple[float, float]:
    """Best times of ``a`` and ``b`` on ``clock``, run a, b, b, a each round after a warm-up."""
    a(), b()
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        for k, fn in ((0, a), (1, b), (1, b), (0, a)):
            t = clock()
            fn()
            best[k] = min(best[k], clock() - t)
    return best[0], best[1]


def guard_main(rounds: int = 40) -> None:
    """``python -m benchmarks.backtest guard``: the look-ahead guard's cost on the main
    workload, guard off vs on (interleaved, many rounds); writes ``backtest_guard``."""
    data = random_walk()

    def run(strategy, guard: bool):
        return lambda: run_event(strategy, data, EVENT, allow_lookahead=not guard)

    narrow, wide = SmaCross(fast=20, slow=50), _WideSmaCross(fast=20, slow=50)
    t0 = time.perf_counter()
    rows = []
    for label, strategy in (
        ("per-symbol sma_cross (checked on 8 sampled symbols)", narrow),
        ("the same rule undeclared (checked on all 100 symbols)", wide),
    ):
        off, on = _abba_best(run(strategy, False), run(strategy, True), rounds)
        cpu_off, cpu_on = _abba_best(
            run(strategy, False), run(strategy, True), rounds, clock=time.process_time
        )
        check = run_event(strategy, data, EVENT).settings["lookahead_check"]
        for guard, seconds, cpu in (("off", off, cpu_off), ("on", on, cpu_on)):
            rows.append(
                {
                    "work": "SMA 20/50 crossover, 2520 x 100, run_event",
                    "strategy": label,
                    "guard": guard,
                    "seconds": seconds,
                    "vs_guard_off": seconds / off,
                    "cpu_seconds": cpu,
                    "cpu_vs_guard_off": cpu / cpu_off,
                    "check": check if guard == "on" else "",
                }
            )
    pair = data.select(data.symbols[:2])
    grid = {"fast": list(WINDOWS), "slow": list(WINDOWS)}
    settings = EventSettings(
        policy=ExecutionPolicy(commission=Commission(pct=FEES), slippage=Slippage(pct=0.0))
    )

    def swept(guard: bool):
        from ntlab.backtest._guard import clear_guard_cache

        def go():
            clear_guard_cache()  # every pair checked again, not a cache hit
            sweep(SmaCross, pair, grid, settings=settings, progress=False, workers=1,
                  allow_lookahead=not guard)  # fmt: skip

        return go

    off, on = _abba_best(swept(False), swept(True), 2)
    cpu_off, cpu_on = _abba_best(swept(False), swept(True), 2, clock=time.process_time)
    for guard, seconds, cpu in (("off", off, cpu_off), ("on", on, cpu_on)):
        rows.append(
            {
                "work": "1,225-pair SMA sweep, 2520 x 2, one process",
                "strategy": "sma_cross",
                "guard": guard,
                "seconds": seconds,
                "vs_guard_off": seconds / off,
                "cpu_seconds": cpu,
                "cpu_vs_guard_off": cpu / cpu_off,
                "check": "every pair checked (verdict cache cleared)" if guard == "on" else "",
            }
        )
    notes = (
        "The look-ahead guard's cost (issue 14: guard on at most 1.5x guard off on this "
        "workload). The same run_event call as backtest.md's main rows (0.1% commission, 5% "
        "stop-loss, 10% take-profit, next-open fills), the guard off and on taking turns "
        f"in the order off, on, on, off every round (so neither always follows the other), "
        f"best of {rounds} rounds after a warm-up call; vs_guard_off = this "
        "row's wall time / the guard-off wall time; cpu_seconds and cpu_vs_guard_off the same "
        "on this process's CPU time (time.process_time), which other processes on a shared "
        "machine disturb less. The guard reuses the run's own signals and re-runs "
        "the strategy on prefixes ending at the bars named in 'check'. "
        f"Load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
        f"(shared machine). Wall time {time.perf_counter() - t0:.0f}s."
    )
    write_results("backtest_guard", rows, title="The look-ahead guard's cost", notes=notes)


if __name__ == "__main__":
    import sys

    guard_main() if sys.argv[1:] == ["guard"] else main()
