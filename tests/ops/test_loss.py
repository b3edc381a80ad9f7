"""Losses (ops/loss.py): gradcheck in float64 and parity with torch.nn.functional.

One table, ``CASES``: each row names a loss, its torch reference and how to make its
inputs (``make(rng, dtype) -> (args, which args require grad, keyword arguments)``).  The
harness runs every row for every reduction through

- ``gradcheck`` (float64 central differences, every input that requires grad), and
- torch parity in float64 and float32: forward value, dtype, and the gradient of every
  input that requires grad, for a random weighting of the output.
"""

import warnings
import zlib
from dataclasses import dataclass, field

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError, gradcheck
from shenjing.ops import loss as L

REDUCTIONS = ("none", "mean", "sum")


@dataclass
class Case:
    name: str
    fn: object            # the shenjing loss
    ref: object           # the torch.nn.functional loss, called with torch tensors
    make: object          # (rng, dtype) -> (args, needs_grad, kwargs)
    reductions: tuple = REDUCTIONS
    gradcheck: bool = True
    tol32: dict = field(default_factory=lambda: dict(rtol=2e-4, atol=2e-5))


def _F():
    return pytest.importorskip("torch").nn.functional


# ------------------------------------------------------------------ input makers


def _randn(rng, dtype, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _labels(rng, classes, shape, ignore=None, frac=0.35):
    y = rng.integers(0, classes, shape)
    if ignore is not None:
        y[rng.random(shape) < frac] = ignore
        y.reshape(-1)[0] = classes - 1  # never all ignored (that is its own test)
        if ignore < 0 or ignore >= classes:
            y.reshape(-1)[-1] = ignore  # always at least one ignored
    return y


def _probs(rng, dtype, shape, axis=1):
    e = np.exp(rng.standard_normal(shape))
    return (e / e.sum(axis=axis, keepdims=True)).astype(dtype)


def _onehot(rng, dtype, n, classes):
    return np.eye(classes, dtype=dtype)[rng.integers(0, classes, n)]


def _log_softmax(x, axis=1):
    z = x - x.max(axis=axis, keepdims=True)
    return (z - np.log(np.exp(z).sum(axis=axis, keepdims=True))).astype(x.dtype)


def _pos(rng, dtype, *shape):
    return (rng.random(shape) + 0.1).astype(dtype)


def ce(shape, weight=False, ignore=None, smoothing=0.0, probs=None, target_grad=False, scale=1.0):
    """A cross_entropy case: logits ``shape``, index targets or ``probs`` ('soft'/'onehot')."""
    def make(rng, dtype):
        x = _randn(rng, dtype, *shape, scale=scale)
        classes = shape[1] if len(shape) > 1 else shape[0]
        axis = 1 if len(shape) > 1 else 0
        if probs == "soft":
            t = _probs(rng, dtype, shape, axis)
        elif probs == "onehot":
            t = _onehot(rng, dtype, shape[0], classes)
        else:
            t = _labels(rng, classes, shape[:1] + shape[2:] if len(shape) > 1 else (),
                        ignore if ignore is not None else None)
        kw = {}
        if weight:
            kw["weight"] = _pos(rng, dtype, classes)
        if ignore is not None:
            kw["ignore_index"] = ignore
        if smoothing:
            kw["label_smoothing"] = smoothing
        return [x, t], (True, target_grad), kw
    return make


def nll(shape, weight=False, ignore=None):
    def make(rng, dtype):
        args, needs, kw = ce(shape, weight, ignore)(rng, dtype)
        args[0] = _log_softmax(args[0], 1 if len(shape) > 1 else 0)
        return args, needs, kw
    return make


def pointwise(shape=(4, 3), target="randn", target_grad=True, weight=None, **extra):
    """Input and target of one shape; ``weight`` None, 'full' or a shape to broadcast."""
    def make(rng, dtype):
        x = _randn(rng, dtype, *shape)
        t = {"randn": lambda: _randn(rng, dtype, *shape),
             "unit": lambda: rng.uniform(0, 1, shape).astype(dtype),
             "sign": lambda: rng.choice([-1.0, 1.0], shape).astype(dtype)}[target]()
        kw = dict(extra)
        if weight is not None:
            kw["weight"] = _pos(rng, dtype, *(shape if weight == "full" else weight))
        return [x, t], (True, target_grad), kw
    return make


def bce(shape=(4, 3), weight=None, target_grad=True):
    def make(rng, dtype):
        args, needs, kw = pointwise(shape, "unit", target_grad, weight)(rng, dtype)
        args[0] = rng.uniform(0.05, 0.95, shape).astype(dtype)
        return args, needs, kw
    return make


def bce_logits(shape=(4, 3), weight=None, pos_weight=None, target_grad=True, scale=1.0):
    def make(rng, dtype):
        args, needs, kw = pointwise(shape, "unit", target_grad, weight)(rng, dtype)
        args[0] = args[0] * dtype(scale)
        if pos_weight is not None:
            kw["pos_weight"] = _pos(rng, dtype, *pos_weight) * dtype(3)
        return args, needs, kw
    return make


def kl(shape=(3, 4), log_target=False, zeros=False, target_grad=True):
    def make(rng, dtype):
        x = _log_softmax(_randn(rng, dtype, *shape))
        t = _probs(rng, dtype, shape)
        if zeros:
            t[0, :2] = 0
        if log_target:
            t = np.log(t).astype(dtype)
        return [x, t], (True, target_grad), {"log_target": log_target}
    return make


def margin(shape=(5, 4), weight=False, **extra):
    def make(rng, dtype):
        x = _randn(rng, dtype, *shape)
        classes = shape[-1]
        y = rng.integers(0, classes, shape[:-1])
        kw = dict(extra)
        if weight:
            kw["weight"] = _pos(rng, dtype, classes)
        return [x, y], (True, False), kw
    return make


def _svm_ref(x, y, reduction="mean", margin=1.0):
    return _F().multi_margin_loss(x, y, margin=margin, reduction=reduction) * x.shape[-1]


def _ref(name):
    return lambda *a, **k: getattr(_F(), name)(*a, **k)


CE, NLL = L.cross_entropy, L.nll_loss
CASES = [
    # cross_entropy: index targets, 2-d / 3-d / 4-d, weight, ignore_index, smoothing, combos
    Case("ce_2d", CE, _ref("cross_entropy"), ce((5, 4))),
    Case("ce_3d", CE, _ref("cross_entropy"), ce((3, 4, 5))),
    Case("ce_4d", CE, _ref("cross_entropy"), ce((2, 3, 2, 3))),
    Case("ce_weight", CE, _ref("cross_entropy"), ce((5, 4), weight=True)),
    Case("ce_weight_4d", CE, _ref("cross_entropy"), ce((2, 3, 2, 2), weight=True)),
    Case("ce_ignore", CE, _ref("cross_entropy"), ce((6, 4), ignore=-100)),
    Case("ce_ignore_class", CE, _ref("cross_entropy"), ce((6, 4), ignore=1)),
    Case("ce_smoothing", CE, _ref("cross_entropy"), ce((5, 4), smoothing=0.2)),
    Case("ce_weight_ignore", CE, _ref("cross_entropy"), ce((6, 4), weight=True, ignore=-100)),
    Case("ce_weight_smoothing", CE, _ref("cross_entropy"), ce((5, 4), weight=True, smoothing=0.1)),
    Case("ce_ignore_smoothing", CE, _ref("cross_entropy"), ce((6, 4), ignore=-100, smoothing=0.3)),
    Case("ce_all_2d", CE, _ref("cross_entropy"),
         ce((7, 5), weight=True, ignore=-100, smoothing=0.15)),
    Case("ce_all_4d", CE, _ref("cross_entropy"),
         ce((2, 3, 2, 2), weight=True, ignore=-1, smoothing=0.3)),
    Case("ce_all_3d_class_ignored", CE, _ref("cross_entropy"),
         ce((3, 4, 3), weight=True, ignore=2, smoothing=0.25)),
    Case("ce_unbatched", CE, _ref("cross_entropy"), ce((5,), smoothing=0.1)),
    Case("ce_large_logits", CE, _ref("cross_entropy"), ce((4, 6), weight=True, scale=1000.0),
         gradcheck=False),
    # cross_entropy: probability targets (their gradient too), one-hot, weight, smoothing
    Case("ce_probs_2d", CE, _ref("cross_entropy"), ce((5, 4), probs="soft", target_grad=True)),
    Case("ce_probs_4d", CE, _ref("cross_entropy"),
         ce((2, 3, 2, 2), probs="soft", target_grad=True)),
    Case("ce_probs_weight_smoothing", CE, _ref("cross_entropy"),
         ce((5, 4), weight=True, smoothing=0.2, probs="soft", target_grad=True)),
    Case("ce_probs_weight_4d", CE, _ref("cross_entropy"),
         ce((2, 3, 3, 2), weight=True, smoothing=0.1, probs="soft", target_grad=True)),
    Case("ce_onehot", CE, _ref("cross_entropy"), ce((5, 4), probs="onehot")),
    Case("ce_unbatched_probs", CE, _ref("cross_entropy"),
         ce((5,), probs="soft", target_grad=True)),
    # nll_loss
    Case("nll_2d", NLL, _ref("nll_loss"), nll((5, 4))),
    Case("nll_4d", NLL, _ref("nll_loss"), nll((2, 3, 2, 2))),
    Case("nll_weight_ignore", NLL, _ref("nll_loss"), nll((6, 4), weight=True, ignore=-100)),
    Case("nll_weight_ignore_3d", NLL, _ref("nll_loss"), nll((3, 4, 3), weight=True, ignore=0)),
    Case("nll_unbatched", NLL, _ref("nll_loss"), nll((5,))),
    # binary cross-entropy from probabilities and from logits
    Case("bce", L.binary_cross_entropy, _ref("binary_cross_entropy"), bce()),
    Case("bce_weight", L.binary_cross_entropy, _ref("binary_cross_entropy"), bce(weight=(3,))),
    Case("bce_weight_full", L.binary_cross_entropy, _ref("binary_cross_entropy"),
         bce((2, 3, 2), weight="full")),
    Case("bce_logits", L.binary_cross_entropy_with_logits,
         _ref("binary_cross_entropy_with_logits"), bce_logits()),
    Case("bce_logits_weight", L.binary_cross_entropy_with_logits,
         _ref("binary_cross_entropy_with_logits"), bce_logits(weight=(4, 1))),
    Case("bce_logits_pos_weight", L.binary_cross_entropy_with_logits,
         _ref("binary_cross_entropy_with_logits"), bce_logits(pos_weight=(3,))),
    Case("bce_logits_both_3d", L.binary_cross_entropy_with_logits,
         _ref("binary_cross_entropy_with_logits"),
         bce_logits((2, 4, 3), weight=(4, 1), pos_weight=(3,))),
    Case("bce_logits_magnitude_100", L.binary_cross_entropy_with_logits,
         _ref("binary_cross_entropy_with_logits"),
         bce_logits((6, 3), pos_weight=(3,), scale=100.0), gradcheck=False),
    # regression
    Case("mse", L.mse_loss, _ref("mse_loss"), pointwise()),
    Case("mse_weight", L.mse_loss, _ref("mse_loss"), pointwise(weight="full")),
    Case("l1", L.l1_loss, _ref("l1_loss"), pointwise((2, 3, 2))),
    Case("l1_weight", L.l1_loss, _ref("l1_loss"), pointwise(weight="full")),
    Case("huber", L.huber_loss, _ref("huber_loss"), pointwise()),
    Case("huber_delta", L.huber_loss, _ref("huber_loss"), pointwise((5, 3), delta=0.5)),
    Case("huber_delta_weight", L.huber_loss, _ref("huber_loss"),
         pointwise((5, 3), weight="full", delta=2.0)),
    Case("smooth_l1", L.smooth_l1_loss, _ref("smooth_l1_loss"), pointwise()),
    Case("smooth_l1_beta", L.smooth_l1_loss, _ref("smooth_l1_loss"), pointwise((5, 3), beta=0.5)),
    Case("smooth_l1_beta0", L.smooth_l1_loss, _ref("smooth_l1_loss"), pointwise(beta=0.0)),
    # kl_div
    Case("kl", L.kl_div, _ref("kl_div"), kl(), REDUCTIONS + ("batchmean",)),
    Case("kl_zeros", L.kl_div, _ref("kl_div"), kl(zeros=True, target_grad=False),
         REDUCTIONS + ("batchmean",)),
    Case("kl_log_target", L.kl_div, _ref("kl_div"), kl(log_target=True),
         REDUCTIONS + ("batchmean",)),
    # multi-class hinge
    Case("multi_margin", L.multi_margin_loss, _ref("multi_margin_loss"), margin()),
    Case("multi_margin_p2", L.multi_margin_loss, _ref("multi_margin_loss"),
         margin(p=2, margin=0.7)),
    Case("multi_margin_weight", L.multi_margin_loss, _ref("multi_margin_loss"),
         margin(weight=True, p=2)),
    Case("multi_margin_unbatched", L.multi_margin_loss, _ref("multi_margin_loss"), margin((5,))),
    Case("svm", L.svm_loss, _svm_ref, margin((6, 4), margin=2.0)),
    # the two small extras
    Case("soft_margin", L.soft_margin_loss, _ref("soft_margin_loss"),
         pointwise(target="sign", target_grad=False)),
    Case("hinge_embedding", L.hinge_embedding_loss, _ref("hinge_embedding_loss"),
         pointwise(target="sign", target_grad=False, margin=1.5)),
]

GRID = [(c, r) for c in CASES for r in c.reductions]
IDS = [f"{c.name}-{r}" for c, r in GRID]


def _inputs(case, dtype):
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    return case.make(rng, dtype)


def _call(fn, args, kw, reduction):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kl_div's 'mean' warns, in torch and here
        return fn(*args, reduction=reduction, **kw)


# ------------------------------------------------------------------ the harness


@pytest.mark.parametrize("case,reduction", [g for g in GRID if g[0].gradcheck],
                         ids=[i for g, i in zip(GRID, IDS) if g[0].gradcheck])
def test_gradcheck(case, reduction):
    args, needs, kw = _inputs(case, np.float64)
    tensors = [sj.tensor(a, requires_grad=g) for a, g in zip(args, needs)]
    kw = {k: sj.tensor(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}
    gradcheck(lambda *t: _call(case.fn, t, kw, reduction), tuple(tensors))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("case,reduction", GRID, ids=IDS)
def test_matches_torch(case, reduction, dtype):
    torch = pytest.importorskip("torch")
    args, needs, kw = _inputs(case, dtype)
    ours = [sj.tensor(a, requires_grad=g) for a, g in zip(args, needs)]
    theirs = [torch.tensor(a, requires_grad=g) for a, g in zip(args, needs)]
    out = _call(case.fn, ours, {k: sj.tensor(v) if isinstance(v, np.ndarray) else v
                                for k, v in kw.items()}, reduction)
    ref = _call(case.ref, theirs, {k: torch.tensor(v) if isinstance(v, np.ndarray) else v
                                   for k, v in kw.items()}, reduction)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else case.tol32
    assert out.dtype == dtype, f"{case.name}: {dtype.__name__} input gave a {out.dtype} loss"
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.array, ref.detach().numpy(), **tol)
    assert np.isfinite(out.array).all()

    w = np.random.default_rng(1).standard_normal(out.shape).astype(dtype)
    (out * sj.tensor(w)).sum().backward()
    (ref * torch.tensor(w)).sum().backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        if not needs[i]:
            continue
        assert a.grad.dtype == dtype, f"{case.name}: the gradient of input {i} is {a.grad.dtype}"
        np.testing.assert_allclose(a.grad.array, b.grad.numpy(), **tol,
                                   err_msg=f"{case.name}: gradient of input {i}")


# ------------------------------------------------------------------ behaviour beyond the table


def test_cross_entropy_is_one_fused_op():
    x = sj.randn(4, 5, requires_grad=True)
    loss = L.cross_entropy(x, sj.tensor([0, 1, 2, 3]), label_smoothing=0.1)
    assert type(loss.grad_fn).__name__ == "CrossEntropy" and loss.grad_fn.inputs == (x,)
    loss = L.binary_cross_entropy_with_logits(x, sj.rand(4, 5))
    assert type(loss.grad_fn).__name__ == "BCEWithLogits" and loss.grad_fn.inputs[0] is x


def test_cross_entropy_gradient_is_softmax_minus_onehot():
    x = sj.randn(3, 4, dtype=sj.float64, requires_grad=True)
    y = np.array([2, 0, 3])
    L.cross_entropy(x, sj.tensor(y), reduction="sum").backward()
    e = np.exp(x.array - x.array.max(1, keepdims=True))
    np.testing.assert_allclose(x.grad.array, e / e.sum(1, keepdims=True) - np.eye(4)[y])


def test_cross_entropy_all_ignored_is_nan_with_zero_gradient_as_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4))
    y = np.full(3, -100)
    for smoothing in (0.0, 0.2):
        ours = sj.tensor(x, requires_grad=True)
        theirs = torch.tensor(x, requires_grad=True)
        a = L.cross_entropy(ours, sj.tensor(y), label_smoothing=smoothing)
        b = torch.nn.functional.cross_entropy(theirs, torch.tensor(y), label_smoothing=smoothing)
        assert np.isnan(a.item()) and np.isnan(b.item())
        a.backward()
        b.backward()
        np.testing.assert_array_equal(ours.grad.array, theirs.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_finite_for_huge_logits(dtype):
    x = np.array([[100.0, -100.0, 1e4], [-1e4, 0.0, 50.0]], dtype)
    t = np.array([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0]], dtype)
    for pos_weight in (None, np.array([2.0, 0.5, 3.0], dtype)):
        xs = sj.tensor(x, requires_grad=True)
        pw = None if pos_weight is None else sj.tensor(pos_weight)
        loss = L.binary_cross_entropy_with_logits(xs, sj.tensor(t), pos_weight=pw, reduction="none")
        loss.sum().backward()
        assert loss.dtype == dtype and xs.grad.dtype == dtype
        assert np.isfinite(loss.array).all() and np.isfinite(xs.grad.array).all()
        # the wrong-side logits of magnitude 100 cost (about) 100, scaled by pos_weight for t = 1
        np.testing.assert_allclose(loss.array[0, :2], [100.0, 100.0 * (1 if pw is None else 0.5)],
                                   rtol=1e-6)
        np.testing.assert_allclose(np.abs(xs.grad.array[0, :2]), [1.0, 1 if pw is None else 0.5])


