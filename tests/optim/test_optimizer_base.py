"""The ``Optimizer`` protocol: parameter groups, zero_grad, step(closure), skipped
parameters, state dicts that resume exactly, dtypes, versions and errors."""

import copy
import tracemalloc

import numpy as np
import pytest
from optim_parity import Pair, gradient_arrays, initial_arrays, param_groups

import shenjing as sj
from shenjing.optim import lr_scheduler

# one rich configuration per optimizer, with two groups of different options
CONFIGS = {
    "SGD": (dict(lr=0.1, momentum=0.9, weight_decay=0.01),
            [dict(idx=[0, 1], nesterov=True), dict(idx=[2], lr=0.05, dampening=0.1)]),
    "Adagrad": (dict(lr=0.1, lr_decay=0.01), [dict(idx=[0]), dict(idx=[1, 2], weight_decay=0.1)]),
    "RMSprop": (dict(lr=0.01, momentum=0.5), [dict(idx=[0, 2], centered=True), dict(idx=[1])]),
    "Adam": (dict(lr=0.01, weight_decay=0.01), [dict(idx=[0], amsgrad=True), dict(idx=[1, 2])]),
    "AdamW": (dict(lr=0.01, amsgrad=True), [dict(idx=[0, 1]), dict(idx=[2], betas=(0.8, 0.9))]),
    "NAdam": (dict(lr=0.01), [dict(idx=[0]), dict(idx=[1, 2], decoupled_weight_decay=True,
                                                  weight_decay=0.1)]),
}


def make(name, params, scheduler=None):
    options, groups = CONFIGS[name]
    opt = getattr(sj.optim, name)(param_groups(params, groups), **options)
    if scheduler == "onecycle" and name != "Adagrad":
        return opt, lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=20)
    return opt, lr_scheduler.StepLR(opt, step_size=4, gamma=0.5)


def leaves(arrays):
    return [sj.tensor(a.copy(), requires_grad=True) for a in arrays]


def run(opt, sched, params, grads):
    for step_grads in grads:
        for p, g in zip(params, step_grads):
            p.grad = sj.tensor(g)
        opt.step()
        sched.step()


def as_numpy(state_dict):
    """The state dict as a checkpoint file would give it back: arrays, not tensors."""
    state = {i: {k: (v.numpy().copy() if isinstance(v, sj.Tensor) else v) for k, v in s.items()}
             for i, s in state_dict["state"].items()}
    return {"state": state, "param_groups": copy.deepcopy(state_dict["param_groups"])}


@pytest.mark.parametrize("scheduler", ["steplr", "onecycle"])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_resumes_exactly(name, scheduler):
    grads = gradient_arrays(20)
    params = leaves(initial_arrays())
    opt, sched = make(name, params, scheduler)
    run(opt, sched, params, grads)
    expected = [p.numpy().copy() for p in params]

    for convert in (copy.deepcopy, as_numpy):
        params = leaves(initial_arrays())
        opt, sched = make(name, params, scheduler)
        run(opt, sched, params, grads[:10])
        saved, saved_sched = convert(opt.state_dict()), copy.deepcopy(sched.state_dict())
        params = leaves([p.numpy() for p in params])   # the model's weights, saved apart
        opt, sched = make(name, params, scheduler)      # a fresh start, as after a restart
        opt.load_state_dict(saved)
        sched.load_state_dict(saved_sched)
        run(opt, sched, params, grads[10:])
        for p, e in zip(params, expected):
            np.testing.assert_array_equal(p.numpy(), e)


