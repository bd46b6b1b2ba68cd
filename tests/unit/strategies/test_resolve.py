"""resolve_strategy: the one door from a spec (object, class, name, import path, dict) to
a strategy object."""

import pytest

from ntlab.errors import ConfigError
from ntlab.strategies import (
    available,
    from_dict,
    get,
    resolve_strategy,
    strategy_class,
    strategy_spec,
)
from tests.user_strategies import AboveLevel, SmaCross

PATH = "tests.user_strategies:SmaCross"


def test_registered_name_with_params():
    s = resolve_strategy("momentum", lookback=30)
    assert type(s) is strategy_class("momentum") and s.config.lookback == 30


def test_import_path_with_params_builds_the_users_class():
    s = resolve_strategy(PATH, fast=3, slow=9)
    assert type(s) is SmaCross and (s.config.fast, s.config.slow) == (3, 9)


def test_dict_form_takes_a_name_or_a_path_and_params_override():
    assert resolve_strategy({"strategy": "momentum", "lookback": 40}).config.lookback == 40
    s = resolve_strategy({"strategy": PATH, "fast": 2}, slow=7)
    assert (s.config.fast, s.config.slow) == (2, 7)


def test_class_with_params():
    assert resolve_strategy(SmaCross, fast=4).config.fast == 4


def test_object_is_copied_with_fitted_state_and_never_shared(stocks):
    fitted = AboveLevel().fit(stocks[:200])
    twin = resolve_strategy(fitted)
    assert twin is not fitted and type(twin) is AboveLevel
    assert twin.level_.equals(fitted.level_) and twin.level_ is not fitted.level_
    assert twin.signals(stocks).target.equals(fitted.signals(stocks).target)
    twin.fit(stocks[200:])  # refitting the copy leaves the caller's object alone
    assert not twin.level_.equals(fitted.level_)


def test_object_with_params_is_refused():
    with pytest.raises(ConfigError, match="not both"):
        resolve_strategy(get("momentum"), lookback=3)


def test_unknown_name_lists_the_registered_ones():
    with pytest.raises(ConfigError, match="unknown strategy 'no_such'") as err:
        resolve_strategy("no_such")
    for name in available():
        assert repr(name) in str(err.value)


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("tests.no_such_module:X", "importing module 'tests.no_such_module' failed with ModuleNotFoundError"),
        ("tests.user_strategies:Nope", r"has no attribute 'Nope'; the Strategy classes it defines: \['AboveLevel', 'SmaCross'"),
        ("tests.user_strategies:SmaCrossConfig", "not a subclass of ntlab.strategies.Strategy"),
        ("tests.user_strategies:", "must look like 'package.module:ClassName'"),
    ],
)  # fmt: skip
def test_import_path_failures_say_why(spec, says):
    with pytest.raises(ConfigError, match=says):
        resolve_strategy(spec)


def test_bad_params_and_bad_types_are_config_errors():
    with pytest.raises(ConfigError, match="fast < slow"):
        resolve_strategy(PATH, fast=9, slow=3)
    with pytest.raises(ConfigError, match="got int"):
        resolve_strategy(42)


def test_spec_round_trips_registered_and_user_strategies():
    assert strategy_spec(get("momentum")) == "momentum"
    assert strategy_spec(SmaCross) == PATH
    d = SmaCross(fast=3).to_dict()
    assert d == {"strategy": PATH, "fast": 3, "slow": 20}
    again = from_dict(d)
    assert type(again) is SmaCross and again.config == SmaCross(fast=3).config
