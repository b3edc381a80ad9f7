"""``shenjing gradcheck MODULE:FACTORY``: gradient-check a user's own layer or function.

``MODULE`` is an importable module (``mypkg.layers``, searched from the current folder
too) or a ``.py`` file; ``FACTORY`` is a function in it, called with no arguments, that
returns ``(f, inputs)``:

- ``f``: a function of tensors, or a layer/module (PyTorch or Keras face; its parameters
  are checked too, after converting it to float64);
- ``inputs``: a tensor, an array, a shape tuple (random normal values), or a tuple/list
  of them, one per argument of ``f``.

Every floating input and parameter is checked in float64 against central differences
(``shenjing.autograd.gradcheck``); the command prints the relative error of each and
names the worst element of each (``weight[2, 0]``: analytic vs numerical), and exits 0
when all pass, 1 when one fails, 2 when the factory cannot be loaded or returns
something else.

    $ shenjing gradcheck mylayers:make_swish
    input 0 (4, 5): relative error 3.1e-11 ... ok
    gradcheck passed: 1 tensor(s), worst relative error 3.1e-11 (tol 1e-06)
"""

import importlib
import importlib.util
import os
import sys

import numpy


class FactoryError(ValueError):
    """The MODULE:FACTORY spec cannot be loaded or returns the wrong thing."""


def add_commands(sub):
    """Add ``gradcheck`` to the ``shenjing`` command's subparsers."""
    parser = sub.add_parser(
        "gradcheck", help="gradient-check your own layer or function (float64 central "
                          "differences)",
        description="Load FACTORY from MODULE (a module name or a .py file); it returns "
                    "(f, inputs) with f a function or a layer and inputs tensors, arrays "
                    "or shapes. Checks f's backward for every input and parameter and "
                    "names the worst element.")
    parser.add_argument("spec", metavar="MODULE:FACTORY")
    parser.add_argument("--eps", type=float, default=1e-6, help="finite-difference step")
    parser.add_argument("--tol", type=float, default=1e-6, help="largest relative error")
    parser.add_argument("--seed", type=int, default=0, help="seed of random inputs")
    parser.set_defaults(run=cmd_gradcheck)


def cmd_gradcheck(args):
    """Run the check; print one line per tensor and a verdict; return the exit status."""
    import shenjing
    try:
        shenjing.manual_seed(args.seed)
        f, inputs = load_factory(args.spec)()
        f, tensors, names = prepare(f, inputs, args.spec)
        n_inputs = sum(1 for n in names if n.startswith("input "))
        result = shenjing.autograd.gradcheck(
            lambda *xs: f(*xs[:n_inputs]), tuple(tensors), eps=args.eps, tol=args.tol,
            raise_exception=False, seed=args.seed)
    except FactoryError as error:
        print(f"shenjing gradcheck: {error}", file=sys.stderr)
        return 2
    worst = max(result.reports, key=lambda r: r["relative_error"])
    for r in result.reports:
        print(f"{names[r['input']]} {r['shape']}: relative error {r['relative_error']:.2e}; "
              f"worst element {_element(names[r['input']], r['worst_index'])}: analytic "
              f"{r['analytic']:.6g}, numerical {r['numerical']:.6g}  "
              f"{'ok' if r['ok'] else 'FAILED'}")
    verdict = "passed" if result else "FAILED"
    print(f"gradcheck {verdict}: {len(result.reports)} tensor(s), worst relative error "
          f"{worst['relative_error']:.2e} (tol {args.tol:g}) at "
          f"{_element(names[worst['input']], worst['worst_index'])}")
    return 0 if result else 1


def load_factory(spec):
    """The function named by ``MODULE:FACTORY`` (``FactoryError`` saying what is wrong)."""
    module_name, sep, factory_name = spec.rpartition(":")
    if not sep or not module_name or not factory_name:
        raise FactoryError(f"expected MODULE:FACTORY (e.g. mylayers:make_layer), got {spec!r}")
    try:
        if module_name.endswith(".py"):
            if not os.path.isfile(module_name):
                raise FactoryError(f"{module_name}: no such file")
            loader = importlib.util.spec_from_file_location("_gradcheck_target", module_name)
            module = importlib.util.module_from_spec(loader)
            loader.loader.exec_module(module)
        else:
            if os.getcwd() not in sys.path:  # like `python -m`: the user's own modules
                sys.path.insert(0, os.getcwd())
            module = importlib.import_module(module_name)
    except FactoryError:
        raise
    except Exception as error:  # the user's module failed to import: say why, in one line
        raise FactoryError(f"cannot import {module_name}: {type(error).__name__}: "
                           f"{error}") from None
    factory = getattr(module, factory_name, None)
    if not callable(factory):
        raise FactoryError(f"{module_name} has no function {factory_name!r}")
    return factory


def prepare(f, inputs, spec="factory"):
    """``(f, float64 tensors requiring grad, their names)``: inputs first, then parameters."""
    import shenjing
    if not callable(f):
        raise FactoryError(f"{spec}: expected the factory to return (f, inputs) with f a "
                           f"function or a layer, got f of type {type(f).__name__}")
    if isinstance(inputs, (list, tuple)) and not _is_shape(inputs):
        inputs = list(inputs)
    else:
        inputs = [inputs]
    tensors = [_as_float64(x, i, spec) for i, x in enumerate(inputs)]
    names = [f"input {i}" for i in range(len(tensors))]
    if isinstance(f, shenjing.nn.Module):
        for layer in f.modules():
            if isinstance(getattr(layer, "dtype", None), str):  # a Keras layer casts its
                layer.dtype = "float64"                         # inputs to its dtype
        f.double()
        with shenjing.no_grad():
            f(*[t.detach() for t in tensors])  # builds a lazy (Keras) layer's weights
        f.double()
        for name, p in f.named_parameters():
            if p.requires_grad:
                tensors.append(p)
                names.append(name)
    return f, tensors, names


def _is_shape(obj):
    return isinstance(obj, tuple) and len(obj) > 0 and all(isinstance(d, int) for d in obj)


def _as_float64(x, i, spec):
    import shenjing
    if _is_shape(x):
        return shenjing.randn(*x, dtype=shenjing.float64, requires_grad=True)
    if isinstance(x, shenjing.Tensor):
        x = x.detach().numpy()
    if not isinstance(x, numpy.ndarray) or x.dtype.kind != "f":
        raise FactoryError(f"{spec}: input {i} must be a float tensor, a float array or a "
                           f"shape tuple, got {type(x).__name__}"
                           f"{' of ' + str(x.dtype) if hasattr(x, 'dtype') else ''}")
    return shenjing.tensor(numpy.ascontiguousarray(x, dtype=numpy.float64),
                           requires_grad=True)


def _element(name, index):
    return f"{name}[{', '.join(map(str, index))}]"
