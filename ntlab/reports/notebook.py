"""Run parameterised notebooks through papermill and export them as standalone HTML.

A notebook's first code cell is tagged ``parameters`` (papermill's convention); values given
here replace its defaults in an injected cell. The executed notebook is written as
``.ipynb`` next to an ``.html`` export (nbconvert's lab template, code shown).

The kernel is ``python3`` of the interpreter that runs papermill: jupyter_client replaces a
kernelspec's ``python`` argv with ``sys.executable``, so notebooks see the same environment
(and the same ``PYTHONPATH``) as the caller. :func:`ensure_kernel` checks that and installs
the kernelspec into ``sys.prefix`` when it is missing.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntlab._optional import attempt_import
from ntlab._resources import bundled
from ntlab.errors import ConfigError, NotebookError

__all__ = [
    "NotebookError",
    "NotebookRun",
    "KernelInfo",
    "ensure_kernel",
    "run_notebook",
    "export_html",
    "output_stem",
    "find_notebook",
    "notebook_parameters",
    "rendered_errors",
    "record_metrics",
    "recorded_metrics",
]

KERNEL = "python3"
NOTEBOOK_DIR = bundled("notebooks")


@dataclass(frozen=True)
class KernelInfo:
    name: str
    resource_dir: str
    argv: tuple[str, ...]
    python: str
    installed_now: bool

    def __str__(self) -> str:
        how = "installed now into sys.prefix" if self.installed_now else "found"
        return f"kernel {self.name!r} ({how}: {self.resource_dir}) runs {self.python}"


def ensure_kernel(name: str = KERNEL) -> KernelInfo:
    """Make sure the Jupyter kernel ``name`` exists and runs this interpreter.

    Installs ipykernel's kernelspec into ``sys.prefix`` (``python -m ipykernel install
    --sys-prefix``) when no kernelspec of that name is found.

    Raises
    ------
    NotebookError
        When the kernelspec starts a different Python than ``sys.executable``.
    """
    kernelspec = attempt_import("jupyter_client.kernelspec", purpose="running notebooks")
    manager = kernelspec.KernelSpecManager()
    installed_now = False
    if name not in manager.find_kernel_specs():
        if name != KERNEL:
            raise NotebookError(
                f"no Jupyter kernel named {name!r}; known: {sorted(manager.find_kernel_specs())}"
            )
        subprocess.run(
            [sys.executable, "-m", "ipykernel", "install", "--sys-prefix"],
            check=True,
            capture_output=True,
        )
        manager = kernelspec.KernelSpecManager()
        installed_now = True
    spec = manager.get_kernel_spec(name)
    exe = spec.argv[0]
    generic = {
        "python",
        f"python{sys.version_info[0]}",
        "python{}.{}".format(*sys.version_info[:2]),
    }
    python = sys.executable if exe in generic else exe
    if Path(python).resolve() != Path(sys.executable).resolve():
        raise NotebookError(
            f"the Jupyter kernel {name!r} ({spec.resource_dir}) runs {python}, not this interpreter "
            f"({sys.executable}); reinstall it with: {sys.executable} -m ipykernel install --sys-prefix"
        )
    return KernelInfo(name, spec.resource_dir, tuple(spec.argv), python, installed_now)


def find_notebook(name: str | Path) -> Path:
    """A notebook by path, or by name among the notebooks shipped with ntlab (``notebooks/``)."""
    path = Path(name)
    candidates = [
        path,
        path.with_suffix(".ipynb"),
        NOTEBOOK_DIR / path.name,
        NOTEBOOK_DIR / f"{path.stem}.ipynb",
    ]
    for cand in candidates:
        if cand.suffix == ".ipynb" and cand.is_file():
            return cand
    known = sorted(p.stem for p in NOTEBOOK_DIR.glob("*.ipynb")) if NOTEBOOK_DIR.is_dir() else []
    raise ConfigError(f"no notebook {str(name)!r}; give a path or one of {known}")


def notebook_parameters(path: str | Path) -> dict[str, Any]:
    """The defaults declared in a notebook's ``parameters`` cell (papermill's inspection)."""
    papermill = attempt_import("papermill", purpose="running notebooks")
    params = papermill.inspect_notebook(str(path))
    return {k: v["default"] for k, v in params.items()}


def output_stem(notebook: str | Path, params: dict[str, Any] | None) -> str:
    """File stem for an executed notebook: its name, plus a slug and hash of the parameters."""
    stem = Path(notebook).stem
    if not params:
        return stem
    text = json.dumps(params, sort_keys=True, default=str)
    slug = re.sub(
        r"[^A-Za-z0-9]+", "-", "-".join(f"{k}-{v}" for k, v in sorted(params.items()))
    ).strip("-")
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    return f"{stem}--{slug[:60]}-{digest}"


@dataclass
class NotebookRun:
    """What one execution produced."""

    notebook: str
    parameters: dict[str, Any]
    ipynb: Path
    html: Path | None
    seconds: float
    error: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.error


def _describe_failure(err: Any, source_nb: Path, output: Path) -> NotebookError:
    """Turn papermill's error into a message naming the cell (as numbered in the source notebook)."""
    nbformat = attempt_import("nbformat", purpose="reading notebooks")
    cells = nbformat.read(source_nb, as_version=4).cells
    where = "the injected parameters cell"
    number = None
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and cell.source.strip() == str(err.source).strip():
            number = i + 1
            where = f"cell {number} (id {cell.get('id', '?')})"
            break
    first = next((line for line in str(err.source).splitlines() if line.strip()), "")
    message = (
        f"notebook {source_nb.name} failed in {where}: {err.ename}: {err.evalue}\n"
        f"  cell starts: {first[:120]}\n"
        f"  executed copy with the traceback: {output}"
    )
    return NotebookError(message, cell=number, ename=str(err.ename), output=output)


