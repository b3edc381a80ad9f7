"""Optimizer hooks, PyTorch's protocol: functions run around ``step()`` and around
``state_dict()`` / ``load_state_dict()``.

=========================================  ===================================================
``register_step_pre_hook(hook)``           ``hook(optimizer, args, kwargs)`` before each step;
                                           may return ``(new_args, new_kwargs)``
``register_step_post_hook(hook)``          ``hook(optimizer, args, kwargs)`` after each step
``register_state_dict_pre_hook(hook)``     ``hook(optimizer)`` before ``state_dict()``
``register_state_dict_post_hook(hook)``    ``hook(optimizer, state_dict)``; may return a new one
``register_load_state_dict_pre_hook``      ``hook(optimizer, state_dict)``; may return a new one
``register_load_state_dict_post_hook``     ``hook(optimizer)`` after ``load_state_dict()``
=========================================  ===================================================

As in PyTorch, ``args`` holds the optimizer itself first (``(optimizer,)`` or
``(optimizer, closure)``).  ``register_optimizer_step_pre_hook`` /
``register_optimizer_step_post_hook`` register hooks for every optimizer; global pre
hooks run before an optimizer's own, global post hooks after.  Each call returns a
handle whose ``remove()`` takes the hook out; ``prepend=True`` (state-dict hooks) runs
the hook before those already registered.
"""

from collections import OrderedDict

from ..autograd.tensor import RemovableHandle

__all__ = ["HookMixin", "register_optimizer_step_pre_hook", "register_optimizer_step_post_hook"]

_global_pre_hooks = OrderedDict()
_global_post_hooks = OrderedDict()


def register_optimizer_step_pre_hook(hook):
    """Run ``hook(optimizer, args, kwargs)`` before the step of every optimizer."""
    return _add(_global_pre_hooks, hook, "register_optimizer_step_pre_hook")


def register_optimizer_step_post_hook(hook):
    """Run ``hook(optimizer, args, kwargs)`` after the step of every optimizer."""
    return _add(_global_post_hooks, hook, "register_optimizer_step_post_hook")


def _add(hooks, hook, who, prepend=False):
    if not callable(hook):
        raise TypeError(f"{who}: the hook must be callable, got {type(hook).__name__}")
    handle = RemovableHandle(hooks, hook)
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class HookMixin:
    """The ``register_*_hook`` methods of ``Optimizer``; the hooks live in the instance."""

    def _hooks(self, kind):
        return self.__dict__.setdefault(f"_{kind}_hooks", OrderedDict())

    def register_step_pre_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` before each ``step()``; returning
        ``(new_args, new_kwargs)`` replaces the step's arguments."""
        return _add(self._hooks("step_pre"), hook, f"{type(self).__name__}.register_step_pre_hook")

    def register_step_post_hook(self, hook):
        """Run ``hook(optimizer, args, kwargs)`` after each ``step()``."""
        return _add(self._hooks("step_post"), hook,
                    f"{type(self).__name__}.register_step_post_hook")

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` before ``state_dict()`` builds the dict."""
        return _add(self._hooks("state_dict_pre"), hook,
                    f"{type(self).__name__}.register_state_dict_pre_hook", prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` on the built dict; a dict returned replaces it."""
        return _add(self._hooks("state_dict_post"), hook,
                    f"{type(self).__name__}.register_state_dict_post_hook", prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """Run ``hook(optimizer, state_dict)`` before loading; a dict returned is loaded."""
        return _add(self._hooks("load_state_dict_pre"), hook,
                    f"{type(self).__name__}.register_load_state_dict_pre_hook", prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """Run ``hook(optimizer)`` after ``load_state_dict()``."""
        return _add(self._hooks("load_state_dict_post"), hook,
                    f"{type(self).__name__}.register_load_state_dict_post_hook", prepend)


def run_step(optimizer, step, args, kwargs):
    """``step(optimizer, *args, **kwargs)`` between the pre and the post hooks (once: a
    step that calls ``super().step()`` does not run them again)."""
    if optimizer.__dict__.get("_in_hooked_step"):
        return step(optimizer, *args, **kwargs)
    args = (optimizer, *args)
    for hook in (*_global_pre_hooks.values(), *optimizer._hooks("step_pre").values()):
        result = hook(optimizer, args, kwargs)
        if result is not None:
            if not (isinstance(result, tuple) and len(result) == 2):
                raise RuntimeError(f"{type(optimizer).__name__}: a step pre-hook must return "
                                   f"None or a tuple (new_args, new_kwargs), got {result!r}")
            args, kwargs = result
    optimizer._in_hooked_step = True
    try:
        out = step(*args, **kwargs)
    finally:
        optimizer._in_hooked_step = False
    for hook in (*optimizer._hooks("step_post").values(), *_global_post_hooks.values()):
        hook(optimizer, args, kwargs)
    return out


def run_state_dict_pre(optimizer):
    for hook in optimizer._hooks("state_dict_pre").values():
        hook(optimizer)


def run_state_dict_post(optimizer, state_dict):
    for hook in optimizer._hooks("state_dict_post").values():
        result = hook(optimizer, state_dict)
        if result is not None:
            state_dict = result
    return state_dict


def run_load_state_dict_pre(optimizer, state_dict):
    for hook in optimizer._hooks("load_state_dict_pre").values():
        result = hook(optimizer, state_dict)
        if result is not None:
            state_dict = result
    return state_dict


def run_load_state_dict_post(optimizer):
    for hook in optimizer._hooks("load_state_dict_post").values():
        hook(optimizer)