def test_cross_entropy_is_finite_for_huge_logits():
    x = sj.tensor([[1e4, -1e4, 0.0], [0.0, 0.0, 3e4]], requires_grad=True)
    loss = L.cross_entropy(x, sj.tensor([1, 0]), label_smoothing=0.1)
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.array).all()


def test_binary_cross_entropy_clamps_log_at_minus_100_as_torch():
    torch = pytest.importorskip("torch")
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    ours, theirs = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    a = L.binary_cross_entropy(ours, sj.tensor(t), reduction="none")
    b = torch.nn.functional.binary_cross_entropy(theirs, torch.tensor(t), reduction="none")
    np.testing.assert_allclose(a.array, b.detach().numpy())
    assert a.array[0] == 100.0
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.grad.array, theirs.grad.numpy())


def test_svm_loss_is_the_course_formula():
    scores = sj.tensor([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])
    y = sj.tensor([0, 1, 2])
    # CS231n's example: per-sample losses 2.9, 0 and 12.9, mean 5.27
    np.testing.assert_allclose(L.svm_loss(scores, y, reduction="none").array, [2.9, 0.0, 12.9],
                               rtol=1e-5)
    np.testing.assert_allclose(L.svm_loss(scores, y).item(), 5.2666667, rtol=1e-5)
    np.testing.assert_allclose(L.multi_margin_loss(scores, y).item() * 3, 5.2666667, rtol=1e-5)


