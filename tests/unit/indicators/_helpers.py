"""Shared helpers of the indicator tests: the library's own check helpers (one definition)."""

from ntlab.indicators._checks import assert_same, benchmark, holes, role_inputs, sample
from ntlab.indicators.registry import call_outputs as as_tuple

SAMPLES = ("stocks", "indices", "sp500_1y")

__all__ = ["SAMPLES", "as_tuple", "assert_same", "benchmark", "holes", "role_inputs", "sample"]
