"""A forecaster's training shows a bar of its steps; progress=False hides it; save keeps no callback."""

from __future__ import annotations

import numpy as np
import pandas as pd

import ntlab._progress as prog
from ntlab.forecast import Forecaster


def _prices(n=160):
    idx = pd.date_range("2020-01-01", periods=n, freq="D", tz="UTC")
    steps = np.random.default_rng(0).normal(0, 0.01, (n, 2))
    return pd.DataFrame(100 * np.exp(np.cumsum(steps, axis=0)), index=idx, columns=["A", "B"])


def test_training_steps_drive_a_bar_and_progress_false_hides_it(monkeypatch, tmp_path):
    made = []
    real = prog.progress_bar
    monkeypatch.setattr(prog, "DELAY_S", 0.0)

    def spy(*args, **kwargs):
        bar = real(*args, **kwargs)
        made.append((bar, bar.disable))
        return bar

    monkeypatch.setattr(prog, "progress_bar", spy)
    fc = Forecaster(model="nhits", h=3, input_size=10, max_steps=12).fit(_prices())
    ((bar, off),) = made
    assert not off and bar.n == bar.total == 12 and "NHITS" in bar.desc
    Forecaster(model="nhits", h=3, input_size=10, max_steps=12).fit(_prices(), progress=False)
    assert made[1][1] is True
    # the callback was attached for the fit only: the fitted model saves and loads
    assert not fc.nf_.models[0].trainer_kwargs.get("callbacks")
    again = Forecaster.load(fc.save(tmp_path / "m"))
    for a, b in zip(again.predict(_prices()), fc.predict(_prices())):
        np.testing.assert_allclose(a.predictions, b.predictions)
