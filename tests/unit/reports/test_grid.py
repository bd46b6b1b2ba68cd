import json
import os

import nbformat
import pytest

from ntlab.errors import ConfigError
from ntlab.reports import load_grid, run_grid
from ntlab.reports.demo import run_demo


def test_load_grid_yaml_json_and_errors(tmp_path):
    (tmp_path / "g.yaml").write_text("- {x: 1}\n- {x: 2, name: two}\n")
    assert load_grid(tmp_path / "g.yaml") == [{"x": 1}, {"x": 2, "name": "two"}]
    (tmp_path / "g.json").write_text(json.dumps([{"x": [1, 2]}]))
    assert load_grid(tmp_path / "g.json") == [{"x": [1, 2]}]
    cases = {
        "missing.yaml": (None, "does not exist"),
        "map.yaml": ("x: 1\n", "non-empty list"),
        "empty.json": ("[]", "non-empty list"),
        "item.yaml": ("- 3\n", "item 0 must be a mapping"),
        "bad.yaml": ("- {x: [1\n", "not valid YAML"),
        "bad.json": ("[{", "not valid JSON"),
    }
    for name, (text, message) in cases.items():
        if text is not None:
            (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_grid(tmp_path / name)


def _check_runs(runs, out):
    assert [r.parameters["x"] for r in runs] == [1, 13, 3]
    ok, bad = runs[0], runs[1]
    assert ok.ok and ok.html.is_file() and "2" in ok.html.read_text()
    assert not bad.ok and "failed in cell 2 (id guard): AssertionError: unlucky x" in bad.error
    outputs = nbformat.read(runs[2].ipynb, as_version=4).cells[-1].outputs
    assert outputs[0]["text"].strip() == "6"
    index = (out / "tiny-grid" / "index.html").read_text()
    assert index.count("<tr>") == 4 and "failed" in index and 'href="000-tiny--x-1-' in index
    assert os.path.relpath(ok.html, out / "tiny-grid") in index


def test_run_grid_local_processes_records_failures_and_writes_an_index(tiny_notebook, tmp_path):
    seen = []
    out = tmp_path / "out"
    runs = run_grid(
        tiny_notebook,
        [{"x": 1}, {"x": 13}, {"x": 3}],
        output_dir=out,
        workers=2,
        progress=False,
        on_result=seen.append,
    )
    assert len(seen) == 3
    _check_runs(runs, out)
    with pytest.raises(ConfigError, match="engine must be"):
        run_grid(tiny_notebook, [{"x": 1}], engine="dask")
    with pytest.raises(ConfigError, match="has no parameter"):
        from ntlab.reports import run_notebook

        run_notebook(tiny_notebook, {"y": 1}, output_dir=tmp_path)


@pytest.mark.slow
def test_run_grid_on_ray(tiny_notebook, tmp_path):
    pytest.importorskip("ray")
    out = tmp_path / "out"
    _check_runs(
        run_grid(
            tiny_notebook,
            [{"x": 1}, {"x": 13}, {"x": 3}],
            output_dir=out,
            engine="ray",
            workers=2,
            progress=False,
        ),
        out,
    )


def test_run_demo_writes_reports_and_an_index(tiny_notebook, tmp_path):
    lines = []
    runs = run_demo(tmp_path / "rep", notebooks=(str(tiny_notebook),), echo=lines.append)
    assert runs[0].ok and runs[0].html.is_file()
    assert lines[0].startswith("notebooks: kernel 'python3'") and "tiny.ipynb" in lines[1]
    assert lines[-1].endswith("index.html") and (tmp_path / "rep" / "index.html").is_file()


def test_the_index_lists_each_runs_recorded_metrics_sortable(tmp_path):
    import re

    import nbformat

    from ntlab.reports import run_grid

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            "from ntlab.reports.notebook import record_metrics\n"
            "record_metrics({'sharpe': x / 10, 'trades': 3 * x, 'max_drawdown_bars': 7})"
        ),
    ]
    path = tmp_path / "metrics_nb.ipynb"
    nbformat.write(nb, path)
    runs = run_grid(path, [{"x": 2}, {"x": 5}], output_dir=tmp_path / "g", workers=1, html=False)
    assert sorted(r.extra["metrics"]["sharpe"] for r in runs) == [0.2, 0.5]
    page = (tmp_path / "g" / "metrics_nb-grid" / "index.html").read_text()
    heads = re.findall(r'<th class="sort"[^>]*>([^<]+)</th>', page)
    assert heads == ["sharpe", "trades"]  # the key metrics, in the index's order
    assert 'data-value="0.5">0.500</td>' in page and 'data-value="15.0">15</td>' in page
    assert "addEventListener(\"click\"" in page  # headers sort the rows, with no network
