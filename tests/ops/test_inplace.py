"""In-place updates: values against PyTorch's in-place methods, the version counter, the
refusals that protect a recorded graph, and ``x += y`` inside and outside the graph."""

import numpy
import pytest

import shenjing as sj
from shenjing.autograd import ShapeError

A = numpy.array([[1.0, -2.0, 3.0], [-0.5, 0.25, 4.0]])
B = numpy.array([0.5, -1.0, 2.0])
M = numpy.array([[True, False, True], [False, False, True]])

CASES = [
    ("zero_", (), {}),
    ("fill_", (1.5,), {}),
    ("copy_", (B,), {}),
    ("add_", (B,), {}),
    ("add_", (B,), {"alpha": -0.1}),
    ("add_", (2.0,), {}),
    ("sub_", (B,), {"alpha": 3}),
    ("mul_", (B,), {}),
    ("mul_", (0.5,), {}),
    ("div_", (B,), {}),
    ("clamp_", (), {"min": -1.0, "max": 1.0}),
    ("clamp_", (), {"min": 0.0}),
    ("addcmul_", (B, B), {"value": 0.5}),
    ("addcdiv_", (B, B), {"value": -2}),
    ("masked_fill_", (M, -9.0), {}),
]


def _arg(value, lib):
    if not isinstance(value, numpy.ndarray):
        return value
    if lib == "sj":
        return sj.tensor(value)
    import torch
    return torch.from_numpy(value.copy())


@pytest.mark.parametrize("dtype", [numpy.float32, numpy.float64])
@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_inplace_matches_torch(name, args, kwargs, dtype):
    torch = pytest.importorskip("torch")
    cast = lambda v: v.astype(dtype) if isinstance(v, numpy.ndarray) and v.dtype.kind == "f" else v  # noqa: E731
    x = sj.tensor(A.astype(dtype))
    tx = torch.from_numpy(A.astype(dtype))
    array = x.array
    out = getattr(x, name)(*[_arg(cast(a), "sj") for a in args], **kwargs)
    getattr(tx, name)(*[_arg(cast(a), "torch") for a in args], **kwargs)
    assert out is x and x.array is array, f"{name} must change the tensor itself"
    assert x.dtype == dtype
    assert x._version == 1
    numpy.testing.assert_allclose(x.array, tx.numpy(), rtol=1e-6)


@pytest.mark.parametrize("name", ["normal_", "uniform_"])
def test_random_fills_keep_shape_and_dtype(name):
    sj.manual_seed(0)
    x = sj.zeros(200, 50)
    getattr(x, name)()
    assert x.shape == (200, 50) and x.dtype == numpy.float32 and x._version == 1
    mean, std = (0.0, 1.0) if name == "normal_" else (0.5, (1 / 12) ** 0.5)
    assert abs(float(x.array.mean()) - mean) < 0.02
    assert abs(float(x.array.std()) - std) < 0.02
    y = sj.zeros(3)
    sj.manual_seed(3)
    getattr(y, name)(2.0, 3.0)
    z = sj.zeros(3)
    sj.manual_seed(3)
    getattr(z, name)(2.0, 3.0)
    numpy.testing.assert_array_equal(y.array, z.array)


def test_inplace_on_a_leaf_that_requires_grad_is_refused_while_recording():
    w = sj.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w.add_(1.0)
    with sj.no_grad():
        w.add_(1.0)
    numpy.testing.assert_array_equal(w.array, [2.0, 2.0, 2.0])


def test_inplace_on_a_recorded_result_is_refused():
    w = sj.ones(3, requires_grad=True)
    y = w * 2
    with pytest.raises(RuntimeError, match="in-place"):
        y.mul_(2)


def test_backward_notices_an_input_changed_after_use():
    w = sj.ones(3, requires_grad=True)
    x = sj.tensor([1.0, 2.0, 3.0])
    y = (w * x).sum()
    x.mul_(2)
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_change_harmless_to_backward_is_allowed():
    w = sj.ones(3, requires_grad=True)
    x = sj.tensor([1.0, 2.0, 3.0])
    y = (w + x).sum()  # add's backward does not read x
    x.zero_()
    y.backward()
    numpy.testing.assert_array_equal(w.grad.array, [1.0, 1.0, 1.0])


def test_augmented_assignment_in_and_out_of_the_graph():
    w = sj.ones(3, requires_grad=True)
    v = w
    v += 1.0  # recorded: a new node, w untouched
    assert v is not w and v.grad_fn is not None
    numpy.testing.assert_array_equal(w.array, [1.0, 1.0, 1.0])
    with sj.no_grad():
        u = w
        u -= 0.5  # not recorded: w itself changes
    assert u is w
    numpy.testing.assert_array_equal(w.array, [0.5, 0.5, 0.5])
    x = sj.zeros(2)
    x *= 3.0
    x /= 2.0
    x += sj.ones(2)
    numpy.testing.assert_array_equal(x.array, [1.0, 1.0])
    assert x._version == 3


@pytest.mark.parametrize("name", ["add_", "sub_", "mul_", "div_", "copy_", "addcmul_", "masked_fill_"])
def test_inplace_shape_mismatch_is_a_shape_error(name):
    x = sj.ones(2, 3)
    args = {"addcmul_": (sj.ones(4), sj.ones(4)), "masked_fill_": (sj.ones(4).bool(), 0.0)}
    with pytest.raises(ShapeError) as info:
        getattr(x, name)(*args.get(name, (sj.ones(4),)))
    message = str(info.value)
    assert name in message and "(2, 3)" in message and "(4,)" in message
    assert x._version == 0 and (x.array == 1).all(), "a refused update must change nothing"


def test_inplace_may_not_grow_the_tensor():
    with pytest.raises(ShapeError, match="add_"):
        sj.ones(3).add_(sj.ones(2, 3))