def test_float32_stays_float32_with_float64_or_integer_side_inputs():
    x = sj.randn(4, 3, requires_grad=True)
    w64 = np.ones(3)
    checks = [
        L.cross_entropy(x, sj.tensor([0, 1, 2, 0]), weight=w64),
        L.cross_entropy(x, np.full((4, 3), 1 / 3)),
        L.nll_loss(x, sj.tensor([0, 1, 2, 0], dtype=sj.int32), weight=w64),
        L.mse_loss(x, sj.tensor([[1, 2, 3]] * 4)),
        L.l1_loss(x, np.zeros((4, 3))),
        L.binary_cross_entropy_with_logits(x, np.ones((4, 3)), pos_weight=w64, weight=w64),
        L.binary_cross_entropy(x.sigmoid(), np.ones((4, 3), dtype=bool)),
        L.kl_div(x, np.full((4, 3), 1 / 3), reduction="batchmean"),
        L.multi_margin_loss(x, sj.tensor([0, 1, 2, 0]), weight=w64),
    ]
    for loss in checks:
        x.grad = None
        loss.backward()
        assert loss.dtype == sj.float32 and x.grad.dtype == sj.float32, loss.grad_fn


def test_legacy_size_average_and_reduce_flags():
    x, y = sj.randn(4, 3), sj.tensor([0, 1, 2, 0])
    total = L.cross_entropy(x, y, reduction="sum").item()
    np.testing.assert_allclose(L.cross_entropy(x, y, size_average=False).item(), total, rtol=1e-6)
    assert L.cross_entropy(x, y, reduce=False).shape == (4,)


