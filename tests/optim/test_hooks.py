"""Optimizer hooks: the same hooks on a shenjing and a PyTorch optimizer see the same calls."""

import numpy as np
import pytest

import shenjing as sj
from shenjing.optim.hooks import register_optimizer_step_post_hook, register_optimizer_step_pre_hook


def _optimizers(torch):
    a = np.arange(4, dtype=np.float32)
    p = sj.tensor(a.copy(), requires_grad=True)
    q = torch.tensor(a.copy(), requires_grad=True)
    p.grad, q.grad = sj.ones(4), torch.ones(4)
    return (sj.optim.SGD([p], lr=0.1), p), (torch.optim.SGD([q], lr=0.1), q)


def _record(opt, log):
    """Register every kind of hook, each appending what it saw to ``log``."""
    opt.register_step_pre_hook(lambda o, args, kwargs: log.append(
        ("pre", len(args), args[0] is o, sorted(kwargs))))
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", len(args))))
    opt.register_state_dict_pre_hook(lambda o: log.append("sd_pre"))
    opt.register_state_dict_post_hook(lambda o, sd: log.append(("sd_post", sorted(sd))))
    opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(("load_pre", sorted(sd))))
    opt.register_load_state_dict_post_hook(lambda o: log.append("load_post"))


def test_hooks_are_called_as_pytorch_calls_them(torch):
    (sj_opt, _), (th_opt, _) = _optimizers(torch)
    logs = []
    for opt in (sj_opt, th_opt):
        log = []
        _record(opt, log)
        opt.step()
        opt.step(closure=lambda: 1.0)
        opt.load_state_dict(opt.state_dict())
        logs.append(log)
    assert logs[0] == logs[1]
    assert logs[0][0] == ("pre", 1, True, [])
    assert logs[0][2] == ("pre", 1, True, ["closure"])


def test_step_pre_hook_can_replace_the_arguments_and_handles_remove(torch):
    (sj_opt, p), (th_opt, q) = _optimizers(torch)
    calls = []
    for opt in (sj_opt, th_opt):
        def closure():
            calls.append(type(opt).__module__)
            return 2.5
        handle = opt.register_step_pre_hook(
            lambda o, args, kwargs, c=closure: (args, {"closure": c}))
        assert opt.step() == 2.5
        handle.remove()
        assert opt.step() is None
    assert len(calls) == 2
    np.testing.assert_allclose(p.numpy(), q.detach().numpy(), rtol=1e-6)


def test_bad_pre_hook_result_names_the_optimizer():
    p = sj.zeros(2, requires_grad=True)
    p.grad = sj.ones(2)
    opt = sj.optim.Adam([p])
    opt.register_step_pre_hook(lambda o, a, k: "nonsense")
    with pytest.raises(RuntimeError, match="Adam: a step pre-hook must return None or a tuple"):
        opt.step()
    with pytest.raises(TypeError, match="register_step_post_hook: the hook must be callable"):
        opt.register_step_post_hook(3)


def test_state_dict_hooks_can_change_the_dicts_and_prepend_runs_first():
    p = sj.zeros(2, requires_grad=True)
    opt = sj.optim.SGD([p], lr=0.1)
    order = []
    opt.register_state_dict_post_hook(lambda o, sd: order.append("second"))
    opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1} if not order.append("first")
                                      else None, prepend=True)
    assert opt.state_dict()["extra"] == 1
    assert order == ["first", "second"]

    def set_lr(o, sd):
        sd = dict(sd, param_groups=[dict(g, lr=0.5) for g in sd["param_groups"]])
        return sd
    opt.register_load_state_dict_pre_hook(set_lr)
    opt.load_state_dict(sj.optim.SGD([p], lr=0.1).state_dict())
    assert opt.param_groups[0]["lr"] == 0.5


def test_global_step_hooks_run_for_every_optimizer_and_a_subclass_step_runs_them_once():
    seen = []
    pre = register_optimizer_step_pre_hook(
        lambda o, a, k: seen.append(("global pre", type(o).__name__)))
    post = register_optimizer_step_post_hook(
        lambda o, a, k: seen.append(("global post", type(o).__name__)))

    class Wrapped(sj.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    try:
        p = sj.zeros(2, requires_grad=True)
        p.grad = sj.ones(2)
        opt = Wrapped([p], lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: seen.append(("own pre", type(o).__name__)))
        opt.step()
    finally:
        pre.remove()
        post.remove()
    assert seen == [("global pre", "Wrapped"), ("own pre", "Wrapped"), ("global post", "Wrapped")]
    np.testing.assert_allclose(p.numpy(), [-0.1, -0.1])
