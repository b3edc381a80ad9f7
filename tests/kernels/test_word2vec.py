"""The word2vec SGD kernel (``kernels.word2vec``) against its NumPy reference
(``text.word2vec_sgd.train_batch_reference``): the same random draws, so the same weights
to rounding, for skip-gram and CBOW (mean and sum), negative sampling and hierarchical
softmax, float32 and float64; ``kernels.reference()`` keeps the kernel out."""

import numpy as np
import pytest

from shenjing import kernels
from shenjing.text.word2vec import Word2Vec

from . import parity

pytestmark = pytest.mark.skipif(not kernels.enabled(), reason="kernels are off")
K = kernels.module("word2vec")


def _corpus():
    rng = np.random.default_rng(0)
    return [[f"w{int(x)}" for x in rng.zipf(1.5, size=rng.integers(1, 30)) if x < 40]
            for _ in range(40)]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("sg,negative,hs,cbow_mean", [(1, 3, 0, 1), (1, 0, 1, 1), (1, 2, 1, 1),
                                                      (0, 3, 0, 1), (0, 0, 1, 1), (0, 2, 1, 0)])
def test_kernel_matches_the_reference(dtype, sg, negative, hs, cbow_mean):
    options = dict(vector_size=7, window=3, min_count=1, sg=sg, negative=negative, hs=hs,
                   cbow_mean=cbow_mean, sample=1e-2, epochs=2, batch_words=60, dtype=dtype,
                   seed=5)
    corpus = _corpus()
    with parity.counting(K, "train_batch") as calls:
        fast = Word2Vec(**options)
        fast_history = fast.fit(corpus).train(corpus, epochs=1)
    with kernels.reference():
        slow = Word2Vec(**options)
        slow_history = slow.fit(corpus).train(corpus, epochs=1)
    assert len(calls) > 3
    tol = parity.TOLERANCE[np.dtype(dtype)]
    for name in ("vectors", "output", "hs_output"):
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.dtype == b.dtype == np.dtype(dtype) and a.shape == b.shape
        np.testing.assert_allclose(a, b, **tol)
    assert fast_history[0]["words"] == slow_history[0]["words"]         # the same draws
    np.testing.assert_allclose(fast_history[0]["loss"], slow_history[0]["loss"], rtol=1e-5)
    assert np.abs(fast.vectors - Word2Vec(**options).build_vocab(corpus).vectors).max() > 1e-3


def test_reference_mode_never_calls_the_kernel():
    with parity.counting(K, "train_batch") as calls, kernels.reference():
        Word2Vec(vector_size=4, min_count=1, epochs=1).fit(_corpus())
    assert calls == []


def test_shenjing_kernels_numpy_forces_the_reference():
    import os
    import subprocess
    import sys
    code = ("from shenjing import kernels\n"
            "from shenjing.text import word2vec_sgd\n"
            "from shenjing.text.word2vec import Word2Vec\n"
            "assert kernels.module('word2vec') is None\n"
            "called = []\n"
            "original = word2vec_sgd.train_batch_reference\n"
            "word2vec_sgd.train_batch_reference = lambda *a: called.append(1) or original(*a)\n"
            "Word2Vec(vector_size=4, min_count=1, epochs=1).fit([['a', 'b', 'a', 'c']] * 5)\n"
            "assert called\n")
    env = dict(os.environ, SHENJING_KERNELS="numpy")
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