def test_mse_warns_when_target_broadcasts_as_torch_does():
    with pytest.warns(UserWarning, match=r"mse_loss: target has shape \(4,\) but input \(4, 1\)"):
        loss = L.mse_loss(sj.randn(4, 1), sj.randn(4))
    assert loss.shape == ()


# ------------------------------------------------------------------ errors


def test_cross_entropy_wrong_target_shape_names_loss_and_shapes():
    with pytest.raises(ShapeError, match=r"cross_entropy: target has shape \(5,\) but input "
                                         r"\(4, 10\) needs \(4,\)"):
        L.cross_entropy(sj.randn(4, 10), sj.tensor([0, 1, 2, 3, 4]))
    with pytest.raises(ShapeError, match=r"target has shape \(2, 2\) but input \(2, 4, 3\) needs "
                                         r"\(2, 3\) of class indices, or \(2, 4, 3\) of class "
                                         r"probabilities"):
        L.cross_entropy(sj.randn(2, 4, 3), sj.tensor([[0, 1], [1, 2]]))
    with pytest.raises(ShapeError, match=r"nll_loss: target has shape \(1,\) but the unbatched "
                                         r"input \(4,\) needs \(\)"):
        L.nll_loss(sj.randn(4), sj.tensor([1]))


def test_cross_entropy_wrong_target_dtype():
    with pytest.raises(TypeError, match=r"cross_entropy: .*integer tensor, got float32"):
        L.cross_entropy(sj.randn(4, 10), sj.randn(4))
    with pytest.raises(TypeError, match=r"cross_entropy: .*probabilities and must be floating, "
                                        r"got int64"):
        L.cross_entropy(sj.randn(4, 3), sj.tensor([[0, 1, 0]] * 4))
    with pytest.raises(TypeError, match="cross_entropy: input must be a floating tensor"):
        L.cross_entropy(sj.tensor([[1, 2]]), sj.tensor([0]))


