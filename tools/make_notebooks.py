"""Write notebooks/{quickstart,backtest_report,parity_report}.ipynb from the cells below.

Run from the repository root: ``python tools/make_notebooks.py`` (``--check`` exits 1 when
a committed notebook differs from what this script writes). Output is deterministic: fixed
cell ids, no outputs, no execution counts. Cells tagged ``nbval-check-output`` hold
deterministic text that the notebook tests compare between two fresh executions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
CHECK = "nbval-check-output"

QUICKSTART = [
    (
        "md",
        """# ntlab quickstart

Data, indicators, one strategy, one backtest and the plots, on real bundled data (nothing is
downloaded). Run it top to bottom, or with other parameters from a terminal:

```bash
ntlab report quickstart -p symbols='["AAPL", "IBM"]' -p start=2005-01-01T00:00Z
```""",
    ),
    (
        "code",
        """# Parameters (papermill replaces these values; keep the defaults small and fast)
data_spec = "sample:stocks"
symbols = ["AAPL", "MSFT", "IBM"]
start = "2007-01-01T00:00Z"
end = "2013-03-01T00:00Z"
strategy_name = "momentum"
strategy_params = {}
fees = 0.001
slippage = 0.0005
sma_fast = 20
sma_slow = 50
rsi_period = 14""",
        ["parameters"],
    ),
    (
        "code",
        """import pandas as pd

from ntlab.data import list_samples, load
from ntlab.reports import figures, format_metrics, run_config, tearsheet
from ntlab.strategies import available, get
from ntlab.testing import check_strategy

pd.set_option("display.width", 120)
# hvplot (.hvplot on pandas objects) with BokehJS embedded, so the HTML report works offline
figures.notebook_setup()""",
    ),
    (
        "md",
        """## 1. Data

The bundled samples are real daily bars shipped inside installed packages; `load` takes a
data spec (`sample:NAME`, `store:NAME`, a file, or `alpaca:...` with keys).""",
    ),
    ("code", "list_samples()"),
    (
        "code",
        """data = load(data_spec).select(symbols).between(start, end)
print(data)
data.close.tail()""",
        [CHECK],
    ),
    ("code", "figures.price_figure(data.close)"),
    (
        "md",
        """## 2. Indicators

Moving averages and RSI of the first symbol, from `ntlab.indicators` (numba kernels). Every
indicator is causal: the value on a bar uses that bar and earlier ones only.""",
    ),
    (
        "code",
        """from ntlab.indicators import rsi, sma

symbol = symbols[0]
close = data.close[symbol]
averages = pd.DataFrame({f"SMA({sma_fast})": sma(close, sma_fast), f"SMA({sma_slow})": sma(close, sma_slow)})
strength = rsi(close, rsi_period).rename(f"RSI({rsi_period})")
pd.concat([close.rename("close"), averages, strength], axis=1).tail()""",
        [CHECK],
    ),
    (
        "md",
        """One call computes every symbol of a panel (the same index and columns come back), and
the values agree with TA-Lib's (see `parity_report.ipynb`):""",
    ),
    ("code", "rsi(data.close, rsi_period).tail(3)", [CHECK]),
    (
        "code",
        """(
    figures.price_figure(close.to_frame(symbol), normalise=False, overlays=averages)
    + strength.tz_convert(None).hvplot.line(title=f"RSI({rsi_period}) of {symbol}", width=900, height=200, ylim=(0, 100))
).cols(1)""",
    ),
    (
        "md",
        """## 3. A strategy and the look-ahead check

A strategy turns bars into target positions per symbol and bar. `check_strategy` proves it
is causal: signals on the first k bars equal the first k rows of the signals on all bars.""",
    ),
    (
        "code",
        """print("registered strategies:", available())
strategy = get(strategy_name, **strategy_params)
print(check_strategy(strategy, data))
signals = strategy.signals(data)
signals.target.tail()""",
        [CHECK],
    ),
    (
        "code",
        """# the first signals as seed-schema JSON (camelCase), with their reasons
for record in signals.to_records(close=data.close)[:3]:
    print(record.to_json())""",
    ),
    (
        "code",
        """signals.target.tz_convert(None).hvplot.step(
    title="Target exposure per symbol (1 = fully long its sleeve)", width=900, height=250, subplots=False
)""",
    ),
    (
        "md",
        """## 4. Backtest with costs

ntlab's event engine: orders fill at the next bar's open in whole shares, with commission
and slippage, and the strategy's stop-loss and take-profit levels are honoured. The
tearsheet compares the strategy with an equal-weight buy-and-hold of the same symbols.""",
    ),
    (
        "code",
        """result, _ = run_config(strategy, data=data, fees=fees, slippage=slippage)
sheet = tearsheet(result, close=data.close)
format_metrics(sheet.metrics)""",
        [CHECK],
    ),
    ("code", "sheet.layout()"),
    (
        "md",
        """Next: `backtest_report.ipynb` for a full tearsheet of any strategy config, and
`parity_report.ipynb` for ntlab checked against TA-Lib, quantstats, empyrical, vectorbt and
backtrader.""",
    ),
]

