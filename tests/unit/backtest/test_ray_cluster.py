"""A real two-node Ray cluster on this machine: ntlab connects to it and leaves it running.

``ray start --head`` plus a second ``ray start --address`` (one CPU each, 127.0.0.1, through
:class:`ntlab._ray.LocalCluster`), as a user would start them; RAY_ADDRESS points ntlab at it. A sweep, a walk-forward and a
notebook grid run on it and give the local results bit for bit. The cluster's processes
(every one carries the cluster's own temp dir in its command line) are stopped at the end,
and only they: other Ray instances on the machine are left alone.
"""

from __future__ import annotations

import os

import nbformat
import pytest

from ntlab.backtest import sweep, walk_forward
from ntlab.reports import run_grid
from ntlab.strategies.builtin.sma_cross import SmaCross

pytestmark = pytest.mark.slow
ray = pytest.importorskip("ray")
GRID = {"fast": [3, 5, 8], "slow": [5, 20, 40]}


@pytest.fixture(scope="module")
def cluster():
    from ntlab._ray import LocalCluster

    try:
        nodes = LocalCluster(nodes=2, cpus=1)
    except RuntimeError as exc:  # Ray's own 30 s start-up limit, on an overloaded machine only
        if "timed out during startup" not in str(exc):
            raise
        pytest.skip(f"Ray could not start a node within its start-up limit here: {exc}"[-300:])
    saved = {k: os.environ.get(k) for k in ("RAY_ADDRESS", "RAY_AUTH_MODE")}
    os.environ["RAY_ADDRESS"], os.environ["RAY_AUTH_MODE"] = nodes.address, "disabled"
    try:
        yield nodes.address
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        nodes.stop()


def _nodes_alive() -> int:
    ray.init()
    try:
        return sum(1 for n in ray.nodes() if n["Alive"])
    finally:
        ray.shutdown()


def test_sweep_and_walk_forward_on_two_nodes_match_local(cluster, bars):
    assert _nodes_alive() == 2
    remote = sweep(SmaCross, bars, GRID, engine="ray", progress=False)
    assert not ray.is_initialized()  # ntlab disconnected ...
    assert remote.table.equals(sweep(SmaCross, bars, GRID, progress=False).table)
    wf_ray = walk_forward(SmaCross, bars, GRID, train=120, test=60, engine="ray", progress=False)
    wf = walk_forward(SmaCross, bars, GRID, train=120, test=60, progress=False)
    assert wf_ray.folds.equals(wf.folds) and wf_ray.equity.equals(wf.equity)
    assert _nodes_alive() == 2  # ... and left the cluster it did not start running


def test_notebook_grid_on_two_nodes_matches_local(cluster, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("fast = 5", id="params", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from ntlab.backtest import run_event\n"
            "from ntlab.strategies.builtin.sma_cross import SmaCross, SmaCrossConfig\n"
            "from ntlab.data import load_sample\n"
            "data = load_sample('sp500_20').select(['AAPL', 'MSFT'])[-300:]\n"
            "res = run_event(SmaCross(config=SmaCrossConfig(fast=fast, slow=30)), data)\n"
            "print(repr(float(res.equity.iloc[-1])), len(res.trades))",
            id="run",
        ),
    ]
    path = tmp_path / "grid_nb.ipynb"
    nbformat.write(nb, path)
    grid = [{"fast": 5}, {"fast": 10}]

    def printed(engine):
        runs = run_grid(path, grid, output_dir=tmp_path / engine, engine=engine, workers=2,
                        html=False, progress=False)  # fmt: skip
        assert all(r.ok for r in runs), [r.error for r in runs]
        return [nbformat.read(r.ipynb, as_version=4).cells[-1].outputs[0]["text"] for r in runs]

    on_ray = printed("ray")
    assert on_ray == printed("local")
    assert on_ray[0] != on_ray[1]  # the parameter reached each run
    assert _nodes_alive() == 2