def test_class_index_out_of_range_raises_index_error():
    with pytest.raises(IndexError, match=r"cross_entropy: target 10 is out of range for 10 "
                                         r"classes \(valid: 0 to 9 or ignore_index=-100\)"):
        L.cross_entropy(sj.randn(3, 10), sj.tensor([1, 10, 2]))
    with pytest.raises(IndexError, match="nll_loss: target -1 is out of range for 4 classes"):
        L.nll_loss(sj.randn(2, 4), sj.tensor([-1, 0]))
    with pytest.raises(IndexError, match="multi_margin_loss: target 4 is out of range"):
        L.multi_margin_loss(sj.randn(2, 4), sj.tensor([4, 0]))
    # ignore_index itself is fine even out of range
    L.cross_entropy(sj.randn(3, 10), sj.tensor([1, -5, 2]), ignore_index=-5)


def test_other_argument_errors():
    with pytest.raises(ShapeError, match=r"cross_entropy: weight has shape \(3,\) but the input "
                                         r"has 4 classes"):
        L.cross_entropy(sj.randn(2, 4), sj.tensor([0, 1]), weight=sj.ones(3))
    with pytest.raises(ValueError, match="ignore_index is not supported"):
        L.cross_entropy(sj.randn(2, 4), sj.rand(2, 4), ignore_index=0)
    with pytest.raises(ValueError, match=r"nll_loss: reduction must be one of 'none', 'mean', "
                                         r"'sum', got 'avg'"):
        L.nll_loss(sj.randn(2, 4), sj.tensor([0, 1]), reduction="avg")
    with pytest.raises(ShapeError, match=r"binary_cross_entropy_with_logits: target has shape "
                                         r"\(4,\) but input \(4, 1\) needs the same shape"):
        L.binary_cross_entropy_with_logits(sj.randn(4, 1), sj.rand(4))
    with pytest.raises(ShapeError, match=r"pos_weight has shape \(4,\)"):
        L.binary_cross_entropy_with_logits(sj.randn(2, 3), sj.rand(2, 3), pos_weight=sj.ones(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input holds probabilities"):
        L.binary_cross_entropy(sj.tensor([0.5, 1.5]), sj.tensor([0.0, 1.0]))
    with pytest.raises(ShapeError, match=r"mse_loss: target has shape \(3,\), which does not "
                                         r"broadcast against the input's shape \(4,\)"):
        L.mse_loss(sj.randn(4), sj.randn(3))
    with pytest.raises(ShapeError, match=r"mse_loss: weight has shape"):
        L.mse_loss(sj.randn(4), sj.randn(4), weight=sj.ones(2))
    with pytest.raises(ValueError, match="multi_margin_loss: p must be 1 or 2"):
        L.multi_margin_loss(sj.randn(2, 4), sj.tensor([0, 1]), p=3)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive"):
        L.huber_loss(sj.randn(2), sj.randn(2), delta=0.0)
    with pytest.raises(ValueError, match="label_smoothing must be in"):
        L.cross_entropy(sj.randn(2, 4), sj.tensor([0, 1]), label_smoothing=1.5)


def test_losses_are_exported():
    for name in ("cross_entropy", "nll_loss", "binary_cross_entropy", "mse_loss", "l1_loss",
                 "binary_cross_entropy_with_logits", "huber_loss", "smooth_l1_loss", "kl_div",
                 "multi_margin_loss", "svm_loss", "soft_margin_loss", "hinge_embedding_loss"):
        assert getattr(sj.ops, name) is getattr(L, name)
