"""nn.utils: gradient clipping and parameter vectors, against PyTorch."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn


def params_with_grads(scale, torch=None):
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) * scale for s in [(3, 4), (4,), (2, 2)]]
    grads = [rng.standard_normal(s) * scale for s in [(3, 4), (4,), (2, 2)]]
    ours = []
    for a, g in zip(arrays, grads):
        p = nn.Parameter(sj.tensor(a.astype(np.float32)))
        p.grad = sj.tensor(g.astype(np.float32))
        ours.append(p)
    theirs = []
    if torch is not None:
        for a, g in zip(arrays, grads):
            p = torch.nn.Parameter(torch.tensor(a.astype(np.float32)))
            p.grad = torch.tensor(g.astype(np.float32))
            theirs.append(p)
    return ours, theirs


@pytest.mark.parametrize("max_norm,norm_type", [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0),
                                                (0.3, float("inf"))])
def test_clip_grad_norm_matches_pytorch(max_norm, norm_type):
    torch = pytest.importorskip("torch")
    ours, theirs = params_with_grads(3.0, torch)
    total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-5)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-7)
        assert p.grad.dtype == sj.float32


def test_clip_grad_norm_error_if_nonfinite():
    ours, _ = params_with_grads(1.0)
    ours[0].grad.array[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="error_if_nonfinite"):
        nn.utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    ours, _ = params_with_grads(3.0)
    nn.utils.clip_grad_value_(ours, 0.5)
    assert all(np.abs(p.grad.numpy()).max() <= 0.5 for p in ours)


def test_parameters_to_vector_and_back():
    ours, _ = params_with_grads(1.0)
    vec = nn.utils.parameters_to_vector(ours)
    assert vec.shape == (12 + 4 + 4,)
    nn.utils.vector_to_parameters(vec * 2, ours)
    assert np.allclose(nn.utils.parameters_to_vector(ours).numpy(), vec.numpy() * 2)
    with pytest.raises(ValueError, match="holds|hold"):
        nn.utils.vector_to_parameters(sj.zeros(3), ours)
