"""shenjing.accelerator: torch.accelerator's answers on the NumPy backend (none), and with a
CuPy backend that sees a GPU (stood in for by a fake module: no GPU in the tests)."""

import types

import pytest

import shenjing as sj
from shenjing import backend


def test_no_accelerator_on_the_numpy_backend():
    assert sj.accelerator.is_available() is False
    assert sj.accelerator.current_accelerator() is None
    assert sj.accelerator.device_count() == 0
    assert sj.accelerator.current_device_index() == -1
    sj.accelerator.synchronize()                            # nothing to wait for


def test_the_pytorch_examples_idioms_pick_the_cpu():
    use_accel = sj.accelerator.is_available()
    device = sj.accelerator.current_accelerator() if use_accel else sj.device("cpu")
    assert device == sj.device("cpu")
    acc = sj.accelerator.current_accelerator()
    assert (acc.type if acc else "cpu") == "cpu"
    assert sj.ones(2).to(device).shape == (2,)


def _fake_cupy(count):
    runtime = types.SimpleNamespace(getDeviceCount=lambda: count, getDevice=lambda: 0)
    return types.SimpleNamespace(__name__="cupy", cuda=types.SimpleNamespace(runtime=runtime))


@pytest.mark.parametrize("count", [0, 2])
def test_a_cupy_backend_with_gpus_is_an_accelerator(monkeypatch, count):
    monkeypatch.setattr(backend, "_xp", _fake_cupy(count))
    assert sj.accelerator.device_count() == count
    assert sj.accelerator.is_available() is (count > 0)
    acc = sj.accelerator.current_accelerator()
    if count:
        assert acc == sj.device("cuda") and acc.type == "cuda"
        assert sj.accelerator.current_device_index() == 0
    else:
        assert acc is None
