"""Bilinear, BatchNorm3d and the dropout variants (Dropout1d/2d/3d, AlphaDropout,
FeatureAlphaDropout) against PyTorch and their defining properties."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

from .multi_parity import module_gradcheck, module_parity
from .parity import assert_parity

torch = pytest.importorskip("torch")


def rand(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("lead", [(4,), (2, 3)])
def test_bilinear_matches_torch(bias, lead):
    module_parity(nn.Bilinear(3, 5, 2, bias=bias), torch.nn.Bilinear(3, 5, 2, bias=bias),
                  [rand(lead + (3,)), rand(lead + (5,), 1)], torch)


def test_bilinear_gradcheck_and_init():
    module_gradcheck(nn.Bilinear(2, 3, 2), [rand((3, 2)), rand((3, 3), 1)])
    w = nn.Bilinear(4, 6, 100).weight.numpy()
    assert w.shape == (100, 4, 6) and np.abs(w).max() <= 0.5 and np.abs(w).max() > 0.45


def test_bilinear_errors_name_the_layer():
    layer = nn.Bilinear(3, 5, 2)
    with pytest.raises(ValueError, match=r"bilinear: inputs must be \(\*, 3\) and \(\*, 5\)"):
        layer(sj.zeros(4, 3), sj.zeros(4, 4))
    with pytest.raises(TypeError, match="Bilinear: input dtype"):
        layer(sj.zeros(4, 3, dtype=sj.float64), sj.zeros(4, 5))


@pytest.mark.parametrize("options", [{}, dict(affine=False), dict(momentum=None)], ids=str)
def test_batchnorm3d_matches_torch(options):
    ours, theirs = nn.BatchNorm3d(3, **options), torch.nn.BatchNorm3d(3, **options)
    assert_parity(ours, theirs, rand((2, 3, 2, 3, 2)), rtol=1e-10, atol=1e-12)
    ours.eval(), theirs.eval()
    assert_parity(ours, theirs, rand((2, 3, 2, 2, 2), 1), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match=r"BatchNorm3d: expected 5-d input"):
        ours(sj.zeros(2, 3, 4))


@pytest.mark.parametrize("name,fn,shape", [("Dropout1d", F.dropout1d, (6, 50, 7)),
                                           ("Dropout2d", F.dropout2d, (6, 50, 3, 4)),
                                           ("Dropout3d", F.dropout3d, (6, 50, 2, 2, 3))])
def test_channel_dropout_drops_whole_channels(name, fn, shape):
    sj.manual_seed(0)
    x = sj.tensor(np.ones(shape), requires_grad=True)
    layer = getattr(nn, name)(0.4)
    y = layer(x).numpy()
    per_channel = y.reshape(shape[0], shape[1], -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))       # whole channels
    assert set(np.unique(per_channel)) == {0.0, 1 / 0.6}
    assert abs((per_channel[..., 0] == 0).mean() - 0.4) < 0.06
    layer(x).sum().backward()
    assert set(np.unique(x.grad.numpy())) <= {0.0, 1 / 0.6}
    layer.eval()
    assert layer(x) is x
    assert fn(x, 0.3, training=False) is x
    unbatched = fn(sj.tensor(np.ones(shape[1:])), 0.5).numpy().reshape(shape[1], -1)
    assert np.all(unbatched.min(-1) == unbatched.max(-1))
    with pytest.raises(ValueError, match=rf"{name}: expected a"):
        layer.train()(sj.zeros(*shape[2:]))


def test_alpha_dropout_agrees_with_torch_on_the_affine_map():
    x = rand((4000,))
    sj.manual_seed(0)
    ours = nn.AlphaDropout(0.3)(sj.tensor(x)).numpy()
    theirs = torch.nn.AlphaDropout(0.3)(torch.tensor(x)).numpy()

    def dropped(y):
        """Where y holds its most frequent value: the dropped units."""
        values, counts = np.unique(np.round(y, 10), return_counts=True)
        assert counts.max() > 1000
        return np.round(y, 10) == values[counts.argmax()]
    np.testing.assert_allclose(ours[dropped(ours)][0], theirs[dropped(theirs)][0], rtol=1e-9)
    kept_o, kept_t = ~dropped(ours), ~dropped(theirs)
    slope_o = np.polyfit(x[kept_o], ours[kept_o], 1)
    slope_t = np.polyfit(x[kept_t], theirs[kept_t], 1)
    np.testing.assert_allclose(slope_o, slope_t, rtol=1e-9)
    assert abs(kept_o.mean() - 0.7) < 0.03


def test_alpha_dropout_keeps_selu_statistics_and_gradient():
    sj.manual_seed(1)
    x = sj.tensor(rand((200000,)), requires_grad=True)
    y = F.alpha_dropout(x, 0.2, training=True)
    assert abs(float(y.numpy().mean())) < 0.02 and abs(float(y.numpy().std()) - 1) < 0.02
    y.sum().backward()
    assert len(np.unique(np.round(x.grad.numpy(), 12))) == 2          # a k: 0 or a
    assert F.alpha_dropout(x, 0.2) is x                                 # training=False default
    module = nn.FeatureAlphaDropout(0.5)
    z = module(sj.tensor(rand((3, 40, 5)))).numpy()
    dropped = z.min(-1) == z.max(-1)                                    # whole channels
    assert 0.3 < dropped.mean() < 0.7


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match=r"Dropout2d: p must be in \[0, 1\], got 2"):
        nn.Dropout2d(2)
    with pytest.raises(ValueError, match=r"AlphaDropout: p must be below 1"):
        nn.AlphaDropout(1.0)(sj.zeros(3))
    with pytest.raises(ValueError, match=r"alpha_dropout: p must be a probability in \[0, 1\]"):
        F.alpha_dropout(sj.zeros(3), 1.5, True)


@pytest.mark.parametrize("fn,shape", [(lambda x: F.dropout1d(x, 0.5), (2, 3, 2)),
                                      (lambda x: F.dropout2d(x, 0.5), (2, 3, 2, 2)),
                                      (lambda x: F.dropout3d(x, 0.5), (1, 3, 2, 1, 2)),
                                      (lambda x: F.alpha_dropout(x, 0.3, True), (3, 4)),
                                      (lambda x: F.feature_alpha_dropout(x, 0.3, True), (2, 3, 2))])
def test_dropout_variants_gradcheck(fn, shape):
    def same_mask(x):
        sj.manual_seed(3)           # one mask for every evaluation of the difference quotient
        return fn(x)
    assert gradcheck(same_mask, (sj.tensor(rand(shape), requires_grad=True),))


def test_batchnorm3d_gradcheck():
    layer = nn.BatchNorm3d(2).to(sj.float64)
    module_gradcheck(layer, [rand((2, 2, 2, 2, 3), 4)])    # seed 0 is gradcheck's weighting
