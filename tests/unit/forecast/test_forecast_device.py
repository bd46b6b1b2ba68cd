"""Device and precision selection; the CUDA run (skipped without a GPU)."""

import copy

import numpy as np
import pytest

from ntlab.errors import ConfigError
from ntlab.forecast import Forecaster
from ntlab.forecast._device import resolve_device, resolve_precision, torch_threads

torch = pytest.importorskip("torch")
HAS_CUDA = torch.cuda.is_available()


def test_auto_picks_cuda_exactly_when_torch_sees_a_gpu(monkeypatch):
    assert resolve_device("auto") == ("cuda" if HAS_CUDA else "cpu")
    assert Forecaster(device="auto").device == ("cuda" if HAS_CUDA else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu" and resolve_device("cpu") == "cpu"
    with pytest.raises(ConfigError, match="torch sees no CUDA GPU"):
        resolve_device("cuda")


def test_precision_is_mixed_on_gpus_and_full_on_the_cpu(monkeypatch):
    assert resolve_precision("auto", "cpu") == "32-true"
    with pytest.raises(ConfigError, match="needs a GPU"):
        resolve_precision("bf16-mixed", "cpu")
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)
    assert resolve_precision("auto", "cuda") == "bf16-mixed"
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: False)
    assert resolve_precision("auto", "cuda") == "16-mixed"
    assert resolve_precision("32-true", "cuda") == "32-true"


def test_thread_setting_is_restored():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_the_chosen_device_is_reported(fitted, prices):
    assert fitted.device_ == "cpu" and fitted.precision_ == "32-true"
    assert {o.to_dict()["device"] for o in fitted.predict(prices)} == {"cpu"}


@pytest.mark.gpu
@pytest.mark.skipif(not HAS_CUDA, reason="no CUDA GPU (torch.cuda.is_available() is False)")
def test_cuda_fit_predict_save_load(prices, tiny, tmp_path):
    fc = Forecaster(tiny("nhits", device="cuda")).fit(prices)
    assert fc.device_ == "cuda" and fc.precision_ in ("bf16-mixed", "16-mixed")
    outputs = fc.predict(prices)
    assert {o.device for o in outputs} == {"cuda"}
    for o in outputs:
        assert (o.lower <= o.predictions).all() and (o.predictions <= o.upper).all()
    points = np.array([o.predictions for o in outputs])
    slow = copy.copy(fc)  # the same fitted network, predicting through neuralforecast
    slow.config = fc.config.replace(fast_predict=False)
    np.testing.assert_allclose(points, [o.predictions for o in slow.predict(prices)], rtol=1e-3)
    loaded = Forecaster.load(fc.save(tmp_path / "gpu"))
    assert loaded.device == "cuda"
    np.testing.assert_array_equal(points, [o.predictions for o in loaded.predict(prices)])
    on_cpu = Forecaster.load(tmp_path / "gpu", device="cpu")
    assert on_cpu.device == "cpu"
    np.testing.assert_allclose(points, [o.predictions for o in on_cpu.predict(prices)], rtol=1e-2)
