"""binder/ stays in step with pyproject.toml (and the torch pin of constraints.txt)."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
#: Packages of the [test] extra the notebooks need (the parity report's references).
NOTEBOOK_EXTRAS = {"ta-lib", "quantstats", "empyrical-reloaded", "backtrader"}


def _by_name(lines: list[str]) -> dict[str, Requirement]:
    reqs = [Requirement(line) for line in lines]
    return {canonicalize_name(r.name): r for r in reqs}


def _binder() -> dict[str, Requirement]:
    lines = (BINDER / "requirements.txt").read_text().splitlines()
    return _by_name(
        [s for s in (line.strip() for line in lines) if s and not s.startswith(("#", "-"))]
    )


def _pyproject() -> tuple[dict[str, Requirement], dict[str, Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return _by_name(project["dependencies"]), _by_name(project["optional-dependencies"]["test"])


def _pins() -> dict[str, Requirement]:
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return _by_name([s for s in (line.strip() for line in lines) if s and not s.startswith("#")])


def test_every_pyproject_dependency_is_in_binder_with_the_same_specifier():
    deps, _ = _pyproject()
    binder, pins = _binder(), _pins()
    missing = sorted(set(deps) - set(binder))
    assert not missing, f"add to binder/requirements.txt: {missing}"
    for name, req in deps.items():
        want = pins[name].specifier if name in pins else req.specifier
        assert binder[name].specifier == want, (
            f"{name}: binder has {binder[name].specifier}, expected {want}"
        )
        if name in pins:  # the pin must satisfy pyproject's range
            (pinned,) = [s.version for s in pins[name].specifier]
            assert req.specifier.contains(pinned), (
                f"constraints pin {name}=={pinned} is outside pyproject's {req.specifier}"
            )


def test_every_binder_requirement_comes_from_pyproject():
    deps, test_extra = _pyproject()
    binder = _binder()
    extra = sorted(set(binder) - set(deps))
    assert set(extra) == NOTEBOOK_EXTRAS, (
        f"binder lists packages pyproject does not (or misses notebook references): {extra}"
    )
    for name in extra:
        assert name in test_extra and binder[name].specifier == test_extra[name].specifier, name


def test_torch_comes_from_the_cpu_index_and_post_build_installs_ntlab():
    text = (BINDER / "requirements.txt").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    body = post.read_text()
    assert "pip install --no-deps ." in body and "ipykernel install --sys-prefix" in body
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
