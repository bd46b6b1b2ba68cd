"""Streaming == batch, for every registered indicator (the public shared checks)."""

from __future__ import annotations

import pytest

from ntlab.indicators import INDICATORS
from ntlab.indicators._checks import check_stream_equals_batch, check_stream_reset


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_stream_equals_batch(spec):
    # real panel with gaps (symbols joining/leaving inside the year) and punched holes
    check_stream_equals_batch(spec)


@pytest.mark.parametrize("spec", INDICATORS, ids=lambda s: s.name)
def test_stream_reset_and_warmup(spec):
    check_stream_reset(spec)
