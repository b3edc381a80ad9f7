"""The shared op test harness: one table row per op, four checks for every row.

A row (``OpInfo``) names the op, the shenjing callable, the equivalent PyTorch callable
and a list of samples (``S``); the author of an op writes nothing else.  For every
sample the harness checks

(a) ``gradcheck``: backward against float64 central differences, on every float input;
(b) forward and backward against PyTorch on the same values, in float64 and in float32
    (outputs, their dtypes, and the gradient of every float input);
(c) dtype: a float32 op gives float32 outputs and float32 gradients (the gradient each
    backward hands to its input is caught before the engine casts it on a leaf), and
    backward leaves the incoming gradient and the saved inputs unchanged.

A sample ``S(*inputs, **kwargs)`` lists the op's positional inputs: a shape tuple is a
float input drawn by the row's generator; an array is used as it is (float arrays are
differentiable, integer and bool arrays are passed as tensors that need no grad); a
callable ``f(rng)`` returns such an array; anything else (numbers, tuples in ``Arg``) is
passed through.  kwargs pass through, arrays in them becoming tensors.  ``torch_ref``
stands for the torch module and imports it only when a reference is called, so that
without PyTorch the tables still load, the torch checks skip and the others run.

In a test module::

    from .harness import OpInfo, S, op_tests, torch_ref as T

    TABLE = [OpInfo("exp", sj.exp, T.exp, [S((3, 4)), S(())])]
    test_gradcheck, test_torch_float64, test_torch_float32, test_float32_dtype = op_tests(TABLE)
"""

import dataclasses
import zlib
from typing import Callable, Optional

import numpy
import pytest

from shenjing.autograd import Tensor, gradcheck

# ---------------------------------------------------------------- samples and rows


class S:
    """One sample: the op's positional inputs and its keyword arguments."""

    def __init__(self, *inputs, **kwargs):
        self.inputs, self.kwargs = inputs, kwargs

    def describe(self):
        parts = []
        for x in self.inputs:
            if isinstance(x, tuple):
                parts.append("x".join(map(str, x)) if x else "0d")
            elif isinstance(x, numpy.ndarray):
                parts.append(f"{x.dtype.kind}{'x'.join(map(str, x.shape)) or '0d'}")
            elif isinstance(x, Arg):
                parts.append(repr(x.value))
            else:
                parts.append(getattr(x, "label", "arr") if callable(x) else repr(x))
        parts += [f"{k}={v!r}" for k, v in self.kwargs.items()]
        return ",".join(parts).replace(" ", "")


class Arg:
    """A positional argument passed through as it is (a tuple that is not a shape)."""

    def __init__(self, value):
        self.value = value


@dataclasses.dataclass
class OpInfo:
    name: str
    op: Callable                        # shenjing: op(*inputs, **kwargs)
    ref: Optional[Callable]             # torch: ref(*inputs, **kwargs); None: no reference
    samples: list
    gen: Callable = None                # gen(rng, shape, position) -> float64 array
    grad: bool = True                   # False: no input gets a gradient (argmax, ==)
    nondiff: tuple = ()                 # positions of float inputs that get no gradient
    gradcheck_tol: float = 1e-6
    eps: float = 1e-6
    rtol64: float = 1e-7
    atol64: float = 1e-10
    rtol32: float = 1e-4
    atol32: float = 1e-5
    float32: bool = True                # False: the op is not meant for float32 (mixed dtypes)
    gradcheck_skip: str = ""            # reason when finite differences do not apply by design
    torch_skip: str = ""                # reason when torch has no equivalent for this row

    def __post_init__(self):
        if self.gen is None:
            self.gen = normal


# ---------------------------------------------------------------- input generators


def normal(rng, shape, position=0):
    """Standard normal values."""
    return rng.standard_normal(shape)


def uniform(low, high):
    """Values uniform in [low, high)."""
    def gen(rng, shape, position=0):
        return rng.uniform(low, high, shape)
    return gen


positive = uniform(0.5, 2.0)


def away_from(*kinks, margin=0.1, scale=1.0, center=0.0):
    """Normal values (times ``scale`` around ``center``) at least ``margin`` away from each
    kink, so that central differences never straddle one."""
    def gen(rng, shape, position=0):
        x = center + scale * rng.standard_normal(shape)
        for _ in range(100):
            bad = numpy.zeros(x.shape, bool)
            for k in kinks:
                bad |= numpy.abs(x - k) < margin
            if not bad.any():
                return x
            x = numpy.where(bad, center + scale * rng.standard_normal(shape), x)
        raise RuntimeError("away_from: could not draw values away from the kinks")
    return gen


def distinct(rng, shape, position=0):
    """Values on a grid of step 0.1, shifted by 0.025 per input position, plus tiny noise:
    no two values in any of the inputs are within 0.01 of each other (no ties)."""
    n = int(numpy.prod(shape, dtype=numpy.int64))
    grid = rng.permutation(n) - n // 2
    x = 0.1 * grid + 0.025 * position + rng.uniform(-0.004, 0.004, n)
    return x.reshape(shape)


