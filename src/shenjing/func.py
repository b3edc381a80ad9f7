"""``shenjing.func`` (``torch.func``): function transforms ``grad``, ``grad_and_value``,
``jacrev``, ``hessian`` and ``vmap``.

``grad(f)`` is a new function returning df/dx, built on ``autograd.grad``.  When its inputs
already carry a graph (an outer ``grad`` is differentiating through it) the gradient is
made with ``create_graph=True``, so the transforms nest: ``grad(grad(f))(x)`` is f''(x).

``vmap(f)`` maps f over a batch dimension by running f once per slice and stacking the
results: correct for any f made of shenjing ops (including ``grad(f)``), not a fused
batched kernel; it is the reference that a vectorising vmap could later be checked against.
"""

from .autograd import grad_mode
from .autograd.higher_order import grad as _autograd_grad
from .autograd.tensor import Tensor
from .ops.shape import stack as _stack


def _argnums(argnums, n_args, where):
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    if not nums or not all(isinstance(i, int) for i in nums):
        raise TypeError(f"{where}: argnums must be an int or a non-empty tuple of ints, got "
                        f"{argnums!r}")
    for i in nums:
        if not -n_args <= i < n_args:
            raise ValueError(f"{where}: argnums {i} is out of range for a function called with "
                             f"{n_args} positional arguments")
    return tuple(i % n_args for i in nums)


def _differentiable_args(args, argnums, where):
    """(args with fresh tensors at ``argnums`` to differentiate by, those tensors, nested):
    nested when an argument already carries a graph (an outer transform differentiates
    through this one), and then the fresh tensors stay joined to it."""
    nums = _argnums(argnums, len(args), where)
    args = list(args)
    for i in nums:
        x = args[i]
        if not isinstance(x, Tensor) or x.array.dtype.kind != "f":
            got = x.dtype if isinstance(x, Tensor) else type(x).__name__
            raise TypeError(f"{where}: argument {i} must be a floating tensor, got {got}")
    nested = any(isinstance(a, Tensor) and a.requires_grad for a in args)
    xs = []
    with grad_mode.enable_grad():
        for i in nums:
            x = args[i]
            fresh = x * 1 if x.requires_grad else Tensor.from_node(x.array, None, 0)
            args[i] = fresh if fresh.requires_grad else fresh.requires_grad_()
            xs.append(args[i])
    return args, xs, nested


