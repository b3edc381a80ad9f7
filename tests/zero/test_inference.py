"""FoldedNet: batch norm folded into the convs, NumPy only, matches the module in eval mode."""

import pickle

import numpy
import pytest

import shenjing
from shenjing.zero.inference import FoldedNet, evaluator, fold_batch_norm
from shenjing.zero.network import PolicyValueNet

from .test_network import BOARDS, randomize_batch_norms


def random_net(planes, rows, cols, actions, seed, blocks=2, filters=16):
    shenjing.manual_seed(seed)
    net = PolicyValueNet(planes, rows, cols, actions, blocks=blocks, filters=filters)
    randomize_batch_norms(net, numpy.random.default_rng(seed))
    return net.eval()


def reference(net, planes):
    """The module's own eval-mode forward: (logits, values) as arrays."""
    with shenjing.no_grad():
        logits, values = net(shenjing.tensor(planes))
    return logits.numpy(), values.numpy()


@pytest.mark.parametrize("planes, rows, cols, actions", BOARDS)
@pytest.mark.parametrize("batch", [1, 16])
def test_folded_matches_the_module(planes, rows, cols, actions, batch):
    net = random_net(planes, rows, cols, actions, seed=rows * cols + batch)
    folded = FoldedNet.from_module(net)
    rng = numpy.random.default_rng(batch)
    x = (rng.random((batch, planes, rows, cols)) < 0.4).astype(numpy.float32)
    logits, values = reference(net, x)
    got_logits, got_values = folded.forward(x)
    scale = numpy.abs(logits).max()
    numpy.testing.assert_allclose(got_logits, logits, atol=1e-4 * scale, rtol=0)
    numpy.testing.assert_allclose(got_values, values, atol=1e-4, rtol=0)
    priors, values2 = folded(x)
    ref_priors, ref_values = evaluator(net)(x)
    numpy.testing.assert_allclose(priors, ref_priors, atol=1e-5, rtol=1e-4)
    numpy.testing.assert_allclose(values2, ref_values, atol=1e-4, rtol=0)
    numpy.testing.assert_allclose(priors.sum(axis=1), 1, rtol=1e-5)
    if batch > 1:   # the test is not trivial: the outputs differ from sample to sample
        assert values.std() > 1e-4 and logits.std(axis=0).max() > 1e-3


def test_folded_returns_float32_arrays_and_no_graph():
    net = random_net(3, 3, 3, 9, seed=7)
    folded = FoldedNet.from_module(net)
    x = numpy.zeros((4, 3, 3, 3), numpy.float64)            # any float input is accepted
    priors, values = folded(x)
    for a, shape in [(priors, (4, 9)), (values, (4,))]:
        assert type(a) is numpy.ndarray and a.dtype == numpy.float32 and a.shape == shape
    assert numpy.all(numpy.abs(values) <= 1)
    for array in [folded.stem[0], folded.stem[1], *folded.heads, *folded.head_linear]:
        assert type(array) is numpy.ndarray and array.dtype == numpy.float32
    # later calls reuse the work buffers but never hand them out
    priors2, _ = folded(numpy.ones((4, 3, 3, 3), numpy.float32))
    assert not numpy.shares_memory(priors, priors2)
    numpy.testing.assert_array_equal(priors, folded(x)[0])


def test_folded_is_a_snapshot_and_pickles():
    net = random_net(2, 6, 7, 7, seed=8)
    folded = FoldedNet.from_module(net)
    x = numpy.random.default_rng(0).random((3, 2, 6, 7)).astype(numpy.float32)
    before = folded(x)
    net.stem[0].weight.array[...] = 0                       # the module changes afterwards
    copy = pickle.loads(pickle.dumps(folded))
    for a, b in zip(before, copy(x)):
        numpy.testing.assert_array_equal(a, b)


def test_fold_formula():
    net = random_net(3, 3, 3, 9, seed=9)
    conv, bn = net.stem[0], net.stem[1]
    w, b = fold_batch_norm(conv, bn)
    s = bn.weight.numpy() / numpy.sqrt(bn.running_var.numpy() + bn.eps)
    numpy.testing.assert_allclose(w, conv.weight.numpy() * s[:, None, None, None], rtol=1e-6)
    numpy.testing.assert_allclose(b, bn.bias.numpy() - bn.running_mean.numpy() * s,
                                  rtol=1e-6, atol=1e-7)


def test_wrong_board_is_refused():
    folded = FoldedNet.from_module(random_net(2, 6, 7, 7, seed=10))
    with pytest.raises(ValueError, match=r"expected planes \(B, 2, 6, 7\)"):
        folded(numpy.zeros((1, 2, 7, 6), numpy.float32))


@pytest.mark.parametrize("batch", [2, 5, 16])
def test_a_batch_split_over_the_cores_equals_one_position_at_a_time(batch):
    net = random_net(3, 6, 7, 7, seed=batch)
    folded = FoldedNet.from_module(net)
    x = (numpy.random.default_rng(batch).random((batch, 3, 6, 7)) < 0.4).astype(numpy.float32)
    logits, values = folded.forward(x)
    one = [folded.forward(x[i:i + 1]) for i in range(batch)]
    numpy.testing.assert_allclose(logits, numpy.concatenate([l for l, _ in one]), atol=1e-5)
    numpy.testing.assert_allclose(values, numpy.concatenate([v for _, v in one]), atol=1e-6)