def test_loading_copies_the_saved_buffers():
    params = leaves(initial_arrays())
    opt, _ = make("Adam", params)
    run(opt, lr_scheduler.LambdaLR(opt, lambda e: 1.0), params, gradient_arrays(2))
    saved = copy.deepcopy(opt.state_dict())
    before = saved["state"][0]["exp_avg"].numpy().copy()
    other, _ = make("Adam", leaves(initial_arrays()))
    other.load_state_dict(saved)
    run(other, lr_scheduler.LambdaLR(other, lambda e: 1.0), other.param_groups[0]["params"]
        + other.param_groups[1]["params"], gradient_arrays(2))
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"].numpy(), before)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_state_dict_layout_is_torchs(torch, name):
    options, groups = CONFIGS[name]
    pair = Pair(torch, name, options, groups)
    for grads in gradient_arrays(3):
        pair.step(grads)
    ours, theirs = pair.sj_opt.state_dict(), pair.th_opt.state_dict()
    assert set(ours["state"]) == set(theirs["state"]) == {0, 1, 2}
    for i in ours["state"]:
        assert set(ours["state"][i]) == set(theirs["state"][i])
        if "step" in theirs["state"][i]:
            assert ours["state"][i]["step"] == theirs["state"][i]["step"].item() == 3
        for key, value in ours["state"][i].items():
            if isinstance(value, sj.Tensor):
                np.testing.assert_allclose(value.numpy(), theirs["state"][i][key].numpy(),
                                           rtol=1e-5, atol=1e-6)
    for g_ours, g_theirs in zip(ours["param_groups"], theirs["param_groups"]):
        assert g_ours["params"] == g_theirs["params"]
        assert set(g_ours) <= set(g_theirs)
        for key in g_ours:
            assert g_ours[key] == g_theirs[key], key


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", list(CONFIGS))
def test_parameters_and_state_keep_their_dtype(name, dtype):
    params = leaves(initial_arrays(dtype=dtype))
    opt, sched = make(name, params)
    run(opt, sched, params, gradient_arrays(3, dtype=dtype))
    for p in params:
        assert p.dtype == dtype and p.is_leaf and p.requires_grad
        for value in opt.state[p].values():
            assert not isinstance(value, sj.Tensor) or value.dtype == dtype


def test_parameters_without_grad_are_skipped(torch):
    pair = Pair(torch, "Adam", dict(lr=0.1))
    start = pair.sj_params[1].numpy().copy()
    for grads in gradient_arrays(5):
        pair.step([grads[0], None, grads[2]])
        pair.compare()
    np.testing.assert_array_equal(pair.sj_params[1].numpy(), start)
    assert pair.sj_params[1] not in pair.sj_opt.state
    assert set(pair.sj_opt.state_dict()["state"]) == {0, 2}


def test_step_with_closure_returns_its_loss_and_matches_torch(torch):
    x_np = np.random.default_rng(3).standard_normal((8, 4)).astype(np.float32)
    y_np = np.random.default_rng(4).standard_normal((8, 1)).astype(np.float32)
    w0 = initial_arrays(shapes=[(4, 1)])[0]
    losses = []
    for module in (sj, torch):
        w = module.tensor(w0.copy(), requires_grad=True)
        x, y = module.tensor(x_np), module.tensor(y_np)
        opt = module.optim.SGD([w], lr=0.05, momentum=0.9)

        def closure():
            opt.zero_grad()
            loss = ((x @ w - y) ** 2).mean()
            loss.backward()
            return loss

        run_losses = [opt.step(closure).item() for _ in range(20)]
        losses.append((run_losses, w.detach().numpy().copy()))
    np.testing.assert_allclose(losses[0][0], losses[1][0], rtol=1e-5)
    np.testing.assert_allclose(losses[0][1], losses[1][1], rtol=1e-5, atol=1e-6)
    assert losses[0][0][-1] < losses[0][0][0]


def test_closure_runs_with_the_graph_recorded_even_under_no_grad():
    w = sj.ones(3, requires_grad=True)
    opt = sj.optim.Adam([w], lr=0.1)

    def closure():
        loss = (w * w).sum()
        loss.backward()
        return loss

    with sj.no_grad():
        assert float(opt.step(closure)) == 3.0
    assert w.grad is not None and np.all(w.numpy() < 1)