BACKTEST_REPORT = [
    (
        "md",
        """# Backtest report

A tearsheet for any strategy config: metrics against a buy-and-hold benchmark, equity,
drawdown, monthly returns and the trades. Costs are on and orders fill at the next bar's
open. `engine = "event"` is ntlab's own engine (whole shares, the strategy's stop-loss and
take-profit levels honoured, the same execution rules as paper trading); `"vector"` is the
vectorbt path (fractional sizes, levels ignored). Learned strategies are fitted on the first
`train_fraction` of the bars and reported on the rest only.

```bash
ntlab report backtest_report -p strategy_config='{"strategy": "momentum", "lookback": 60}'
```""",
    ),
    (
        "code",
        """# Parameters
strategy_config = {"strategy": "momentum"}  # a Strategy.to_dict(): registry name + config values
data_spec = "sample:stocks"
symbols = None  # a list of symbols, or None for all of them
start = None  # e.g. "2005-01-01T00:00Z"
end = None
engine = "event"  # "event" (ntlab's engine) or "vector" (vectorbt)
cash = 100_000.0
fees = 0.001
slippage = 0.0005
train_fraction = 0.5
trades_shown = 15""",
        ["parameters"],
    ),
    (
        "code",
        """import pandas as pd

from ntlab.data import load
from ntlab.reports import figures, format_metrics, resolve_strategy, run_config, tearsheet
from ntlab.reports.notebook import record_metrics
from ntlab.testing import check_strategy

pd.set_option("display.width", 120)
# hvplot (.hvplot on pandas objects) with BokehJS embedded, so the HTML report works offline
figures.notebook_setup()""",
    ),
    (
        "code",
        """strategy = resolve_strategy(strategy_config)
data = load(data_spec)
if symbols:
    data = data.select(symbols)
if start or end:
    data = data.between(start, end)
print(f"strategy: {strategy!r}")
print(f"data:     {data}")
print(f"engine:   {engine}; fees {fees:.2%} + slippage {slippage:.2%} per trade, fills at the next open")
print(check_strategy(strategy, data))""",
        [CHECK],
    ),
    (
        "code",
        """result, data = run_config(
    strategy, data=data, engine=engine, cash=cash, fees=fees, slippage=slippage, train_fraction=train_fraction
)
sheet = tearsheet(result, close=data.close)
record_metrics(result.summary())  # listed per run on the index page of `ntlab report --grid`
print(result.summary_table())""",
        [CHECK],
    ),
    (
        "md",
        "## Metrics\n\nThe strategy next to an equal-weight buy-and-hold of the same symbols over the same bars.",
    ),
    ("code", "format_metrics(sheet.metrics)", [CHECK]),
    ("md", "## Equity and drawdown"),
    (
        "code",
        """(figures.equity_figure(result, sheet.benchmark, logy=True) + figures.drawdown_figure(result)).cols(1)""",
    ),
    ("md", "## Monthly returns"),
    ("code", "figures.monthly_heatmap(result)"),
    ("code", """(sheet.monthly * 100).round(2)""", [CHECK]),
    (
        "md",
        "## Trades\n\nThe last trades (`exit_reason`: signal, stop, take_profit, or open at the end), then the profit and loss per symbol.",
    ),
    ("code", """sheet.trades.tail(trades_shown)""", [CHECK]),
    (
        "code",
        """per_symbol = sheet.trades.groupby("symbol").agg(
    trades=("pnl", "size"), pnl=("pnl", "sum"), win_rate=("pnl", lambda s: (s > 0).mean()), avg_return=("return", "mean")
)
per_symbol.round(4)""",
        [CHECK],
    ),
    ("code", "figures.returns_histogram(result)"),
]

