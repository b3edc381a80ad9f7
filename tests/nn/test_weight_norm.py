"""weight_norm and spectral_norm against PyTorch's (same parameter and buffer names, same
forward, gradients of g, v / weight_orig, and power-iteration buffers), gradcheck, removal,
errors."""

import warnings

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck

from .multi_parity import module_parity

torch = pytest.importorskip("torch")


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.fixture(autouse=True)
def quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)   # torch's old weight_norm is deprecated
        yield


@pytest.mark.parametrize("make,shape", [(lambda m: m.Linear(4, 3), (5, 4)),
                                        (lambda m: m.Conv2d(2, 3, 3), (2, 2, 5, 5))])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_matches_torch(make, shape, dim):
    ours = nn.utils.weight_norm(make(nn), dim=dim)
    theirs = torch.nn.utils.weight_norm(make(torch.nn), dim=dim)
    assert sorted(dict(ours.named_parameters())) == sorted(dict(theirs.named_parameters()))
    module_parity(ours, theirs, [rand(shape)], torch)


def test_weight_norm_gradcheck_and_removal():
    layer = nn.utils.weight_norm(nn.Linear(3, 2)).to(sj.float64)
    x = sj.tensor(rand((4, 3)))
    assert gradcheck(lambda g, v: layer(x), (layer.weight_g, layer.weight_v))
    norms = np.linalg.norm(layer.weight.numpy(), axis=1)
    np.testing.assert_allclose(norms, np.abs(layer.weight_g.numpy().ravel()), rtol=1e-12)
    before = layer(x).numpy()
    nn.utils.remove_weight_norm(layer)
    assert sorted(dict(layer.named_parameters())) == ["bias", "weight"]
    np.testing.assert_allclose(layer(x).numpy(), before, rtol=1e-12)


@pytest.mark.parametrize("make,shape", [(lambda m: m.Linear(5, 4), (3, 5)),
                                        (lambda m: m.Conv2d(2, 3, 3), (2, 2, 5, 5)),
                                        (lambda m: m.ConvTranspose2d(3, 2, 2), (1, 3, 3, 3))])
def test_spectral_norm_matches_torch_step_after_step(make, shape):
    ours = nn.utils.spectral_norm(make(nn), n_power_iterations=2)
    theirs = torch.nn.utils.spectral_norm(make(torch.nn), n_power_iterations=2)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    module_parity(ours, theirs, [rand(shape)], torch)
    for step in range(3):       # the power-iteration buffers move as torch's do
        ours.zero_grad(), theirs.zero_grad()
        out = ours(sj.tensor(rand(shape, step + 1)))
        expected = theirs(torch.tensor(rand(shape, step + 1)))
        np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-9, atol=1e-11)
        for name, b in ours.named_buffers():
            np.testing.assert_allclose(b.numpy(), dict(theirs.named_buffers())[name].numpy(),
                                       rtol=1e-9, atol=1e-12)
    ours.eval(), theirs.eval()
    module_parity(ours, theirs, [rand(shape, 9)], torch)


def test_spectral_norm_makes_the_largest_singular_value_one():
    sj.manual_seed(0)
    layer = nn.utils.spectral_norm(nn.Linear(8, 6), n_power_iterations=30).to(sj.float64)
    for _ in range(5):
        layer(sj.tensor(rand((2, 8))))
    assert abs(np.linalg.svd(layer.weight.numpy(), compute_uv=False)[0] - 1) < 1e-10
    orig = layer.weight_orig
    layer.eval()
    assert gradcheck(lambda w: layer(sj.tensor(rand((3, 8)))), (orig,))
    nn.utils.remove_spectral_norm(layer)
    assert sorted(dict(layer.named_parameters())) == ["bias", "weight"]


def test_norm_errors():
    with pytest.raises(ValueError, match=r"weight_norm: ReLU has no parameter 'weight'"):
        nn.utils.weight_norm(nn.ReLU())
    layer = nn.utils.weight_norm(nn.Linear(2, 2))
    with pytest.raises(RuntimeError, match="already has weight norm"):
        nn.utils.weight_norm(layer)
    with pytest.raises(ValueError, match=r"spectral_norm: n_power_iterations must be positive"):
        nn.utils.spectral_norm(nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(ValueError, match=r"remove_spectral_norm: spectral_norm of 'weight' not "
                                         r"found in Linear"):
        nn.utils.remove_spectral_norm(nn.Linear(2, 2))


@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrizations_weight_norm_matches_torch(dim):
    ours = nn.utils.parametrizations.weight_norm(nn.Conv1d(3, 4, 2), dim=dim)
    theirs = torch.nn.utils.parametrizations.weight_norm(torch.nn.Conv1d(3, 4, 2), dim=dim)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    module_parity(ours, theirs, [rand((2, 3, 5))], torch)
    g = ours.parametrizations.weight.original0
    v = ours.parametrizations.weight.original1
    x = sj.tensor(rand((2, 3, 5), 1))
    assert gradcheck(lambda g_, v_: ours(x), (g, v))
