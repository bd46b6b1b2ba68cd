"""House rules a newcomer relies on: one home for errors, no hand-written results in docstrings."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import ntlab

PACKAGE = Path(ntlab.__file__).parent


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        yield path, ast.parse(path.read_text())


def test_every_exception_class_lives_in_ntlab_errors():
    outside = []
    for path, tree in _modules():
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases = [ast.unparse(b) for b in node.bases]
                private = node.name.startswith("_")  # a module's own control-flow signal
                if not private and any(b.endswith(("Error", "Exception")) for b in bases):
                    outside.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}")
    assert outside == [], f"define exceptions in ntlab/errors.py: {outside}"


def test_no_strategy_docstring_hard_codes_a_sharpe_ratio():
    pattern = re.compile(r"Sharpe (ratio )?-?\d+\.\d+")
    found = []
    for path, tree in _modules():
        doc = ast.get_docstring(tree) or ""
        for node in ast.walk(tree):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                doc += ast.get_docstring(node) or ""
        if pattern.search(doc):
            found.append(str(path.relative_to(PACKAGE)))
    assert found == [], f"point to the generated results table instead: {found}"


def test_a_strategy_config_names_its_strategy_from_its_own_class_name():
    from ntlab.strategies import available, strategy_class

    for name in available():
        assert strategy_class(name)().config.owner == name


def test_every_strategy_config_documents_each_of_its_fields():
    """numpydoc ``Attributes`` of a config name every field the class itself declares."""
    import dataclasses
    import inspect

    from ntlab.strategies import available, strategy_class

    seen, undocumented = set(), []
    for name in available():
        for cls in type(strategy_class(name)().config).__mro__:
            if cls in seen or not dataclasses.is_dataclass(cls) or not cls.__annotations__:
                continue
            seen.add(cls)
            doc = inspect.getdoc(cls) or ""
            listed = doc.split("Attributes\n----------", 1)[-1] if "Attributes" in doc else ""
            names = {n.strip() for line in listed.splitlines() if " : " in line
                     for n in line.split(" : ")[0].split(",")}  # fmt: skip
            own = [f for f in cls.__annotations__ if not f.startswith("_")]
            undocumented += [f"{cls.__name__}.{f}" for f in own if f not in names]
    assert undocumented == [], f"document these config fields: {undocumented}"