PARITY_REPORT = [
    (
        "md",
        """# Parity report

ntlab checked against independent references on the same real data: risk metrics against
quantstats and empyrical, indicators against TA-Lib, the backtest engines against vectorbt
and backtrader, the paper session against the backtest, and every registered strategy's
measured Sharpe ratio next to the figure the seed claimed. Every number below is computed
now, in this run; nothing is stored.

Tolerances come from the seed's accuracy table (indicators 0.1%, risk metrics 0.5%, Sharpe
ratios 1%, portfolio values 0.001%) and its per-strategy "backtest match" column. Parts of
ntlab that do not exist yet are listed as **not available yet**, never as passes.""",
    ),
    (
        "code",
        """# Parameters
data_spec = "sample:stocks"
symbol = "AAPL"
strategy = "momentum"
index_data = "sample:indices"
index_symbol = "SP500"
start = None
end = None
checks = None  # a list of check names, or None for every registered check""",
        ["parameters"],
    ),
    (
        "code",
        """import pandas as pd

from ntlab.reports import ParityContext, available_checks, figures, parity_summary, run_parity
from ntlab.reports.parity import style_parity

pd.set_option("display.max_colwidth", 120)
figures.notebook_setup()  # hvplot, with BokehJS embedded for offline HTML reports
available_checks()""",
    ),
    (
        "code",
        """context = ParityContext(
    data=data_spec, symbol=symbol, strategy=strategy, index_data=index_data, index_symbol=index_symbol,
    start=start, end=end,
)
table = run_parity(checks, context)
parity_summary(table)""",
        [CHECK],
    ),
    ("md", "## Risk metrics: ntlab.risk vs quantstats and empyrical"),
    ("code", """style_parity(table[table["group"] == "risk metrics"], uuid="metrics")""", [CHECK]),
    ("md", "## Indicators: ntlab.indicators vs TA-Lib"),
    ("code", """style_parity(table[table["group"] == "indicators"], uuid="indicators")""", [CHECK]),
    ("md", "## Backtest engines and the paper session"),
    (
        "code",
        """style_parity(table[table["group"].isin(["backtest engines", "paper trading"])], uuid="engines")""",
        [CHECK],
    ),
    (
        "md",
        """## Strategies: measured Sharpe vs the seed's claims

Default configs (nothing tuned), ntlab's event engine with costs on, Sharpe measured on the
second half of the data; learned strategies are fitted on the first half only.""",
    ),
    (
        "code",
        """sharpe = table[table["group"] == "strategies"]
style_parity(sharpe, uuid="strategies")""",
        [CHECK],
    ),
    (
        "code",
        """figures.sharpe_claims_figure(sharpe)""",
    ),
    ("md", "## Every row that did not pass"),
    (
        "code",
        """table[table["status"].isin(["fail", "error"])][["group", "check", "reference", "ntlab_value", "reference_value", "note"]]""",
        [CHECK],
    ),
]

NOTEBOOKS = {
    "quickstart": QUICKSTART,
    "backtest_report": BACKTEST_REPORT,
    "parity_report": PARITY_REPORT,
}


def build(stem: str, cells: list[tuple]) -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata = {
        "kernelspec": {
            "display_name": "Python 3 (ipykernel)",
            "language": "python",
            "name": "python3",
        },
        "language_info": {"name": "python"},
    }
    for i, (kind, source, *rest) in enumerate(cells):
        make = nbformat.v4.new_markdown_cell if kind == "md" else nbformat.v4.new_code_cell
        cell = make(source, id=f"{stem.replace('_', '-')}-{i:02d}")
        if rest:
            cell.metadata["tags"] = list(rest[0])
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def render(stem: str) -> str:
    return nbformat.writes(build(stem, NOTEBOOKS[stem])) + "\n"


def main(argv: list[str]) -> int:
    stale = []
    for stem in NOTEBOOKS:
        path = ROOT / "notebooks" / f"{stem}.ipynb"
        text = render(stem)
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path))
        else:
            path.parent.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print("out of date (run python tools/make_notebooks.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
