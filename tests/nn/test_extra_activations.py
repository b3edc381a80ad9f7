"""CELU, Softmin, Tanhshrink, Threshold, GLU, PReLU against PyTorch; gradcheck; functional
forms; gumbel_softmax's properties; errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

from .multi_parity import module_gradcheck, module_parity

torch = pytest.importorskip("torch")


def rand(shape, seed=0):
    x = np.random.default_rng(seed).standard_normal(shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)   # keep clear of the kinks for finite differences


CASES = [
    ("CELU", (), {}, (3, 4)),
    ("CELU", (0.5,), {}, (2, 3, 4)),
    ("Softmin", (), dict(dim=1), (3, 5)),
    ("Softmin", (), dict(dim=0), (3, 5)),
    ("Tanhshrink", (), {}, (4, 3)),
    ("Threshold", (0.1, -2.0), {}, (4, 5)),
    ("GLU", (), {}, (3, 6)),
    ("GLU", (), dict(dim=1), (2, 4, 3)),
    ("PReLU", (), {}, (3, 4)),
    ("PReLU", (3,), dict(init=0.1), (2, 3, 4, 2)),
    ("PReLU", (), {}, (5,)),
]


@pytest.mark.parametrize("name,args,options,shape", CASES,
                         ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_activation_matches_torch(name, args, options, shape):
    theirs = getattr(torch.nn, name)(*args, **options)
    with torch.no_grad():       # a learned slope away from its initial value
        for p in theirs.parameters():
            p.copy_(torch.linspace(-0.5, 0.7, p.numel(), dtype=p.dtype))
    module_parity(getattr(nn, name)(*args, **options), theirs, [rand(shape)], torch)


@pytest.mark.parametrize("name,args,options,shape", CASES[::2],
                         ids=[c[0] for c in CASES[::2]])
def test_activation_gradcheck(name, args, options, shape):
    module_gradcheck(getattr(nn, name)(*args, **options), [rand(shape)])


def test_functional_forms_match_torch():
    x = rand((3, 6))
    ours, theirs = sj.tensor(x), torch.tensor(x)
    tf = torch.nn.functional
    pairs = [(F.celu(ours, 2.0), tf.celu(theirs, 2.0)),
             (F.softmin(ours, 1), tf.softmin(theirs, 1)),
             (F.glu(ours, -1), tf.glu(theirs, -1)),
             (F.tanhshrink(ours), tf.tanhshrink(theirs)),
             (F.threshold(ours, 0.3, 7.0), tf.threshold(theirs, 0.3, 7.0)),
             (F.prelu(ours, sj.tensor(np.array([0.2]))),
              tf.prelu(theirs, torch.tensor(np.array([0.2]))))]
    for a, b in pairs:
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-12, atol=1e-14)


def test_gumbel_softmax_samples_the_categorical_distribution():
    sj.manual_seed(0)
    logits = sj.tensor(np.log(np.array([[0.6, 0.3, 0.1]])).repeat(4000, 0), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.numpy().sum(1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, hard=True)
    h = hard.numpy()
    assert set(np.unique(h)) == {0.0, 1.0} and np.all(h.sum(1) == 1)
    np.testing.assert_allclose(h.mean(0), [0.6, 0.3, 0.1], atol=0.03)
    (hard * sj.tensor(np.arange(3.0))).sum().backward()      # straight-through: soft gradient
    assert np.any(logits.grad.numpy() != 0)


def test_activation_errors_name_the_function():
    with pytest.raises(ValueError, match=r"glu: dim -1 must have an even size .* got 5"):
        F.glu(sj.zeros(2, 5))
    with pytest.raises(ValueError, match=r"prelu: weight has 3 slopes but the input \(2, 4\) "
                                         r"has 4 channels"):
        nn.PReLU(3)(sj.zeros(2, 4))
    with pytest.raises(ValueError, match=r"PReLU: num_parameters must be a positive int, got 0"):
        nn.PReLU(0)
    with pytest.raises(ValueError, match="celu: alpha must not be 0"):
        F.celu(sj.zeros(2), 0.0)
