"""Embedding(max_norm=...) against PyTorch: the output, the weight after forward (rows
renormalised in place), the weight's gradient, F.embedding, and errors."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

torch = pytest.importorskip("torch")

V, D = 10, 4


def table(seed=0, scale=1.0):
    return np.random.default_rng(seed).standard_normal((V, D)) * scale


def ids():
    return np.array([[1, 3, 3, 7], [0, 9, 3, 1]])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("max_norm,norm_type,padding_idx", [
    (1.0, 2.0, None), (1.5, 1.0, None), (0.7, 3.0, 0), (1.0, float("inf"), None),
    (100.0, 2.0, None),
])
def test_embedding_max_norm_matches_torch(dtype, max_norm, norm_type, padding_idx):
    w = table().astype(dtype)
    ours = nn.Embedding(V, D, padding_idx=padding_idx, max_norm=max_norm, norm_type=norm_type,
                        dtype=dtype)
    theirs = torch.nn.Embedding(V, D, padding_idx=padding_idx, max_norm=max_norm,
                                norm_type=norm_type, dtype=getattr(torch, dtype))
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(w))
    ours.weight.array[...] = w
    version = ours.weight._version
    y_ours = ours(sj.tensor(ids()))
    y_theirs = theirs(torch.tensor(ids()))
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == "float32" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y_ours.numpy(), y_theirs.detach().numpy(), **tol)
    np.testing.assert_allclose(ours.weight.numpy(), theirs.weight.detach().numpy(), **tol)
    assert ours.weight._version == version + 1
    g = np.random.default_rng(1).standard_normal(y_ours.shape).astype(dtype)
    (y_ours * sj.tensor(g)).sum().backward()
    (y_theirs * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(), **tol)
    untouched = np.setdiff1d(np.arange(V), ids())
    np.testing.assert_array_equal(ours.weight.numpy()[untouched], w[untouched])


def test_rows_over_max_norm_are_rescaled_and_others_kept():
    w = table(scale=3.0)
    w[3] *= 0.01                            # a short row stays as it is
    emb = nn.Embedding.from_pretrained(sj.tensor(w), freeze=False, max_norm=2.0)
    emb(sj.tensor(np.array([1, 3, 5])))
    after = emb.weight.numpy()
    for i in (1, 5):
        assert np.linalg.norm(w[i]) > 2.0
        np.testing.assert_allclose(np.linalg.norm(after[i]), 2.0, rtol=1e-6)
        np.testing.assert_allclose(after[i] / np.linalg.norm(after[i]),
                                   w[i] / np.linalg.norm(w[i]), rtol=1e-12)
    np.testing.assert_array_equal(after[3], w[3])
    np.testing.assert_array_equal(after[0], w[0])


def test_functional_embedding_max_norm_matches_torch():
    w = table(seed=2, scale=2.0)
    ours_w, theirs_w = sj.tensor(w.copy()), torch.tensor(w.copy())
    y = F.embedding(sj.tensor(ids()), ours_w, max_norm=1.2)
    t = torch.nn.functional.embedding(torch.tensor(ids()), theirs_w, max_norm=1.2)
    np.testing.assert_allclose(y.numpy(), t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours_w.numpy(), theirs_w.numpy(), rtol=1e-12)


def test_gradcheck_with_max_norm():
    # the renorm itself is not differentiated (as in PyTorch); rows well inside the ball keep
    # it inactive under the finite-difference steps, so the lookup's gradient is checked
    w = sj.tensor(table(scale=0.1), requires_grad=True)
    gradcheck(lambda w: F.embedding(sj.tensor(ids()), w, max_norm=1.0), [w], tol=1e-6)
    emb = nn.Embedding(V, D, max_norm=1.0, dtype="float64")
    emb(sj.tensor(ids()))
    assert np.all(np.linalg.norm(emb.weight.numpy()[ids().ravel()], axis=1) <= 1.0)


def test_renorm_after_use_is_caught_at_backward():
    emb = nn.Embedding(V, D, max_norm=0.5, dtype="float64")
    x = sj.tensor(np.ones((2, V)), requires_grad=True)
    with sj.no_grad():
        frozen = emb.weight.detach()
    y = x @ frozen                          # matmul saves the table for x's gradient
    F.embedding(sj.tensor(np.array([1, 2])), frozen, max_norm=0.5)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.sum().backward()


def test_errors_and_repr():
    with pytest.raises(ValueError, match="Embedding: max_norm must be a positive number, got -1"):
        nn.Embedding(V, D, max_norm=-1)
    with pytest.raises(NotImplementedError, match="scale_grad_by_freq"):
        nn.Embedding(V, D, scale_grad_by_freq=True)
    with pytest.raises(IndexError, match=r"ids must be in \[0, 10\)"):
        nn.Embedding(V, D, max_norm=1.0)(sj.tensor(np.array([10])))
    assert "max_norm=1.0" in repr(nn.Embedding(V, D, max_norm=1.0))