def ints(low, high, shape):
    """An integer-array input drawn in [low, high)."""
    def make(rng):
        return rng.integers(low, high, shape)
    make.label = "i" + ("x".join(map(str, shape)) or "0d")
    return make


def mask(shape, p=0.5):
    """A bool-array input, True with probability ``p``."""
    def make(rng):
        return rng.random(shape) < p
    make.label = "b" + ("x".join(map(str, shape)) or "0d")
    return make


# ---------------------------------------------------------------- building the inputs


def _raw_inputs(info, sample, rng):
    """The sample's positional inputs and kwargs as NumPy values (float64 for floats)."""
    raw = []
    for position, x in enumerate(sample.inputs):
        if isinstance(x, tuple):
            raw.append(numpy.array(info.gen(rng, x, position), dtype=numpy.float64, order="C"))
            assert raw[-1].shape == x, f"{info.name}: the generator gave shape {raw[-1].shape} for {x}"
        elif isinstance(x, Arg):
            raw.append(x)
        elif callable(x):
            raw.append(numpy.asarray(x(rng)))
        else:
            raw.append(x)
    return raw, dict(sample.kwargs)


def _differentiable(info, raw):
    if not info.grad:
        return []
    return [i for i, x in enumerate(raw) if isinstance(x, numpy.ndarray) and x.dtype.kind == "f"
            and i not in info.nondiff]


def _convert(x, dtype, lib, requires_grad):
    """One raw value as an input of shenjing (lib='sj') or torch, floats in ``dtype``."""
    if isinstance(x, Arg):
        return x.value
    if not isinstance(x, numpy.ndarray):
        return x
    if x.dtype.kind == "f":
        x = x.astype(dtype)
    if lib == "sj":
        return Tensor(x.copy(), requires_grad=requires_grad)
    import torch
    t = torch.from_numpy(x.copy())
    return t.requires_grad_(requires_grad) if requires_grad else t


def _make(info, sample, dtype, lib, rng_key):
    raw, kwargs = _raw_inputs(info, sample, numpy.random.default_rng(rng_key))
    diff = _differentiable(info, raw)
    args = [_convert(x, dtype, lib, i in diff) for i, x in enumerate(raw)]
    kwargs = {k: _convert(v, dtype, lib, False) for k, v in kwargs.items()}
    return args, kwargs, diff


def _outputs(result):
    """The op's result as a flat list (a tensor, or a tuple or list of tensors)."""
    if isinstance(result, (tuple, list)):
        out = []
        for r in result:
            out += _outputs(r)
        return out
    return [result]


def _seed(info, sample):
    return zlib.crc32(f"{info.name}|{sample.describe()}".encode())


def _weights(outputs, seed):
    rng = numpy.random.default_rng(seed + 1)
    return [rng.standard_normal(o.shape) for o in outputs]


# ---------------------------------------------------------------- the checks


def check_gradcheck(info, sample):
    """(a) backward against float64 central differences on every float input."""
    if not info.grad:
        pytest.skip(f"{info.name} has no gradient")
    if info.gradcheck_skip:
        pytest.skip(info.gradcheck_skip)
    args, kwargs, diff = _make(info, sample, numpy.float64, "sj", _seed(info, sample))
    if not diff:
        pytest.skip(f"{info.name}: this sample has no float input")
    gradcheck(lambda *xs: info.op(*xs, **kwargs), tuple(args), eps=info.eps,
              tol=info.gradcheck_tol)


def check_torch(info, sample, dtype):
    """(b) forward values and dtypes and input gradients against PyTorch."""
    torch = pytest.importorskip("torch")
    if info.ref is None or info.torch_skip:
        pytest.skip(info.torch_skip or f"{info.name}: no PyTorch equivalent")
    if dtype == numpy.float32 and not info.float32:
        pytest.skip(f"{info.name}: this row is not a float32 op")
    rtol, atol = (info.rtol64, info.atol64) if dtype == numpy.float64 else (info.rtol32, info.atol32)
    seed = _seed(info, sample)
    args, kwargs, diff = _make(info, sample, dtype, "sj", seed)
    targs, tkwargs, _ = _make(info, sample, dtype, "torch", seed)

    ours = _outputs(info.op(*args, **kwargs))
    theirs = _outputs(info.ref(*targs, **tkwargs))
    assert len(ours) == len(theirs), f"{info.name}: {len(ours)} outputs, torch gives {len(theirs)}"
    for k, (o, t) in enumerate(zip(ours, theirs)):
        t = t.detach()
        assert tuple(o.shape) == tuple(t.shape), \
            f"{info.name} output {k}: shape {tuple(o.shape)}, torch {tuple(t.shape)}"
        assert o.dtype == t.numpy().dtype, f"{info.name} output {k}: dtype {o.dtype}, torch {t.dtype}"
        numpy.testing.assert_allclose(o.array, t.numpy(), rtol=rtol, atol=atol,
                                      err_msg=f"{info.name} output {k} differs from torch")
    if not diff:
        return
    weights = _weights(ours, seed)
    ours_f = [(o, w) for o, w in zip(ours, weights) if o.dtype.kind == "f" and o.requires_grad]
    theirs_f = [(t, w) for t, w in zip(theirs, weights) if t.dtype.is_floating_point
                and t.requires_grad]
    assert len(ours_f) == len(theirs_f), f"{info.name}: outputs that carry gradients differ"
    if not ours_f:
        return
    sum((o * Tensor(w.astype(o.dtype))).sum() for o, w in ours_f).backward()
    sum((t * torch.from_numpy(w.astype(t.detach().numpy().dtype))).sum()
        for t, w in theirs_f).backward()
    for i in diff:
        g = args[i].grad
        tg = targs[i].grad
        g = numpy.zeros(args[i].shape, dtype) if g is None else g.array
        tg = numpy.zeros(args[i].shape, dtype) if tg is None else tg.numpy()
        assert g.dtype == tg.dtype, f"{info.name}: gradient of input {i} is {g.dtype}, torch {tg.dtype}"
        numpy.testing.assert_allclose(g, tg, rtol=rtol, atol=atol,
                                      err_msg=f"{info.name}: gradient of input {i} differs from torch")


