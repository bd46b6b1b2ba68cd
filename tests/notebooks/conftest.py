"""Fixtures for the notebook tests: the Jupyter kernel, and executed copies shared by tests.

Kernels are started by papermill/nbval with ``kernel_name="python3"``; jupyter_client runs a
``python`` kernelspec with ``sys.executable``, and the kernel inherits ``PYTHONPATH``, which
is set here to the repository root so notebooks import this checkout's ``ntlab``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"


@pytest.fixture(scope="session")
def kernel():
    """The ``python3`` kernelspec, installed into sys.prefix if missing, checked to run this Python."""
    from ntlab.reports.notebook import ensure_kernel

    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([old] if old else []))
    try:
        yield ensure_kernel()
    finally:
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


@pytest.fixture(scope="session")
def executed(kernel, tmp_path_factory):
    """``executed(path)``: the notebook run once with its defaults (ipynb + HTML), cached per session."""
    from ntlab.reports.notebook import run_notebook

    out = tmp_path_factory.mktemp("executed")
    runs = {}

    def get(path: Path):
        if path not in runs:
            runs[path] = run_notebook(path, output_dir=out, html=True)
        return runs[path]

    return get