def grad_and_value(func, argnums=0, has_aux=False):
    """A function returning (df/d args[argnums], f(*args)) (``((grad, (f, aux))`` with
    ``has_aux``); f must return a one-element tensor.  The gradient has the argument's shape
    (a tuple of them when ``argnums`` is a tuple)."""
    def wrapper(*args, **kwargs):
        args, xs, nested = _differentiable_args(args, argnums, "func.grad")
        with grad_mode.enable_grad():
            result = func(*args, **kwargs)
            if has_aux:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise TypeError("func.grad(has_aux=True): f must return a pair (output, aux)")
                out, aux = result
            else:
                out, aux = result, None
            if not isinstance(out, Tensor) or out.array.size != 1:
                shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
                raise RuntimeError(f"func.grad: f must return a one-element tensor, got {shape}")
            if out.requires_grad:
                grads = _autograd_grad(out, xs, create_graph=nested, materialize_grads=True)
            else:  # f does not depend on the arguments
                grads = tuple(Tensor.from_node(x.array * 0, None, 0) for x in xs)
        if not nested:
            out = out.detach()
        g = grads[0] if isinstance(argnums, int) else grads
        return (g, (out, aux)) if has_aux else (g, out)
    wrapper.__name__ = f"grad_and_value({getattr(func, '__name__', 'f')})"
    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A function returning df/d args[argnums] (and aux with ``has_aux``), as ``torch.func.grad``.

    f(*args) must return a one-element tensor (or ``(output, aux)``).  The gradient has the
    shape of the argument (a tuple of gradients when ``argnums`` is a tuple).

    >>> d2 = grad(grad(lambda x: (x ** 3).sum()))     # 6 x, for a one-element x
    """
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        g, value = both(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    wrapper.__name__ = f"grad({getattr(func, '__name__', 'f')})"
    return wrapper


def jacrev(func, argnums=0, has_aux=False):
    """A function returning the Jacobian of f at args[argnums] by reverse mode, one
    ``autograd.grad`` per output element: shape f(*args).shape + arg.shape (a tuple of
    them when ``argnums`` is a tuple).  Nests: ``jacrev(jacrev(f))`` is the Hessian."""
    def wrapper(*args, **kwargs):
        args, xs, nested = _differentiable_args(args, argnums, "func.jacrev")
        with grad_mode.enable_grad():
            result = func(*args, **kwargs)
            out, aux = result if has_aux else (result, None)
            if not isinstance(out, Tensor):
                raise TypeError(f"func.jacrev: f must return a tensor, got {type(out).__name__}")
            flat = out.reshape(-1)
            rows = [[] for _ in xs]
            for k in range(flat.shape[0]):
                if flat.requires_grad:
                    gs = _autograd_grad(flat[k], xs, retain_graph=True, create_graph=nested,
                                        materialize_grads=True)
                else:
                    gs = [Tensor.from_node(x.array * 0, None, 0) for x in xs]
                for r, g in zip(rows, gs):
                    r.append(g)
            empty = [Tensor.from_node(x.array[None][:0], None, 0) for x in xs]  # f gave no elements
            jacs = tuple((_stack(r, 0) if r else e).reshape(tuple(out.shape) + tuple(x.shape))
                         for r, e, x in zip(rows, empty, xs))
        jacs = jacs if nested else tuple(j.detach() for j in jacs)
        j = jacs[0] if isinstance(argnums, int) else jacs
        return (j, aux) if has_aux else j
    wrapper.__name__ = f"jacrev({getattr(func, '__name__', 'f')})"
    return wrapper


def hessian(func, argnums=0):
    """The Hessian of a scalar f at args[argnums]: ``jacrev(jacrev(f))``, shape arg.shape * 2."""
    return jacrev(jacrev(func, argnums), argnums)


def _select(x, dim, i):
    return x[(slice(None),) * dim + (i,)]


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """Map ``func`` over a dimension of its arguments, as ``torch.func.vmap``.

    ``in_dims``: the batched dim of each positional argument (an int for all, or a tuple
    with None for arguments passed whole); ``out_dims``: where the batch dim goes in the
    outputs.  f(x[i]) is run for each i and the results stacked (a tensor or a tuple of
    tensors): (B, *shape) -> (B, *f's output shape) for in_dims=0, out_dims=0.
    ``randomness`` is checked and ``chunk_size`` accepted; slices always run one by one.
    """
    if randomness not in ("error", "different", "same"):
        raise ValueError(f"vmap: randomness must be 'error', 'different' or 'same', got "
                         f"{randomness!r}")

    def wrapper(*args):
        dims = tuple(in_dims) if isinstance(in_dims, (tuple, list)) else (in_dims,) * len(args)
        if len(dims) != len(args):
            raise ValueError(f"vmap: in_dims has {len(dims)} entries but the function was called "
                             f"with {len(args)} positional arguments")
        sizes, norm = set(), []
        for k, (a, d) in enumerate(zip(args, dims)):
            if d is None:
                norm.append(None)
                continue
            if not isinstance(a, Tensor):
                raise TypeError(f"vmap: argument {k} has in_dim {d} but is a {type(a).__name__}, "
                                f"not a tensor; give it in_dim None")
            if not -a.ndim <= d < a.ndim:
                raise ValueError(f"vmap: in_dim {d} is out of range for argument {k} of shape "
                                 f"{tuple(a.shape)}")
            norm.append(d % a.ndim)
            sizes.add(a.shape[d % a.ndim])
        if not sizes:
            raise ValueError("vmap: no argument is batched (every in_dim is None)")
        if len(sizes) != 1:
            raise ValueError(f"vmap: the batched dims have different sizes {sorted(sizes)}; "
                             f"they must agree")
        (n,) = sizes
        results = [func(*[a if d is None else _select(a, d, i) for a, d in zip(args, norm)])
                   for i in range(n)]
        if isinstance(results[0], tuple):
            outs = tuple(zip(*results))
            odims = out_dims if isinstance(out_dims, (tuple, list)) else (out_dims,) * len(outs)
            return tuple(_stack(list(o), d) for o, d in zip(outs, odims))
        if not isinstance(results[0], Tensor):
            raise TypeError(f"vmap: the function must return a tensor or a tuple of tensors, "
                            f"got {type(results[0]).__name__}")
        return _stack(results, out_dims)
    wrapper.__name__ = f"vmap({getattr(func, '__name__', 'f')})"
    return wrapper


__all__ = ["grad", "grad_and_value", "hessian", "jacrev", "vmap"]