#: Mime type of the metrics a notebook records for the grid index (:func:`record_metrics`).
METRICS_MIME = "application/vnd.ntlab.metrics+json"


def record_metrics(metrics: dict[str, Any]) -> None:
    """Record a run's key metrics in a notebook's output (shown as nothing), so that
    ``ntlab report --grid`` lists them per run on its index page."""
    display = attempt_import("IPython.display", purpose="recording notebook metrics")
    plain = {str(k): (float(v) if isinstance(v, int | float) else None) for k, v in metrics.items()}
    display.display({METRICS_MIME: plain, "text/plain": ""}, raw=True)


def recorded_metrics(ipynb: str | Path) -> dict[str, Any]:
    """The metrics an executed notebook recorded with :func:`record_metrics` (last wins)."""
    nbformat = attempt_import("nbformat", purpose="reading notebooks")
    found: dict[str, Any] = {}
    for cell in nbformat.read(str(ipynb), as_version=4).cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if METRICS_MIME in data:
                found.update(data[METRICS_MIME])
    return found


_RENDER_ERROR = re.compile(r'<details class="hv-jupyter-exc">\s*<summary>(.*?)</summary>', re.S)


def rendered_errors(ipynb: str | Path) -> list[tuple[int, str]]:
    """Cells whose output is an error box rather than a figure: ``[(cell number, message)]``
    (numbered as in the source notebook, papermill's injected cell left out).

    A figure that fails while rendering (HoloViews catches the exception and shows it in
    place of the plot) does not stop the kernel, so papermill reports success; this finds
    those boxes, and any ``error`` output, in an executed notebook.
    """
    import html as html_lib

    nbformat = attempt_import("nbformat", purpose="reading notebooks")
    found = []
    cells = nbformat.read(str(ipynb), as_version=4).cells
    source_cells = [c for c in cells if "injected-parameters" not in c.metadata.get("tags", [])]
    for number, cell in enumerate(source_cells, start=1):  # numbered as in the source notebook
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append((number, f"{out.get('ename')}: {out.get('evalue')}"))
                continue
            text = out.get("data", {}).get("text/html", "")
            for match in _RENDER_ERROR.finditer(text if isinstance(text, str) else "".join(text)):
                plain = html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()
                found.append((number, plain))
    return found


def export_html(ipynb: str | Path, html: str | Path | None = None) -> Path:
    """Export an executed notebook as one standalone HTML page (lab template)."""
    nbconvert = attempt_import("nbconvert", purpose="HTML reports")
    nbformat = attempt_import("nbformat", purpose="HTML reports")
    src = Path(ipynb)
    dest = Path(html) if html else src.with_suffix(".html")
    exporter = nbconvert.HTMLExporter(template_name="lab")
    with warnings.catch_warnings():
        # HoloViews sends empty display updates; nbconvert warns that it cannot show them
        warnings.filterwarnings(
            "ignore", message="Your element with mimetype", category=UserWarning
        )
        body, _ = exporter.from_notebook_node(nbformat.read(src, as_version=4))
    dest.write_text(body, encoding="utf-8")
    return dest


def run_notebook(
    notebook: str | Path,
    parameters: dict[str, Any] | None = None,
    *,
    output_dir: str | Path = "reports",
    html: bool = True,
    kernel_name: str = KERNEL,
    timeout: float | None = 600,
    cwd: str | Path | None = None,
    stem: str | None = None,
) -> NotebookRun:
    """Execute a notebook with papermill and write ``<stem>.ipynb`` (and ``<stem>.html``).

    Parameters
    ----------
    notebook : str or Path
        Path, or name of a notebook in ``notebooks/``.
    parameters : dict, optional
        Values for the notebook's ``parameters`` cell; unknown names raise ConfigError.
    output_dir : str or Path
        Created if missing.
    timeout : float, optional
        Seconds allowed per cell.
    cwd : str or Path, optional
        Working directory of the kernel (default: the notebook's folder).

    Raises
    ------
    NotebookError
        When a cell raises: names the notebook, the cell number and id, the error, and the
        executed copy holding the full traceback.
    """
    papermill = attempt_import("papermill", purpose="running notebooks")
    source = find_notebook(notebook)
    params = dict(parameters or {})
    unknown = set(params) - set(notebook_parameters(source))
    if unknown:
        raise ConfigError(
            f"{source.name} has no parameter(s) {sorted(unknown)}; it takes {sorted(notebook_parameters(source))}"
        )
    out_dir = Path(output_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{stem or output_stem(source, params)}.ipynb"
    t0 = time.perf_counter()
    try:
        papermill.execute_notebook(
            str(source),
            str(out),
            parameters=params,
            kernel_name=kernel_name,
            progress_bar=False,
            cwd=str(cwd or source.parent),
            execution_timeout=timeout,
        )
    except papermill.PapermillExecutionError as err:
        raise _describe_failure(err, source, out) from None
    page = export_html(out) if html else None
    broken = rendered_errors(out)
    if broken:
        number, message = broken[0]
        more = f" (and {len(broken) - 1} more)" if len(broken) > 1 else ""
        raise NotebookError(
            f"notebook {source.name} ran, but cell {number} shows an error instead of its output{more}: "
            f"{message}\n  executed copy: {out}",
            cell=number,
            ename=message.split(":")[0],
            output=out,
        )
    run = NotebookRun(source.name, params, out, page, time.perf_counter() - t0)
    run.extra["metrics"] = recorded_metrics(out)
    return run
