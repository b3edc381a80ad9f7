"""Every layer against PyTorch with copied weights: forward, input and weight gradients."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn

from .parity import assert_parity

torch = pytest.importorskip("torch")


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("dtype,rtol,atol", [("float64", 1e-10, 1e-12), ("float32", 1e-4, 1e-5)])
@pytest.mark.parametrize("make,shape", [
    (lambda m: m.Linear(7, 5), (4, 7)),
    (lambda m: m.Linear(7, 5, bias=False), (2, 3, 7)),
    (lambda m: m.Sequential(m.Linear(6, 8), m.Tanh(), m.Linear(8, 3)), (5, 6)),
    (lambda m: m.LayerNorm(6), (3, 6)),
    (lambda m: m.LayerNorm((2, 6)), (3, 2, 6)),
    (lambda m: m.LayerNorm(6, elementwise_affine=False), (4, 6)),
    (lambda m: m.BatchNorm1d(6), (8, 6)),
    (lambda m: m.BatchNorm1d(4), (5, 4, 3)),
    (lambda m: m.BatchNorm1d(4, affine=False), (5, 4)),
    (lambda m: m.BatchNorm1d(4, track_running_stats=False), (5, 4)),
    (lambda m: m.BatchNorm1d(4, momentum=None), (5, 4)),
    (lambda m: m.BatchNorm2d(3), (4, 3, 5, 2)),
    (lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
    (lambda m: m.GroupNorm(1, 4, affine=False), (3, 4, 2, 2)),
    (lambda m: m.GroupNorm(3, 3), (2, 3, 4, 4)),
    (lambda m: m.InstanceNorm2d(3), (2, 3, 4, 5)),
    (lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True), (2, 3, 4, 5)),
    (lambda m: m.InstanceNorm1d(3, affine=True), (2, 3, 6)),
    (lambda m: m.Flatten(), (2, 3, 4, 5)),
    (lambda m: m.Flatten(0, 1), (2, 3, 4)),
    (lambda m: m.Unflatten(1, (3, 4)), (2, 12)),
    (lambda m: m.Identity(), (3, 3)),
])
def test_layer_parity_in_training(make, shape, dtype, rtol, atol):
    assert_parity(make(nn), make(torch.nn), rand(*shape), dtype, rtol, atol)


@pytest.mark.parametrize("make", [
    lambda m: m.ReLU(), lambda m: m.ReLU6(), lambda m: m.LeakyReLU(0.2), lambda m: m.ELU(0.7),
    lambda m: m.SELU(), lambda m: m.GELU(), lambda m: m.GELU("tanh"), lambda m: m.SiLU(),
    lambda m: m.Mish(), lambda m: m.Softplus(2.0, 5.0), lambda m: m.Sigmoid(), lambda m: m.Tanh(),
    lambda m: m.Hardtanh(-0.5, 0.5), lambda m: m.Softmax(dim=1), lambda m: m.LogSoftmax(dim=0),
    lambda m: m.LogSigmoid(), lambda m: m.Softsign(), lambda m: m.Hardswish(),
])
def test_activation_modules(make):
    assert_parity(make(nn), make(torch.nn), rand(4, 5) * 2, "float64", 1e-9, 1e-11)


def test_batchnorm_eval_uses_running_statistics():
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3).double()
    ours.double()
    for seed in range(3):  # three training batches move the running statistics
        x = rand(10, 3, seed=seed) * 3 + 1
        ours(sj.tensor(x))
        theirs(torch.tensor(x))
    np.testing.assert_allclose(ours.running_mean.numpy(), theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-12)
    assert int(ours.num_batches_tracked.item()) == 3
    ours.eval()
    theirs.eval()
    x = rand(4, 3, seed=9)
    assert_parity(ours, theirs, x, "float64", 1e-10, 1e-12)


def test_embedding_parity_with_padding_and_repeats():
    ids = np.array([[1, 2, 1, 0], [4, 4, 0, 3]])
    ours = nn.Embedding(5, 3, padding_idx=0)
    theirs = torch.nn.Embedding(5, 3, padding_idx=0)
    assert_parity(ours, theirs, ids, "float64", 1e-6, 1e-7)
    assert not np.any(ours.weight.grad.numpy()[0])             # padding row gets no gradient
    assert not np.any(nn.Embedding(5, 3, padding_idx=0).weight.numpy()[0])


def test_embedding_from_pretrained_is_frozen():
    table = sj.randn(4, 2)
    emb = nn.Embedding.from_pretrained(table)
    assert not emb.weight.requires_grad
    assert np.array_equal(emb(sj.tensor([3])).numpy()[0], table.numpy()[3])


def test_dropout_training_and_eval():
    sj.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = sj.ones(200, 200, requires_grad=True)
    y = layer(x)
    kept = y.numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    assert np.allclose(y.numpy()[kept], 1 / 0.75)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.numpy())           # the same mask, scaled
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="p must be"):
        nn.Dropout(1.5)


@pytest.mark.parametrize("make", [lambda m: m.Linear(300, 200), lambda m: m.Embedding(50, 40),
                                  lambda m: m.BatchNorm1d(30), lambda m: m.LayerNorm(30)])
def test_default_initialisation_matches_pytorch_statistics(make):
    sj.manual_seed(0)
    torch.manual_seed(0)
    ours, theirs = dict(make(nn).named_parameters()), dict(make(torch.nn).named_parameters())
    assert ours.keys() == theirs.keys()
    for name, p in ours.items():
        a, b = p.numpy(), theirs[name].detach().numpy()
        assert a.dtype == np.float32 and a.shape == b.shape
        spread = 6 * b.std() / np.sqrt(b.size) + 1e-6   # six standard errors
        assert abs(a.mean() - b.mean()) < spread, name
        assert abs(a.std() - b.std()) < spread, name


def test_linear_default_init_is_bounded_by_one_over_sqrt_fan_in():
    layer = nn.Linear(400, 30)
    bound = 1 / np.sqrt(400)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.numpy()).max() <= bound and np.abs(p.numpy()).max() > 0.95 * bound


def test_batchnorm2d_and_instancenorm_eval_with_running_statistics():
    for make, shape in [(lambda m: m.BatchNorm2d(3), (6, 3, 4, 4)),
                        (lambda m: m.InstanceNorm2d(3, track_running_stats=True), (6, 3, 4, 4))]:
        ours, theirs = make(nn).double(), make(torch.nn).double()
        for seed in range(3):
            x = rand(*shape, seed=seed) * 2 + 0.5
            ours(sj.tensor(x))
            theirs(torch.tensor(x))
        ours.eval()
        theirs.eval()
        assert_parity(ours, theirs, rand(*shape, seed=7), "float64", 1e-9, 1e-11)


def test_normalization_errors_name_the_layer():
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 3 channels"):
        nn.BatchNorm2d(3)(sj.randn(2, 4, 5, 5))
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2-d or 3-d"):
        nn.BatchNorm1d(3)(sj.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="not divisible"):
        nn.GroupNorm(3, 4)