def check_float32(info, sample):
    """(c) float32 in, float32 out, float32 gradients; backward changes nothing it is given."""
    if not info.float32:
        pytest.skip(f"{info.name}: this row is not a float32 op")
    seed = _seed(info, sample)
    leaves, kwargs, diff = _make(info, sample, numpy.float32, "sj", seed)
    # the gradient each input gets is caught on a non-leaf copy, before the engine casts it
    caught = {}
    args = list(leaves)
    for i in diff:
        args[i] = leaves[i] * 1.0
        args[i].register_hook(lambda g, i=i: caught.__setitem__(i, g.array.dtype))
    before = [(x.array, x.array.copy()) for x in args if isinstance(x, Tensor)]
    outputs = _outputs(info.op(*args, **kwargs))
    for k, o in enumerate(outputs):
        if o.dtype.kind == "f":
            assert o.dtype == numpy.float32, f"{info.name}: float32 inputs gave a {o.dtype} output {k}"
    graded = [o for o in outputs if o.dtype.kind == "f" and o.requires_grad]
    if diff and graded:
        incoming = []
        for o in graded:
            o.register_hook(lambda g: incoming.append((g.array, g.array.copy())))
        weights = _weights(graded, seed)
        sum((o * Tensor(w.astype(numpy.float32))).sum() for o, w in zip(graded, weights)).backward()
        for i in diff:
            if i in caught:
                assert caught[i] == numpy.float32, \
                    f"{info.name}: backward gave a {caught[i]} gradient to float32 input {i}"
            if leaves[i].grad is not None:
                assert leaves[i].grad.dtype == numpy.float32
        for k, (g, copy) in enumerate(incoming):
            numpy.testing.assert_array_equal(
                g, copy, err_msg=f"{info.name}: backward changed its incoming gradient in place")
    for k, (x, copy) in enumerate(before):
        numpy.testing.assert_array_equal(x, copy, err_msg=f"{info.name} changed an input in place")


# ---------------------------------------------------------------- test functions


def cases(table, differentiable=False):
    """``pytest.param(info, sample)`` for every sample of every row (of the rows with a
    gradient if ``differentiable``), with readable ids."""
    params = []
    for info in table:
        if differentiable and not info.grad:
            continue
        for sample in info.samples:
            params.append(pytest.param(info, sample, id=f"{info.name}[{sample.describe()}]"))
    return params


def op_tests(table):
    """The four parametrized test functions for a table, to bind at module level (the first
    is None when no row has a gradient)."""
    params = cases(table)
    parametrize = pytest.mark.parametrize("info,sample", params)
    differentiable = cases(table, differentiable=True)

    @pytest.mark.parametrize("info,sample", differentiable)
    def test_gradcheck(info, sample):
        check_gradcheck(info, sample)

    @parametrize
    def test_torch_float64(info, sample):
        check_torch(info, sample, numpy.float64)

    @parametrize
    def test_torch_float32(info, sample):
        check_torch(info, sample, numpy.float32)

    @parametrize
    def test_float32_dtype(info, sample):
        check_float32(info, sample)

    return (test_gradcheck if differentiable else None), test_torch_float64, test_torch_float32, \
        test_float32_dtype


class _Deferred:
    """``torch_ref.nn.functional.relu``: a torch function looked up only when called, so that
    the tables can be built (and the other checks run) where PyTorch is not installed."""

    def __init__(self, path):
        self._path = path

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Deferred(self._path + (name,))

    def __call__(self, *args, **kwargs):
        import torch
        obj = torch
        for name in self._path:
            obj = getattr(obj, name)
        return obj(*args, **kwargs)

    def __repr__(self):
        return "torch." + ".".join(self._path)


torch_ref = _Deferred(())


__all__ = ["S", "Arg", "OpInfo", "normal", "uniform", "positive", "away_from", "distinct",
           "ints", "mask", "op_tests", "cases", "check_gradcheck", "check_torch",
           "check_float32", "torch_ref"]
