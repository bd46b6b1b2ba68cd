"""Fixtures of the reports tests: a tiny notebook."""

from __future__ import annotations

import nbformat
import pytest


@pytest.fixture
def tiny_notebook(tmp_path):
    """A notebook with one parameter ``x`` that fails when x == 13 (fast: imports nothing)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [
        nbformat.v4.new_code_cell("x = 1", id="params", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('assert x != 13, "unlucky x"', id="guard"),
        nbformat.v4.new_code_cell("print(x * 2)", id="show"),
    ]
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    return path
