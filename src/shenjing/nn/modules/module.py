"""``Module``: the base class of every layer and model of the PyTorch face.

Assigning a ``Parameter`` or a ``Module`` to an attribute registers it, so that
``parameters()``, ``state_dict()``, ``train()``/``eval()`` and ``repr`` find it::

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(784, 256)      # registered as "fc1"
        def forward(self, x):
            return self.fc1(x).relu()

An error raised inside a sub-module names its path in the model (``fc2``,
``features.3``) and its class, so that a wrong input shape points at the layer.
"""

from collections import OrderedDict, namedtuple

from ... import backend
from ...autograd.tensor import RemovableHandle, Tensor, _check_device, _is_device
from ..parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of layers and models: holds parameters, buffers and sub-modules."""

    training = True

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments; did "
                            f"you forget to define __init__ with these parameters?")
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_non_persistent_buffers"] = set()
        d["_modules"] = OrderedDict()
        d["_forward_pre_hooks"] = OrderedDict()
        d["_forward_hooks"] = OrderedDict()

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define it")

    # ------------------------------------------------------------ calling

    def __call__(self, *args, **kwargs):
        try:
            for hook in tuple(self._forward_pre_hooks.values()):
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
            output = self.forward(*args, **kwargs)
            for hook in tuple(self._forward_hooks.values()):
                result = hook(self, args, output)
                if result is not None:
                    output = result
        except (ValueError, TypeError, IndexError) as error:
            _add_module_path(error, self)
            raise
        return output

    def register_forward_pre_hook(self, hook):
        """Call ``hook(module, args)`` before forward; it may return replacement args."""
        return RemovableHandle(self._forward_pre_hooks, hook)

    def register_forward_hook(self, hook):
        """Call ``hook(module, args, output)`` after forward; it may return a new output."""
        return RemovableHandle(self._forward_hooks, hook)

    # ------------------------------------------------------------ registration

    def __setattr__(self, name, value):
        d = self.__dict__
        if "_parameters" not in d:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() is called; "
                                 f"call super().__init__() first")
        params, modules, buffers = d["_parameters"], d["_modules"], d["_buffers"]
        if isinstance(value, Parameter):
            _discard(d, modules, buffers, name)
            params[name] = value
        elif isinstance(value, Module):
            _discard(d, params, buffers, name)
            modules[name] = value
        elif name in params:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as parameter {name!r} "
                                f"(a Parameter or None is expected)")
            params[name] = value if value is None or isinstance(value, Parameter) else Parameter(value)
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r}")
            buffers[name] = value
        elif name in modules and value is None:
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, got "
                            f"{type(param).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register a tensor that is state but not trained (e.g. running statistics)."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a tensor or None, got "
                            f"{type(tensor).__name__}")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Register a sub-module under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got {type(module).__name__}")
        self._modules[name] = module

    register_module = add_module

    # ------------------------------------------------------------ walking the tree

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(path, module) for this module and every module below it, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module.named_modules(memo, f"{prefix}.{name}" if prefix else name,
                                                remove_duplicate)

    def modules(self):
        """This module and every module below it."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """(name, module) for the direct sub-modules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        """The direct sub-modules."""
        for _, m in self.named_children():
            yield m

    def _named_members(self, store, prefix, recurse):
        seen = set()
        modules = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for path, module in modules:
            for name, t in getattr(module, store).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{path}.{name}" if path else name), t

    def named_parameters(self, prefix="", recurse=True):
        """(path, parameter) for every parameter, each shared parameter once."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        """Every parameter (what an optimizer is given)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        """(path, buffer) for every buffer."""
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def get_submodule(self, target):
        """The module at a dotted path such as ``"features.3"``."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no sub-module {part!r} "
                                     f"(looking for {target!r})")
            module = module._modules[part]
        return module

    def get_parameter(self, target):
        """The parameter at a dotted path such as ``"fc1.weight"``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter {name!r}")
        return module._parameters[name]

    # ------------------------------------------------------------ modes

    def train(self, mode=True):
        """Set training mode (dropout active, batch norm uses batch statistics) recursively."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be a bool, got {mode!r}")
        for m in self.modules():
            m.__dict__["training"] = mode
        return self

    def eval(self):
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Freeze (False) or unfreeze every parameter."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of every parameter."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                p.grad.array[...] = 0

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module (children first) and on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _convert(self, convert):
        for m in self.modules():
            for store in (m._parameters, m._buffers):
                for name, t in store.items():
                    if t is not None:
                        t.array = convert(t.array)
                        if t.grad is not None:
                            t.grad.array = convert(t.grad.array)
        return self

    def to(self, *args, dtype=None, device=None, **kwargs):
        """Convert floating parameters and buffers to a dtype (``model.to(shenjing.float64)``);
        ``to("cpu")`` is accepted, other devices are refused."""
        for a in args:
            if isinstance(a, Tensor):
                dtype = a.dtype
            elif _is_device(a):
                device = a
            else:
                dtype = a
        if device is not None:
            _check_device(device)
        if dtype is None:
            return self
        dtype = backend.to_dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Module.to: only floating dtypes are allowed, got {dtype}")
        return self._convert(lambda a: a.astype(dtype) if a.dtype.kind == "f" else a)

    def float(self):
        """Convert floating parameters and buffers to float32."""
        return self._convert(lambda a: a.astype("float32") if a.dtype.kind == "f" else a)

    def double(self):
        """Convert floating parameters and buffers to float64."""
        return self._convert(lambda a: a.astype("float64") if a.dtype.kind == "f" else a)

    def half(self):
        """Convert floating parameters and buffers to float16."""
        return self._convert(lambda a: a.astype("float16") if a.dtype.kind == "f" else a)

    def cpu(self):
        return self

    # ------------------------------------------------------------ state

    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ordered dict path -> tensor of every parameter and persistent buffer.

        The tensors share memory with the module's (detached unless ``keep_vars``).
        """
        out = OrderedDict() if destination is None else destination
        for path, module in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            dot = f"{path}." if path else ""
            for name, p in module._parameters.items():
                if p is not None:
                    out[dot + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent_buffers:
                    out[dot + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy values from ``state_dict`` into the parameters and buffers (in place).

        With ``strict``, missing and unexpected keys are errors; a shape mismatch always is.
        Every problem is listed in one error, and nothing is changed when there is one.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        mismatched = []
        for k, target in own.items():
            if k in state_dict:
                value = state_dict[k]
                shape = tuple(value.shape) if hasattr(value, "shape") else None
                if shape != tuple(target.shape):
                    mismatched.append(f"  {k}: expected shape {tuple(target.shape)}, "
                                      f"got {shape if shape is not None else type(value).__name__}")
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches:\n" + "\n".join(mismatched))
        if problems:
            raise RuntimeError(f"load_state_dict into {type(self).__name__}: "
                               + "; ".join(problems))
        for k, target in own.items():
            if k in state_dict:
                value = state_dict[k]
                array = value.array if isinstance(value, Tensor) else value
                target.array[...] = array
                target._version += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------ repr

    def extra_repr(self):
        """The part of ``repr`` inside the parentheses; layers override it."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            body = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {body}")
        head = type(self).__name__ + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and not self._modules:
            return head + lines[0] + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"

    def __getstate__(self):
        raise TypeError("shenjing modules are not pickled; save model.state_dict() "
                        "with shenjing.save")

    def __deepcopy__(self, memo):
        """An independent copy with its own parameters (``copy.deepcopy(model)``)."""
        import copy
        clone = type(self).__new__(type(self))
        memo[id(self)] = clone
        for key, value in self.__dict__.items():
            clone.__dict__[key] = copy.deepcopy(value, memo)
        return clone


def _discard(d, first, second, name):
    first.pop(name, None)
    second.pop(name, None)
    d.pop(name, None)


def _name(module):
    """A module's own name, where it has one (Keras-face layers are named)."""
    name = getattr(module, "__dict__", {}).get("name")
    return name if isinstance(name, str) else None


def _add_module_path(error, module):
    """Prefix ``error``'s message with the path of the module that raised it, as the error
    passes up through the enclosing modules' calls."""
    chain = getattr(error, "_shenjing_path", None)
    if chain is None:
        detail = str(error.args[0]) if error.args else str(error)
        for own in (f"{type(module).__name__}: ", f"{_name(module)} ({type(module).__name__}): "):
            if detail.startswith(own):  # the layer named itself already; the path will say it
                detail = detail[len(own):]
        error._shenjing_path = chain = {"names": [], "inner": module, "last": module,
                                        "detail": detail}
    else:
        last = chain["last"]
        # the module that raised may sit below a container (layers.0) this module never calls
        for name, child in module.named_modules():
            if child is last and name:
                chain["names"].insert(0, name)
                break
        chain["last"] = module
    inner = type(chain["inner"]).__name__
    where = ".".join(chain["names"]) or _name(chain["inner"]) or ""
    prefix = f"{where} ({inner})" if where else inner
    error.args = (f"{prefix}: {chain['detail']}",) + tuple(error.args[1:])
