"""nn.functional's own adapters (one_hot, normalize, cosine_similarity, pad) against PyTorch."""

import numpy as np
import pytest

import shenjing as sj
import shenjing.nn.functional as F


def test_one_hot():
    out = F.one_hot(sj.tensor([0, 2, 1]), 4)
    assert out.dtype == sj.int64 and out.tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 1, 0, 0]]
    assert F.one_hot(sj.tensor([[1], [3]])).shape == (2, 1, 4)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        F.one_hot(sj.tensor([3]), 3)


def test_normalize_and_cosine_similarity_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    x = sj.tensor(a, requires_grad=True)
    tx = torch.tensor(a, requires_grad=True)
    y, ty = F.normalize(x, dim=1), torch.nn.functional.normalize(tx, dim=1)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-10)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-8, atol=1e-12)
    c = F.cosine_similarity(sj.tensor(a), sj.tensor(b))
    tc = torch.nn.functional.cosine_similarity(torch.tensor(a), torch.tensor(b))
    np.testing.assert_allclose(c.numpy(), tc.numpy(), rtol=1e-10)


def test_softmax_default_dim_and_dropout_eval():
    x = sj.randn(2, 3)
    assert np.allclose(F.softmax(x, dim=1).sum(1).numpy(), 1)
    assert F.dropout(x, 0.5, training=False) is x
