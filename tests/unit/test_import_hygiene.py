import subprocess
import sys

import pytest

from ntlab._optional import HEAVY_MODULES

CODE = """
import sys, time
t0 = time.perf_counter()
import ntlab
bare = time.perf_counter() - t0
import numpy, pandas, numba, scipy.stats  # the numeric base every user of ntlab loads anyway
t1 = time.perf_counter()
import ntlab.data, ntlab.strategies, ntlab.risk, ntlab.backtest, ntlab.testing, ntlab.model, ntlab.cli
import ntlab.indicators, ntlab.sentiment, ntlab.execution
own = time.perf_counter() - t1
heavy = sorted({m.split('.')[0] for m in sys.modules} & set(%r))
print(repr((bare, own, heavy)))
"""


def test_import_ntlab_is_light_and_fast():
    out = subprocess.run(
        [sys.executable, "-c", CODE % (HEAVY_MODULES,)], capture_output=True, text=True, check=True
    ).stdout
    bare, own, heavy = eval(out.strip().splitlines()[-1])
    assert heavy == [], f"importing ntlab loaded heavy modules: {heavy}"
    assert bare < 0.5, f"import ntlab took {bare:.2f}s"
    # ntlab's own modules on top of numpy/pandas/numba/scipy (cached numba kernels load lazily)
    assert own < 1.0, f"ntlab's subpackages took {own:.2f}s beyond the numeric base"


def test_missing_optional_dependency_names_what_to_install():
    from ntlab._optional import attempt_import
    from ntlab.errors import OptionalDependencyError

    with pytest.raises(OptionalDependencyError, match="pip install 'transformers'"):
        attempt_import("transformers.nonexistent_module_for_test", purpose="FinBERT")
