"""keras.losses: Keras's documented values, hand-computed cases, PyTorch parity where the
two agree, gradients through shenjing's autograd, sample weights, lookup by name."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import gradcheck
from shenjing.keras import losses

EPS = 1e-7
Y2 = [[0.05, 0.95, 0.0], [0.1, 0.8, 0.1]]     # the probabilities of Keras's docstrings


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def value(t):
    return float(t.item())


def rng():
    return np.random.default_rng(0)


# ------------------------------------------------------------------ Keras's documented values


def test_sparse_categorical_crossentropy_keras_docstring():
    scce = losses.SparseCategoricalCrossentropy()
    assert value(scce([1, 2], Y2)) == pytest.approx(1.177, abs=1e-3)
    assert value(scce([1, 2], Y2, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(
        0.814, abs=1e-3)
    assert value(losses.SparseCategoricalCrossentropy(reduction="sum")([1, 2], Y2)) == \
        pytest.approx(2.354, abs=1e-3)
    per_sample = losses.SparseCategoricalCrossentropy(reduction=None)([1, 2], Y2)
    np.testing.assert_allclose(per_sample.numpy(), [0.0513, 2.303], atol=1e-3)
    np.testing.assert_allclose(losses.sparse_categorical_crossentropy([1, 2], Y2).numpy(),
                               [0.0513, 2.303], atol=1e-3)


def test_categorical_crossentropy_keras_docstring():
    cce = losses.CategoricalCrossentropy()
    y_true = [[0, 1, 0], [0, 0, 1]]
    assert value(cce(y_true, Y2)) == pytest.approx(1.177, abs=1e-3)
    assert value(cce(y_true, Y2, sample_weight=np.array([0.3, 0.7]))) == pytest.approx(
        0.814, abs=1e-3)
    assert value(losses.CategoricalCrossentropy(reduction="sum")(y_true, Y2)) == \
        pytest.approx(2.354, abs=1e-3)


def test_binary_crossentropy_keras_docstring():
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert value(bce([0, 1, 0, 0], [-18.6, 0.51, 2.94, -12.8])) == pytest.approx(0.8654,
                                                                                   abs=1e-4)
    y_true, y_pred = [[0, 1], [0, 0]], [[-18.6, 0.51], [2.94, -12.8]]
    assert value(bce(y_true, y_pred)) == pytest.approx(0.8654, abs=1e-4)
    assert value(bce(y_true, y_pred, sample_weight=[0.8, 0.2])) == pytest.approx(0.243, abs=1e-3)
    assert value(losses.BinaryCrossentropy(from_logits=True, reduction="sum")(
        y_true, y_pred)) == pytest.approx(1.730, abs=1e-3)
    np.testing.assert_allclose(losses.BinaryCrossentropy(from_logits=True, reduction=None)(
        y_true, y_pred).numpy(), [0.235, 1.496], atol=1e-3)
    np.testing.assert_allclose(losses.binary_crossentropy(
        [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]]).numpy(), [0.916, 0.714], atol=1e-3)


def test_huber_keras_docstring():
    per_sample = losses.huber([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])
    assert value(per_sample.mean()) == pytest.approx(0.155, abs=1e-3)
    assert value(losses.Huber()([[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]])) == \
        pytest.approx(0.155, abs=1e-3)


# ------------------------------------------------------------------ hand-computed values


def test_crossentropy_from_probabilities_renormalises_and_clips():
    # rows that do not sum to 1 are normalised; a probability of 0 is clipped to 1e-7
    y_pred = np.array([[2.0, 6.0, 0.0], [1.0, 1.0, 0.0]])
    got = losses.sparse_categorical_crossentropy([1, 2], y_pred).numpy()
    np.testing.assert_allclose(got, [-np.log(0.75), -np.log(EPS)], rtol=1e-12)
    onehot = np.eye(3)[[1, 2]]
    np.testing.assert_allclose(losses.categorical_crossentropy(onehot, y_pred).numpy(), got,
                               rtol=1e-12)


def test_label_smoothing_by_hand():
    p = np.array([[0.2, 0.7, 0.1]])
    t = np.array([[0.0, 1.0, 0.0]])
    smooth = t * 0.7 + 0.3 / 3
    want = -(smooth * np.log(p)).sum()
    got = losses.CategoricalCrossentropy(label_smoothing=0.3)(t, p)
    assert value(got) == pytest.approx(want, rel=1e-12)
    logits = np.log(p) + 1.5                  # same softmax
    got = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.3)(t, logits)
    assert value(got) == pytest.approx(want, rel=1e-10)
    # binary smoothing squeezes towards 0.5: t (1 - s) + s / 2
    q = np.array([[0.9, 0.2]])
    tb = np.array([[1.0, 0.0]])
    ts = tb * 0.8 + 0.1
    want = -(ts * np.log(q) + (1 - ts) * np.log(1 - q)).mean()
    assert value(losses.BinaryCrossentropy(label_smoothing=0.2)(tb, q)) == pytest.approx(
        want, rel=1e-12)


def test_regression_losses_by_hand():
    y_true = np.array([[0.0, 2.0], [1.0, -1.0]])
    y_pred = np.array([[0.5, 0.0], [1.0, 2.0]])
    e = y_pred - y_true
    assert value(losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx((e ** 2).mean())
    assert value(losses.MeanAbsoluteError()(y_true, y_pred)) == pytest.approx(abs(e).mean())
    h = np.where(abs(e) <= 1.5, 0.5 * e ** 2, 1.5 * abs(e) - 0.5 * 1.5 ** 2)
    assert value(losses.Huber(delta=1.5)(y_true, y_pred)) == pytest.approx(h.mean())
    np.testing.assert_allclose(losses.mse(y_true, y_pred).numpy(), (e ** 2).mean(axis=1))


def test_kl_divergence_hinge_by_hand():
    t = np.array([[0.5, 0.5, 0.0]])
    p = np.array([[0.25, 0.5, 0.25]])
    tc, pc = np.clip(t, EPS, 1), np.clip(p, EPS, 1)
    assert value(losses.KLDivergence()(t, p)) == pytest.approx((tc * np.log(tc / pc)).sum())
    labels, scores = np.array([[0, 1, 1]]), np.array([[0.3, 0.4, 2.0]])
    pm = 2 * labels - 1      # 0/1 labels become -1/1
    want = np.maximum(1 - pm * scores, 0).mean()
    assert value(losses.get("hinge")(labels, scores)) == pytest.approx(want)
    onehot = np.array([[0.0, 1.0, 0.0]])
    want = max(0.0, 2.0 - 0.4 + 1)
    assert value(losses.get("categorical_hinge")(onehot, scores)) == pytest.approx(want)


def test_sparse_labels_of_shape_n1_and_sequences():
    r = rng()
    logits = r.standard_normal((4, 3))
    y = np.array([0, 2, 1, 2])
    a = value(losses.SparseCategoricalCrossentropy(from_logits=True)(y, logits))
    b = value(losses.SparseCategoricalCrossentropy(from_logits=True)(y[:, None], logits))
    assert a == pytest.approx(b)
    seq = r.standard_normal((2, 5, 3))
    labels = r.integers(0, 3, (2, 5))
    per_step = losses.sparse_categorical_crossentropy(labels, seq, from_logits=True)
    assert per_step.shape == (2, 5)
    lse = np.log(np.exp(seq).sum(-1))
    want = lse - np.take_along_axis(seq, labels[..., None], -1)[..., 0]
    np.testing.assert_allclose(per_step.numpy(), want, rtol=1e-12)
    # per-sample weights (2,) of a per-step loss (2, 5) weight every step of the sample
    w = np.array([1.0, 0.0])
    got = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, seq, sample_weight=w)
    assert value(got) == pytest.approx(want[0].sum() / 10)


def test_binary_crossentropy_matches_n_with_n1():
    # Keras matches y_true (N,) to y_pred (N, 1) instead of broadcasting to (N, N)
    y_true = np.array([1, 0, 1])
    y_pred = np.array([[0.9], [0.2], [0.4]])
    per_sample = losses.binary_crossentropy(y_true, y_pred)
    assert per_sample.shape == (3,)
    want = -np.log([0.9, 0.8, 0.4])
    np.testing.assert_allclose(per_sample.numpy(), want, rtol=1e-12)
    assert value(losses.BinaryCrossentropy()(y_true, y_pred)) == pytest.approx(want.mean())
    assert value(losses.BinaryCrossentropy()(y_true[:, None], y_pred[:, 0])) == pytest.approx(
        want.mean())


def test_reductions_and_sample_weight():
    y, p = np.array([0, 1, 1]), np.array([[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]])
    per = -np.log([0.9, 0.5, 0.8])
    w = np.array([2.0, 0.0, 1.0])
    get = lambda r: value(losses.SparseCategoricalCrossentropy(reduction=r)(  # noqa: E731
        y, p, sample_weight=w))
    # sum_over_batch_size divides by the number of samples, not the sum of the weights
    assert get("sum_over_batch_size") == pytest.approx((w * per).sum() / 3)
    assert get("sum") == pytest.approx((w * per).sum())
    assert get("mean_with_sample_weight") == pytest.approx((w * per).sum() / w.sum())
    column = losses.SparseCategoricalCrossentropy()(y, p, sample_weight=w[:, None])
    assert value(column) == pytest.approx((w * per).sum() / 3)


# ------------------------------------------------------------------ PyTorch parity


def test_from_logits_crossentropies_match_torch(torch):
    F = torch.nn.functional
    r = rng()
    logits = r.standard_normal((6, 5)) * 3
    labels = r.integers(0, 5, 6)
    got = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    want = F.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    assert value(got) == pytest.approx(want.item(), rel=1e-12)
    soft = np.exp(r.standard_normal((6, 5)))
    soft /= soft.sum(1, keepdims=True)
    got = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(soft, logits)
    want = F.cross_entropy(torch.tensor(logits), torch.tensor(soft), label_smoothing=0.1)
    assert value(got) == pytest.approx(want.item(), rel=1e-12)
    targets = (r.random((6, 4)) > 0.5).astype(float)
    x = r.standard_normal((6, 4)) * 4
    got = losses.BinaryCrossentropy(from_logits=True)(targets, x)
    want = F.binary_cross_entropy_with_logits(torch.tensor(x), torch.tensor(targets))
    assert value(got) == pytest.approx(want.item(), rel=1e-12)


def test_regression_losses_match_torch(torch):
    F = torch.nn.functional
    r = rng()
    t, p = r.standard_normal((5, 3)), r.standard_normal((5, 3)) * 2
    tt, tp = torch.tensor(t), torch.tensor(p)
    assert value(losses.get("mse")(t, p)) == pytest.approx(F.mse_loss(tp, tt).item())
    assert value(losses.get("mae")(t, p)) == pytest.approx(F.l1_loss(tp, tt).item())
    assert value(losses.Huber(delta=0.7)(t, p)) == pytest.approx(
        F.huber_loss(tp, tt, delta=0.7).item())


def test_logit_gradients_match_torch(torch):
    r = rng()
    logits = r.standard_normal((4, 3))
    labels = np.array([2, 0, 1, 1])
    x = sj.tensor(logits, requires_grad=True)
    losses.SparseCategoricalCrossentropy(from_logits=True)(labels, x).backward()
    tx = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(tx, torch.tensor(labels)).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


# ------------------------------------------------------------------ gradients


GRAD_CASES = {
    "sparse_probs": lambda r: (losses.SparseCategoricalCrossentropy(), r.integers(0, 4, 5),
                               r.uniform(0.1, 1.0, (5, 4))),
    "sparse_logits": lambda r: (losses.SparseCategoricalCrossentropy(from_logits=True),
                                r.integers(0, 4, 5), r.standard_normal((5, 4))),
    "categorical_probs": lambda r: (losses.CategoricalCrossentropy(label_smoothing=0.1),
                                    np.eye(4)[r.integers(0, 4, 5)], r.uniform(0.1, 1.0, (5, 4))),
    "categorical_logits": lambda r: (losses.CategoricalCrossentropy(from_logits=True),
                                     np.eye(4)[r.integers(0, 4, 5)], r.standard_normal((5, 4))),
    "binary_probs": lambda r: (losses.BinaryCrossentropy(), r.integers(0, 2, (5, 1)),
                               r.uniform(0.05, 0.95, (5, 1))),
    "binary_logits": lambda r: (losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1),
                                r.integers(0, 2, (5, 3)), r.standard_normal((5, 3))),
    "mse": lambda r: (losses.MeanSquaredError(), r.standard_normal((5, 3)),
                      r.standard_normal((5, 3))),
    "mae": lambda r: (losses.MeanAbsoluteError(), r.standard_normal((5, 3)),
                      r.standard_normal((5, 3))),
    "huber": lambda r: (losses.Huber(delta=0.5), r.standard_normal((5, 3)),
                        r.standard_normal((5, 3))),
    "kld": lambda r: (losses.KLDivergence(), r.uniform(0.1, 1, (5, 3)), r.uniform(0.1, 1, (5, 3))),
    "hinge": lambda r: (losses.Hinge(), r.integers(0, 2, (5, 3)), r.standard_normal((5, 3))),
    "categorical_hinge": lambda r: (losses.CategoricalHinge(), np.eye(3)[r.integers(0, 3, 5)],
                                    r.standard_normal((5, 3))),
}


@pytest.mark.parametrize("case", sorted(GRAD_CASES))
def test_gradcheck_float64(case):
    loss, y_true, y_pred = GRAD_CASES[case](rng())
    x = sj.tensor(y_pred.astype(np.float64), requires_grad=True)
    w = np.linspace(0.5, 1.5, len(y_pred))
    gradcheck(lambda x: loss(y_true, x, sample_weight=w), (x,), eps=1e-6, tol=1e-5)


def test_float32_stays_float32():
    x = sj.randn(4, 3, requires_grad=True)
    loss = losses.SparseCategoricalCrossentropy(from_logits=True)(np.array([0, 1, 2, 0]), x)
    assert loss.dtype == np.float32 and loss.shape == ()
    loss.backward()
    assert x.grad.dtype == np.float32


# ------------------------------------------------------------------ lookup and config


def test_get_names_classes_dicts_and_functions():
    assert isinstance(losses.get("sparse_categorical_crossentropy"),
                      losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert isinstance(losses.get("MAE"), losses.MeanAbsoluteError)
    assert isinstance(losses.get("kld"), losses.KLDivergence)
    assert isinstance(losses.get("Huber"), losses.Huber)
    assert isinstance(losses.get(losses.binary_crossentropy), losses.BinaryCrossentropy)
    scce = losses.SparseCategoricalCrossentropy(from_logits=True)
    assert losses.get(scce) is scce
    assert scce.name == "sparse_categorical_crossentropy"
    assert losses.Huber().name == "huber_loss"
    config = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.2).get_config()
    rebuilt = losses.get({"class_name": "CategoricalCrossentropy", "config": config})
    assert rebuilt.from_logits is True and rebuilt.label_smoothing == 0.2
    assert rebuilt.get_config() == config


def test_plain_callable_is_wrapped_and_averaged():
    def my_loss(y_true, y_pred):
        return ((y_pred - y_true) ** 2).sum(dim=-1)

    loss = losses.get(my_loss)
    assert loss.name == "my_loss"
    y, p = np.array([[1.0, 2.0], [0.0, 0.0]]), np.array([[1.0, 0.0], [1.0, 1.0]])
    assert value(loss(y, p)) == pytest.approx((4.0 + 2.0) / 2)
    with pytest.raises(TypeError, match="cannot be saved"):
        loss.get_config()


def test_errors_name_what_was_expected():
    with pytest.raises(ValueError, match="unknown loss 'crossentropyy'.*sparse_categorical"):
        losses.get("crossentropyy")
    with pytest.raises(ValueError, match=r"y_true has shape \(3,\).*\(4, 5\)"):
        losses.sparse_categorical_crossentropy(np.array([0, 1, 2]), np.ones((4, 5)))
    with pytest.raises(ValueError, match="label 5, out of range for y_pred's 5 classes"):
        losses.sparse_categorical_crossentropy(np.array([0, 5]), np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 3\) and y_pred \(2, 4\)"):
        losses.mean_squared_error(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"y_true has shape \(2, 3\) but y_pred \(2, 4\)"):
        losses.categorical_crossentropy(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="reduction must be one of"):
        losses.MeanSquaredError(reduction="average")


def test_a_subclassed_loss_gets_tensors_and_is_reduced():
    class Cubed(losses.Loss):
        def call(self, y_true, y_pred):
            assert isinstance(y_true, sj.Tensor)
            return ((y_pred - y_true) ** 3).mean(dim=-1)

    loss = Cubed()
    assert loss.name == "cubed"
    x = sj.tensor([[1.0, 2.0], [0.0, 1.0]], dtype=sj.float64, requires_grad=True)
    out = loss(np.zeros((2, 2)), x, sample_weight=[1.0, 2.0])
    assert value(out) == pytest.approx((4.5 * 1 + 0.5 * 2) / 2)
    out.backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.numpy() ** 2 / 2 * [[1], [2]] / 2)
