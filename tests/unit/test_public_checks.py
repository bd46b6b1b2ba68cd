"""ntlab.testing's pytest helper applies every shared check to a user's own objects."""

from __future__ import annotations

import pytest

from ntlab.errors import CheckError, ConfigError
from ntlab.strategies import Momentum
from ntlab.testing import parametrize_with_checks

MARK = parametrize_with_checks(Momentum(), "rsi")


@MARK
def test_user_objects_pass_every_check(obj, check):
    check(obj)


def test_the_helper_lists_each_check_by_name():
    ids = [p.id for p in MARK.args[1]]
    assert ids[:2] == ["momentum-check_strategy", "momentum-check_stream"]
    assert "rsi-check_stream_equals_batch" in ids and "rsi-check_bad_parameters" in ids


def test_the_helper_refuses_other_objects():
    with pytest.raises(ConfigError, match="strategy instances and indicators"):
        parametrize_with_checks(42)
    with pytest.raises(ConfigError, match="unknown indicator"):
        parametrize_with_checks("no_such_indicator")


def test_check_error_is_an_assertion_error():
    assert issubclass(CheckError, AssertionError)