def test_zero_grad_sets_to_none_or_zeros():
    a, b = sj.ones(2, requires_grad=True), sj.ones(3, requires_grad=True)
    opt = sj.optim.SGD([a, b], lr=0.1)
    a.grad, b.grad = sj.ones(2), sj.ones(3)
    opt.zero_grad(set_to_none=False)
    assert a.grad.tolist() == [0, 0] and b.grad.tolist() == [0, 0, 0]
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_param_groups_add_param_group_and_defaults():
    a, b, c = (sj.zeros(2, requires_grad=True) for _ in range(3))
    opt = sj.optim.Adam([{"params": [a]}, {"params": b, "lr": 0.5}], betas=(0.8, 0.9))
    assert [g["lr"] for g in opt.param_groups] == [1e-3, 0.5]
    assert opt.param_groups[1]["params"] == [b] and opt.param_groups[1]["betas"] == (0.8, 0.9)
    opt.add_param_group({"params": [c], "amsgrad": True})
    assert opt.param_groups[2]["amsgrad"] and opt.param_groups[2]["eps"] == 1e-8
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="empty parameter list"):
        sj.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="single tensor"):
        sj.optim.SGD(a, lr=0.1)
    with pytest.raises(TypeError, match="set"):
        sj.optim.SGD([{"params": {a}}], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize tensors"):
        sj.optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        sj.optim.SGD([a * 2], lr=0.1)
    named = sj.optim.SGD([("w", a), ("b", b)], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["w", "b"]
    assert "Parameter Group 1" in repr(opt) and "lr: 0.5" in repr(opt)


def test_required_option_must_come_from_each_group():
    from shenjing.optim.optimizer import Optimizer, required

    class Plain(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):  # a PyTorch-style optimizer written by hand
            with sj.no_grad():
                for group in self.param_groups:
                    for p in group["params"]:
                        p.add_(p.grad, alpha=-group["lr"])

    w = sj.ones(2, requires_grad=True)
    with pytest.raises(ValueError, match="required optimization parameter lr"):
        Plain([w])
    opt = Plain([w], lr=0.5)
    w.grad = sj.ones(2)
    opt.step()
    assert w.tolist() == [0.5, 0.5] and opt._opt_called


def test_load_state_dict_checks_the_groups():
    a, b = sj.zeros(2, requires_grad=True), sj.zeros(2, requires_grad=True)
    saved = sj.optim.Adam([a, b]).state_dict()
    with pytest.raises(ValueError, match="Adam.load_state_dict.*1 parameter groups, this optimizer 2"):
        sj.optim.Adam([{"params": [a]}, {"params": [b]}]).load_state_dict(saved)
    with pytest.raises(ValueError, match="group 0 has 1 parameters"):
        sj.optim.Adam([a]).load_state_dict(saved)


def test_a_gradient_of_the_wrong_shape_is_refused():
    w = sj.zeros(3, requires_grad=True)
    w.grad = sj.ones(1)
    with pytest.raises(RuntimeError, match=r"SGD.step.*shape \(3,\).*\(1,\)"):
        sj.optim.SGD([w], lr=0.1).step()


def test_step_counts_a_new_version_so_a_stale_backward_is_refused():
    w = sj.ones(3, requires_grad=True)
    opt = sj.optim.SGD([w], lr=0.1)
    loss = (w * w).sum()               # backward needs w's value
    w.grad = sj.ones(3)
    opt.step()                         # ... which the update changes
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()


@pytest.mark.parametrize("name", list(CONFIGS))
def test_a_step_allocates_no_parameter_sized_array(name):
    n = 200_000                        # 800 kB per float32 array
    params = [sj.zeros(n, requires_grad=True)]
    options, _ = CONFIGS[name]
    opt = getattr(sj.optim, name)(params, **options)
    params[0].grad = sj.ones(n)
    opt.step()                         # the first step makes the state and the work buffers
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100_000, f"{name}.step allocated {peak} bytes"


def test_state_looked_at_before_the_first_step_is_filled_then():
    w = sj.ones(2, requires_grad=True)
    opt = sj.optim.Adam([w])
    assert opt.state[w] == {}          # a defaultdict, as in PyTorch
    w.grad = sj.ones(2)
    opt.step()
    assert set(opt.state[w]) == {"step", "exp_avg", "exp_avg_sq"}
