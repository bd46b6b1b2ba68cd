"""Numbers in README.md and docs/strategies.md are the ones the benchmark computed.

``python -m benchmarks.strategy_backtests`` writes benchmarks/results/strategy_backtests
.json and renders the tables between the ``strategy_backtests`` markers from it; a table
edited by hand, or a results file regenerated without the docs, fails here.
"""

import json
from pathlib import Path

import pytest

from benchmarks import strategy_backtests as bench

ROOT = Path(__file__).resolve().parents[2]
ROWS = json.loads((ROOT / "benchmarks/results/strategy_backtests.json").read_text())["rows"]


@pytest.mark.parametrize("name", sorted(bench.DOCS))
def test_the_published_table_is_the_computed_one(name):
    text = (ROOT / name).read_text()
    a, b = text.index(bench.START) + len(bench.START), text.index(bench.END)
    engine = "; ".join(sorted({r["engine"].rsplit(",", 1)[0] for r in ROWS}))
    expected = bench.docs_table(
        ROWS, bench.DOCS[name], engine + " (bars/year in the periods/year column)"
    )
    assert text[a:b].strip() == expected.strip()


def test_every_row_names_its_engine_settings_and_bars_per_year():
    for row in ROWS:
        assert row["engine"].startswith("event engine: fee 0.10% + slippage 0.05%")
        assert row["engine"].endswith(f"{row['periods/year']:,.6g} bars/year")
        assert row["periods/year"] == 252  # daily stock and index bars
