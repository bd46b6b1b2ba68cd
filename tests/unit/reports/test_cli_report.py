import pytest

from ntlab.cli import build_parser, main
from ntlab.cli._params import json_params
from ntlab.errors import ConfigError


def test_one_param_form_name_equals_value():
    args = build_parser().parse_args(["report", "nb", "-p", "a=1", "-p", "b=x", "-p", "c=[1, 2]"])
    assert json_params(args.param) == {"a": 1, "b": "x", "c": [1, 2]}
    with pytest.raises(ConfigError, match="must look like -p NAME=VALUE"):
        json_params(["lonely"])
    with pytest.raises(SystemExit):  # the old two-word form is refused, not half-parsed
        build_parser().parse_args(["report", "nb", "-p", "a", "1"])


def test_report_runs_a_notebook_with_params(tiny_notebook, tmp_path, capsys):
    assert main(["report", str(tiny_notebook), "-p", "x=21", "-o", str(tmp_path / "r")]) == 0
    out = capsys.readouterr().out
    assert "tiny.ipynb: executed" in out and "tiny--x-21-" in out
    html = next((tmp_path / "r").glob("tiny--x-21-*.html"))
    assert "42" in html.read_text()


def test_report_grid_exit_code_and_errors(tiny_notebook, tmp_path, capsys):
    grid = tmp_path / "grid.yaml"
    grid.write_text("- {x: 2}\n- {x: 13}\n")
    assert (
        main(
            [
                "report",
                str(tiny_notebook),
                "--grid",
                str(grid),
                "-o",
                str(tmp_path / "g"),
                "--no-html",
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert "1 of 2 runs succeeded" in captured.out and "AssertionError: unlucky x" in captured.err
    assert main(["report", "no_such_notebook"]) == 2
    assert "no notebook 'no_such_notebook'" in capsys.readouterr().err
    assert main(["report", str(tiny_notebook), "-p", "x=13", "-o", str(tmp_path / "b")]) == 2
    assert "failed in cell 2 (id guard)" in capsys.readouterr().err


def test_report_list_shows_the_notebooks_and_their_parameters(capsys):
    assert main(["report", "--list"]) == 0
    out = capsys.readouterr().out
    assert "quickstart" in out and "parity_report" in out and "strategy_config=" in out


def test_a_cell_that_renders_an_error_fails_the_report(tmp_path, capsys):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}
    nb.cells = [
        nbformat.v4.new_code_cell("colour = 'C1'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from ntlab.reports import figures\nfigures.notebook_setup()"),
        nbformat.v4.new_code_cell("import pandas as pd\npd.Series([1.0, 2.0]).hvplot.line(color=colour)"),
    ]
    path = tmp_path / "broken_plot.ipynb"
    nbformat.write(nb, path)
    assert main(["report", str(path), "-o", str(tmp_path / "r"), "--no-html"]) == 2
    err = capsys.readouterr().err
    assert "cell 3 shows an error instead of its output" in err
    assert "ValueError: failed to validate" in err and "line_color" not in err.splitlines()[0][:20]
    assert main(["report", str(path), "-p", "colour=red", "-o", str(tmp_path / "b"), "--no-html"]) == 0
    assert main(["report", str(path), "-p", "colour=C1", "-o", str(tmp_path / "c"), "--no-html"]) == 2
    assert "cell 3 shows an error" in capsys.readouterr().err  # same number with the injected cell
