"""The StartRequest contract the dashboards and issue 9's TradingSession share."""

from __future__ import annotations

import math

import pytest

from ntlab.dashboards.session import set_session_factory, shared_session
from ntlab.errors import ConfigError, UnknownSymbolError
from ntlab.live.api import RISK_LEVELS, validate_start_request

UNIVERSE = ["AAPL", "MSFT", "IBM"]


def _req(**changes):
    return {
        "strategies": ["momentum"],
        "symbols": ["AAPL"],
        "risk_level": "medium",
        "max_position_size": 5000,
        **changes,
    }


def test_a_good_request_is_normalised_with_defaults():
    out = validate_start_request(_req(symbols=[" aapl", "MSFT "]), UNIVERSE)
    assert out == {
        "strategies": ["momentum"],
        "symbols": ["AAPL", "MSFT"],
        "risk_level": "medium",
        "max_position_size": 5000.0,
        "stop_loss_percentage": 0.0,
        "take_profit_percentage": 0.0,
        "use_gpu": False,
    }
    assert list(RISK_LEVELS) == ["low", "medium", "high", "aggressive"]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        ({"symbols": []}, ConfigError, "symbols is empty"),
        ({"symbols": [" ", ""]}, ConfigError, "symbols must be a list of non-blank strings"),
        ({"symbols": ["AAPL", "aapl"]}, ConfigError, "duplicate symbols"),
        ({"symbols": ["AAPL", "ZZZ"]}, UnknownSymbolError, r"unknown symbol\(s\) \['ZZZ'\]"),
        ({"max_position_size": -5}, ConfigError, "max_position_size must be a positive amount"),
        ({"max_position_size": 0}, ConfigError, "max_position_size must be a positive amount"),
        ({"max_position_size": math.nan}, ConfigError, "max_position_size"),
        ({"max_position_size": True}, ConfigError, "max_position_size"),
        ({"max_position_size": None}, ConfigError, "max_position_size"),
        ({"risk_level": "yolo"}, ConfigError, "risk_level 'yolo' is not one of"),
        (
            {"stop_loss_percentage": 1.5},
            ConfigError,
            r"stop_loss_percentage must be a fraction in \[0, 1\)",
        ),
        (
            {"take_profit_percentage": -0.1},
            ConfigError,
            "take_profit_percentage must be a fraction",
        ),
        ({"live": True}, ConfigError, r"unknown field\(s\) \['live'\].*paper only"),
        ({"paper": False}, ConfigError, r"unknown field\(s\) \['paper'\]"),
    ],
)
def test_bad_requests_say_what_is_wrong(changes, error, message):
    with pytest.raises(error, match=message):
        validate_start_request(_req(**changes), UNIVERSE)


def test_shared_session_is_one_object_and_the_factory_is_the_seam():
    class Fake:
        pass

    try:
        set_session_factory(Fake)
        first = shared_session()
        assert isinstance(first, Fake) and shared_session() is first
    finally:
        set_session_factory()
    assert type(shared_session()).__name__ == "TradingSession"  # the default: the real engine
    set_session_factory()
