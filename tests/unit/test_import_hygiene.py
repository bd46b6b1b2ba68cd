import subprocess
import sys

from ntlab._optional import HEAVY_MODULES

CODE = """
import sys, time
t0 = time.perf_counter()
import ntlab, ntlab.data, ntlab.strategies, ntlab.risk, ntlab.backtest, ntlab.testing, ntlab.model, ntlab.cli
elapsed = time.perf_counter() - t0
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print(repr((elapsed, heavy)))
"""


def test_import_ntlab_is_light_and_fast():
    out = subprocess.run(
        [sys.executable, "-c", CODE % (HEAVY_MODULES,)], capture_output=True, text=True, check=True
    ).stdout
    elapsed, heavy = eval(out.strip().splitlines()[-1])
    assert heavy == [], f"import ntlab loaded heavy modules: {heavy}"
    assert elapsed < 1.0, f"import took {elapsed:.2f}s"


def test_missing_optional_dependency_names_what_to_install():
    import pytest

    from ntlab._optional import attempt_import
    from ntlab.errors import OptionalDependencyError

    with pytest.raises(OptionalDependencyError, match="pip install 'transformers'"):
        attempt_import("transformers.nonexistent_module_for_test", purpose="FinBERT")
