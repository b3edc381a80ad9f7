"""The device idiom of PyTorch code runs unchanged and lands on the CPU."""

import pytest

import shenjing as torch
from shenjing import nn


def test_device_idiom_selects_cpu():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    assert str(device) == "cpu" and device == "cpu" and device.type == "cpu"
    model = nn.Linear(3, 2).to(device)
    x = torch.randn(4, 3, device=device).to(device)
    assert model(x).shape == (4, 2)
    assert torch.zeros(2, device="cpu").tolist() == [0.0, 0.0]


def test_other_devices_are_refused_clearly():
    with pytest.raises(RuntimeError, match="CPU"):
        torch.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="CPU"):
        nn.Linear(2, 2).to(torch.device("cuda:0"))
    with pytest.raises(RuntimeError, match="expected 'cpu'"):
        torch.device("tpu")


def test_generator_seeds_random_split():
    from shenjing.utils.data import TensorDataset, random_split
    data = TensorDataset(torch.arange(20))
    first = [list(s.indices) for s in random_split(data, [0.5, 0.5],
                                                   generator=torch.Generator().manual_seed(42))]
    again = [list(s.indices) for s in random_split(data, [0.5, 0.5],
                                                   generator=torch.Generator().manual_seed(42))]
    assert first == again and sorted(first[0] + first[1]) == list(range(20))
