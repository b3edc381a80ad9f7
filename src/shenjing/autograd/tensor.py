"""``Tensor``: an array, its gradient, and the node of the graph that made it.

A tensor wraps one array (``.array``, a NumPy array on the CPU).  When it requires grad
and was produced by an op, ``.grad_fn`` is that op's ``Function`` node, whose inputs are
the tensors it was computed from: following them backwards is the computational graph
that ``backward()`` walks.  Leaf tensors (made by the user, ``grad_fn is None``)
accumulate their gradient in ``.grad``.

The arithmetic, math and shape methods (``x + y``, ``x.exp()``, ``x.sum(1)``, ...) are
the ops of ``shenjing.ops``; that package attaches them to this class, so that the engine
here imports nothing above it.

``.data`` follows PyTorch: a tensor sharing this one's array, detached from the graph,
whose in-place changes are not tracked (``p.data.mul_(0.5)``).  ``.array`` is the raw array.
"""

import numpy

from .. import backend
from . import engine, function, grad_mode


class Tensor:
    """A multi-dimensional array with reverse-mode automatic differentiation.

    ``Tensor(data, dtype=None, requires_grad=False)``: ``data`` is a nested list, a number,
    a NumPy array or a tensor.  Python floats become float32 (``get_default_dtype()``),
    Python ints int64, as in PyTorch.
    """

    __slots__ = ("array", "grad", "requires_grad", "_node", "_index", "_vcell", "_hooks",
                 "__weakref__")
    __array_ufunc__ = None  # ``ndarray + tensor`` calls Tensor.__radd__, not NumPy

    def __init__(self, data, dtype=None, requires_grad=False):
        self.array = as_array(data, dtype)
        self.grad = None
        self.requires_grad = False
        self._node = None
        self._index = 0
        self._vcell = [0]
        self._hooks = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def from_node(cls, array, node, index):
        """A tensor for an op's output ``array``; ``node`` is the op (None: no graph)."""
        t = object.__new__(cls)
        t.array = array
        t.grad = None
        t.requires_grad = node is not None
        t._node = node
        t._index = index
        t._vcell = [0]
        t._hooks = None
        return t

    @property
    def _version(self):
        """How many in-place changes this tensor's memory has had (PyTorch's version counter).
        A view and the tensor it views share one count (``_share_versions``), so that an
        in-place change through either is seen by a backward that saved the other."""
        return self._vcell[0]

    @_version.setter
    def _version(self, value):
        try:
            self._vcell[0] = value
        except AttributeError:      # made by object.__new__ (deepcopy): a count of its own
            self._vcell = [value]

    @staticmethod
    def _share_versions(result, inputs):
        """Give each output of an op that is a view of an input's memory (numpy's ``base``)
        that input's version count."""
        for t in result if type(result) is tuple else (result,):
            a = t.array
            owner = a if a.base is None else a.base
            for x in inputs:
                b = x.array
                if b is owner or b.base is owner:
                    t._vcell = x._vcell
                    break

    # ------------------------------------------------------------ what it is

    @property
    def shape(self):
        """The shape as a tuple of ints."""
        return self.array.shape

    @property
    def dtype(self):
        """The element type, a ``numpy.dtype`` (compare with ``shenjing.float32``, ...)."""
        return self.array.dtype

    @property
    def ndim(self):
        """The number of dimensions."""
        return self.array.ndim

    @property
    def device(self):
        """Where the array lives: ``"cpu"`` for NumPy arrays, ``"cuda"`` for CuPy ones."""
        return "cpu" if type(self.array) is numpy.ndarray else "cuda"

    @property
    def is_leaf(self):
        """True for tensors not produced by a recorded op: their ``.grad`` is filled."""
        return self._node is None

    @property
    def grad_fn(self):
        """The op node that produced this tensor, or None for a leaf."""
        return self._node

    def is_floating_point(self):
        """True for floating dtypes, the only ones that can carry gradients."""
        return self.array.dtype.kind == "f"

    def size(self, dim=None):
        """The shape (``size()``) or the length of one dimension (``size(dim)``)."""
        return self.array.shape if dim is None else self.array.shape[dim]

    def dim(self):
        """The number of dimensions."""
        return self.array.ndim

    def numel(self):
        """The number of elements."""
        return self.array.size

    def element_size(self):
        """Bytes per element."""
        return self.array.itemsize

    def __len__(self):
        if self.array.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    # ------------------------------------------------------------ data out

    def item(self):
        """The value of a one-element tensor as a Python number."""
        if self.array.size != 1:
            raise ValueError(f"item(): expected a tensor with one element, got shape {self.shape}")
        return self.array.item()

    def numpy(self):
        """The array itself (shared, not copied), as ``torch.Tensor.numpy()``."""
        return self.array

    def tolist(self):
        """The values as (nested) Python lists of numbers."""
        return self.array.tolist()

    def __array__(self, dtype=None, copy=None):
        array = self.array if dtype is None else self.array.astype(dtype, copy=False)
        # NumPy's reductions may leave a 0-d result as a scalar, which __array__ must not return
        return numpy.asarray(array) if isinstance(array, numpy.generic) else array

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in "iub":
            raise TypeError(f"only integer tensors can be used as an index, got {self.dtype}")
        return int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError(f"the truth value of a tensor of shape {self.shape} is ambiguous;"
                               " use .any() or .all()")
        return bool(self.array)

    __hash__ = object.__hash__  # == is elementwise, identity is the hash

    def __deepcopy__(self, memo):
        """A leaf copy with its own array (and gradient), of the same class (Parameter stays one)."""
        if self._node is not None:
            raise RuntimeError("deepcopy: only leaf tensors can be copied; use .detach().clone()")
        clone = object.__new__(type(self))
        memo[id(self)] = clone
        clone.array = self.array.copy()
        clone.grad = None if self.grad is None else self.grad.__deepcopy__(memo)
        clone.requires_grad = self.requires_grad
        clone._node, clone._index, clone._version, clone._hooks = None, 0, 0, None
        return clone

    def __iter__(self):
        if self.array.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.array.shape[0]))

    def __repr__(self):
        body = numpy.array2string(self.array, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.array.dtype != backend.get_default_dtype() and self.array.dtype != numpy.int64:
            extras.append(f"dtype={self.array.dtype}")
        if self._node is not None:
            extras.append(f"grad_fn={self._node!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ------------------------------------------------------------ the graph

    @property
    def data(self):
        """A tensor sharing this array, outside the graph, whose in-place changes are untracked."""
        return Tensor.from_node(self.array, None, 0)

    @data.setter
    def data(self, value):
        array = value.array if isinstance(value, Tensor) else as_array(value)
        if array.dtype.kind != "f" and self.requires_grad:
            raise TypeError(f".data = ...: a tensor that requires grad needs floating data, "
                            f"got {array.dtype}")
        self.array = array

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording ops on this leaf tensor so that it gets a ``.grad``."""
        if self._node is not None and not requires_grad:
            raise RuntimeError("requires_grad_(False) on a non-leaf tensor; use .detach()")
        if requires_grad and self.array.dtype.kind != "f":
            raise TypeError(f"only floating tensors can require grad, got {self.dtype}; "
                            f"convert first, e.g. x.float().requires_grad_()")
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self):
        """A tensor sharing this array (and its version count) with no graph behind it (it
        requires no grad)."""
        t = Tensor.from_node(self.array, None, 0)
        t._vcell = self._vcell
        return t

    def detach_(self):
        """Cut this tensor from its graph, in place: it becomes a leaf requiring no grad."""
        self._node = None
        self.requires_grad = False
        return self

    def retain_grad(self):
        """Keep the gradient of this non-leaf tensor in ``.grad`` when backward passes it."""
        if self._node is None:
            return
        import weakref
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                t.grad = grad if t.grad is None else Tensor.from_node(t.grad.array + grad.array, None, 0)
        self.register_hook(keep)

    def register_hook(self, hook):
        """Call ``hook(grad)`` with this tensor's gradient each time backward computes it.

        The hook may return a tensor to use instead of the gradient.  Returns a handle whose
        ``remove()`` unregisters it.
        """
        if not self.requires_grad:
            raise RuntimeError("register_hook: this tensor does not require grad, so no "
                               "gradient will reach it")
        if self._node is None:
            if self._hooks is None:
                self._hooks = {}
            hooks = self._hooks
        else:
            node = self._node
            if not hasattr(node, "output_hooks"):
                node.output_hooks = {}
            hooks = node.output_hooks.setdefault(self._index, {})
        return RemovableHandle(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        ``gradient`` is dL/d(self), needed when self has more than one element. Gradients add
        up in the leaves' ``.grad``; the graph is freed unless ``retain_graph=True``
        (default: ``create_graph``).  ``create_graph=True`` records the backward pass too, so
        that the ``.grad`` tensors have a graph and can be differentiated again.
        ``inputs`` (a tensor or a sequence of leaves) limits the accumulation to those.
        """
        if inputs is None:
            engine.backward(self, gradient, retain_graph, create_graph)
            return
        from .higher_order import accumulate_into
        accumulate_into(self, gradient, retain_graph, create_graph, inputs)

    # ------------------------------------------------------------ conversions

    def to(self, *args, dtype=None, **kwargs):
        """Convert the dtype (``to(shenjing.float64)``); devices other than "cpu" are refused."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif _is_device(a):
                _check_device(a)
            else:
                dtype = a
        if "device" in kwargs:
            _check_device(kwargs["device"])
        return self if dtype is None else self.type(dtype)

    def cpu(self):
        return self

    def type(self, dtype=None):
        """The dtype's name (no argument) or a copy converted to ``dtype``, with gradient."""
        if dtype is None:
            return str(self.array.dtype)
        dtype = backend.to_dtype(dtype)
        if dtype == self.array.dtype:
            return self
        return Cast(dtype)(self)

    def float(self):
        """Convert to float32."""
        return self.type(numpy.float32)

    def double(self):
        """Convert to float64."""
        return self.type(numpy.float64)

    def half(self):
        """Convert to float16."""
        return self.type(numpy.float16)

    def long(self):
        """Convert to int64 (no gradient flows through integers)."""
        return self.type(numpy.int64)

    def int(self):
        """Convert to int32."""
        return self.type(numpy.int32)

    def bool(self):
        """Convert to bool."""
        return self.type(numpy.bool_)

    # ------------------------------------------------------------ in place

    def _check_inplace(self, what):
        """Refuse an in-place change that would corrupt a recorded graph; count the change."""
        if self.requires_grad and grad_mode._Mode.grad_enabled:
            if self._node is None:
                raise RuntimeError(
                    f"{what}: a leaf tensor that requires grad cannot change in place while the "
                    f"graph is recorded; do the update inside `with shenjing.no_grad():`")
            raise RuntimeError(
                f"{what}: in-place change of a tensor that is part of a recorded graph; use the "
                f"out-of-place form (e.g. x = x + y instead of x.add_(y))")
        self._version += 1


class Cast(function.Function):
    """Change the dtype; the gradient is cast back to the input's dtype."""
    reads_inputs = False

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.in_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return gy.astype(self.in_dtype) if self.in_dtype.kind == "f" else None


class RemovableHandle:
    """Returned by ``register_hook``-style calls; ``remove()`` takes the hook out again."""
    _next_id = 0

    def __init__(self, hooks, hook):
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id
        self.hooks = hooks
        hooks[self.id] = hook

    def remove(self):
        self.hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


def as_array(data, dtype=None):
    """Turn data (numbers, nested lists, arrays, tensors) into an array with the dtype policy.

    Python floats become the default float dtype (float32) and ints int64; arrays keep
    their dtype unless ``dtype`` is given.
    """
    dtype = backend.to_dtype(dtype)
    if isinstance(data, Tensor):
        data = data.array
    xp = backend.xp()
    if isinstance(data, (numpy.ndarray, numpy.generic)) or hasattr(data, "__cuda_array_interface__"):
        array = xp.asarray(data)
    else:
        if isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
            data = [as_array(d) for d in data]
        array = xp.asarray(data)
        if dtype is None and array.dtype.kind == "f":
            array = array.astype(backend.get_default_dtype(), copy=False)
        elif dtype is None and array.dtype.kind in "iu" and array.dtype != numpy.int64:
            array = array.astype(numpy.int64)
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _is_device(a):
    return isinstance(a, str) and a.split(":")[0] in ("cpu", "cuda", "mps") or type(a).__name__ == "device"


def _check_device(device):
    if device is None:
        return
    name = str(device).split(":")[0]
    if name != "cpu":
        raise RuntimeError(f"to({device!r}): shenjing tensors live on the CPU in this process "
                           f"(select a GPU with shenjing.backend.use('cupy'))")


function._tensor_class = Tensor
