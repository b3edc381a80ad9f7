"""Learning-rate schedulers against PyTorch: the same steps give the same rates (and, for
OneCycleLR, the same momentum or betas); state dicts resume exactly; bad options raise."""

import math
import pickle
import warnings

import numpy as np
import pytest

import shenjing as sj


def two_groups(module, optimizer="SGD", **options):
    """An optimizer of ``module`` (shenjing or torch) with two groups of different lr."""
    a = module.zeros(2, requires_grad=True)
    b = module.zeros(3, requires_grad=True)
    options.setdefault("lr", 0.1)
    groups = [{"params": [a]}, {"params": [b], "lr": 0.01}]
    return getattr(module.optim, optimizer)(groups, **options)


def momenta(opt):
    return [g["betas"][0] if "betas" in g else g.get("momentum") for g in opt.param_groups]


def assert_same_rates(sj_sched, th_sched, where):
    sj_opt, th_opt = sj_sched.optimizer, th_sched.optimizer
    np.testing.assert_allclose(sj_sched.get_last_lr(), th_sched.get_last_lr(), rtol=1e-12,
                               atol=1e-15, err_msg=where)
    np.testing.assert_allclose([g["lr"] for g in sj_opt.param_groups],
                               [g["lr"] for g in th_opt.param_groups], rtol=1e-12, atol=1e-15,
                               err_msg=where)
    np.testing.assert_allclose(momenta(sj_opt), momenta(th_opt), rtol=1e-12, err_msg=where)


SCHEDULES = {
    "StepLR": (dict(momentum=0.9), lambda m, o: m.StepLR(o, step_size=3, gamma=0.5)),
    "MultiStepLR": ({}, lambda m, o: m.MultiStepLR(o, milestones=[2, 5, 5, 11], gamma=0.3)),
    "ExponentialLR": ({}, lambda m, o: m.ExponentialLR(o, gamma=0.9)),
    "LambdaLR": ({}, lambda m, o: m.LambdaLR(o, lambda e: 1 / (1 + e))),
    "LambdaLR per group": ({}, lambda m, o: m.LambdaLR(o, [lambda e: 0.95 ** e,
                                                            lambda e: min(1.0, (e + 1) / 4)])),
    "MultiplicativeLR": ({}, lambda m, o: m.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.0)),
    "ConstantLR": ({}, lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=4)),
    "LinearLR warm-up": ({}, lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=6)),
    "LinearLR decay": ({}, lambda m, o: m.LinearLR(o, start_factor=1.0, end_factor=0.2,
                                                   total_iters=10)),
    "PolynomialLR": ({}, lambda m, o: m.PolynomialLR(o, total_iters=12, power=2.0)),
    "CosineAnnealingLR": ({}, lambda m, o: m.CosineAnnealingLR(o, T_max=10, eta_min=0.001)),
    "CosineAnnealingLR past T_max": ({}, lambda m, o: m.CosineAnnealingLR(o, T_max=7)),
    "CosineAnnealingWarmRestarts": ({}, lambda m, o: m.CosineAnnealingWarmRestarts(
        o, T_0=4, T_mult=2, eta_min=1e-4)),
    "OneCycleLR SGD cos": (dict(momentum=0.9), lambda m, o: m.OneCycleLR(
        o, max_lr=0.5, total_steps=25)),
    "OneCycleLR SGD linear per group": (dict(momentum=0.9), lambda m, o: m.OneCycleLR(
        o, max_lr=[1.0, 0.1], epochs=5, steps_per_epoch=5, pct_start=0.4,
        anneal_strategy="linear", base_momentum=[0.8, 0.7], max_momentum=0.99, div_factor=10.0,
        final_div_factor=100.0)),
    "OneCycleLR three phase": (dict(momentum=0.9), lambda m, o: m.OneCycleLR(
        o, max_lr=0.3, total_steps=24, three_phase=True)),
    "OneCycleLR no momentum": ({}, lambda m, o: m.OneCycleLR(o, max_lr=0.3, total_steps=30,
                                                             cycle_momentum=False)),
    "SequentialLR warm-up + cosine": ({}, lambda m, o: m.SequentialLR(
        o, [m.LinearLR(o, start_factor=0.1, total_iters=5), m.CosineAnnealingLR(o, T_max=15)],
        milestones=[5])),
    "SequentialLR three": ({}, lambda m, o: m.SequentialLR(
        o, [m.ConstantLR(o, factor=0.5, total_iters=2), m.ExponentialLR(o, gamma=0.8),
            m.StepLR(o, step_size=2)], milestones=[3, 10])),
    "ChainedScheduler": ({}, lambda m, o: m.ChainedScheduler(
        [m.ExponentialLR(o, gamma=0.9), m.MultiStepLR(o, milestones=[4, 8], gamma=0.5)])),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_schedule_matches_torch(torch, name):
    options, make = SCHEDULES[name]
    sj_opt, th_opt = two_groups(sj, **options), two_groups(torch, **options)
    sj_sched, th_sched = make(sj.optim.lr_scheduler, sj_opt), make(torch.optim.lr_scheduler, th_opt)
    assert_same_rates(sj_sched, th_sched, f"{name} at construction")
    for epoch in range(24):
        sj_opt.step()
        th_opt.step()
        sj_sched.step()
        th_sched.step()
        assert_same_rates(sj_sched, th_sched, f"{name} after step {epoch + 1}")
        assert getattr(sj_sched, "last_epoch", None) == getattr(th_sched, "last_epoch", None)


@pytest.mark.parametrize("optimizer", ["Adam", "AdamW", "NAdam"])
def test_one_cycle_cycles_beta1_of_adam_style_optimizers(torch, optimizer):
    sj_opt, th_opt = two_groups(sj, optimizer), two_groups(torch, optimizer)
    make = lambda m, o: m.OneCycleLR(o, max_lr=0.01, total_steps=20, base_momentum=0.8)  # noqa: E731
    sj_sched, th_sched = make(sj.optim.lr_scheduler, sj_opt), make(torch.optim.lr_scheduler, th_opt)
    seen = set()
    for step in range(20):
        assert_same_rates(sj_sched, th_sched, f"{optimizer} step {step}")
        assert sj_opt.param_groups[0]["betas"][1] == 0.999
        seen.add(round(sj_opt.param_groups[0]["betas"][0], 6))
        sj_opt.step()
        th_opt.step()
        if step < 19:
            sj_sched.step()
            th_sched.step()
    assert min(seen) == 0.8 and max(seen) == 0.95


def test_one_cycle_refuses_to_step_past_total_steps(torch):
    for module in (sj, torch):
        opt = two_groups(module, momentum=0.9)
        sched = module.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(3):
            opt.step()
            sched.step()
        opt.step()
        with pytest.raises(ValueError, match="(?i)tried to step 4 times"):
            sched.step()


def test_one_cycle_changes_the_momentum_of_an_sgd_step():
    # SGD built without momentum gets 1cycle's momentum (and a buffer) from the first step
    p = sj.ones(2, requires_grad=True)
    opt = sj.optim.SGD([p], lr=0.1)
    sched = sj.optim.lr_scheduler.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["momentum"] == 0.95
    p.grad = sj.ones(2)
    opt.step()
    sched.step()
    assert "momentum_buffer" in opt.state[p] and opt.param_groups[0]["momentum"] < 0.95


PLATEAU = [
    dict(),
    dict(mode="max", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs"),
    dict(patience=0, cooldown=2, min_lr=[0.02, 0.001], factor=0.5),
    dict(mode="min", patience=2, threshold=0.05, min_lr=0.005, eps=1e-3),
]


@pytest.mark.parametrize("options", PLATEAU, ids=str)
def test_reduce_lr_on_plateau_matches_torch(torch, options):
    metrics = [1.0, 0.9, 0.9, 0.95, 0.89, 0.9, 0.9, 0.9, 0.91, 1.2, 0.5, 0.5, 0.5, 0.5, 0.6,
               0.45, 0.46, 0.47, 0.47, 0.47, 0.48, 0.3, 0.3, 0.3, 0.3]
    sj_opt, th_opt = two_groups(sj), two_groups(torch)
    sj_sched = sj.optim.lr_scheduler.ReduceLROnPlateau(sj_opt, **options)
    th_sched = torch.optim.lr_scheduler.ReduceLROnPlateau(th_opt, **options)
    for t, metric in enumerate(metrics):
        sj_sched.step(sj.tensor(metric) if t % 2 else metric)  # a 0-d tensor or a number
        th_sched.step(torch.tensor(metric) if t % 2 else metric)
        assert_same_rates(sj_sched, th_sched, f"metric {t}")
        assert sj_sched.num_bad_epochs == th_sched.num_bad_epochs
        assert sj_sched.best == th_sched.best


def test_step_with_an_epoch_uses_the_closed_form_and_warns(torch):
    for_both = []
    for module in (sj, torch):
        opt = two_groups(module)
        sched = module.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        opt.step()
        with pytest.warns(UserWarning):
            sched.step(7)
        for_both.append(sched.get_last_lr())
    assert for_both[0] == pytest.approx(for_both[1], rel=1e-12)
    assert for_both[0] == pytest.approx([0.1 * 0.5 ** 3, 0.01 * 0.5 ** 3])


def test_warm_restarts_with_fractional_epochs(torch):
    rates = []
    for module in (sj, torch):
        opt = two_groups(module)
        sched = module.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2)
        out = []
        for epoch in range(8):
            for i in range(4):
                opt.step()
                sched.step(epoch + i / 4)
                out.append(sched.get_last_lr())
        rates.append(out)
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-12)


def test_scheduler_stepped_before_optimizer_warns():
    opt = two_groups(sj)
    sched = sj.optim.lr_scheduler.StepLR(opt, step_size=2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()
    opt = two_groups(sj)
    sched = sj.optim.lr_scheduler.StepLR(opt, step_size=2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()


# ---------------------------------------------------------------- resuming


@pytest.mark.parametrize("name", ["StepLR", "LambdaLR per group", "CosineAnnealingLR",
                                  "OneCycleLR SGD linear per group", "SequentialLR three",
                                  "LinearLR warm-up", "CosineAnnealingWarmRestarts"])
def test_scheduler_state_dict_resumes_exactly(name):
    options, make = SCHEDULES[name]
    lrs = sj.optim.lr_scheduler

    opt = two_groups(sj, **options)
    sched = make(lrs, opt)
    full = []
    for _ in range(20):
        opt.step()
        sched.step()
        full.append((sched.get_last_lr(), momenta(opt)))

    opt = two_groups(sj, **options)
    sched = make(lrs, opt)
    resumed = []
    for _ in range(10):
        opt.step()
        sched.step()
        resumed.append((sched.get_last_lr(), momenta(opt)))
    saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
    assert "optimizer" not in saved_sched
    saved_sched = pickle.loads(pickle.dumps(saved_sched))  # lambdas are not part of it
    opt = two_groups(sj, **options)
    sched = make(lrs, opt)
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved_sched)
    for _ in range(10):
        opt.step()
        sched.step()
        resumed.append((sched.get_last_lr(), momenta(opt)))
    assert resumed == full


def test_reduce_lr_on_plateau_state_dict_resumes_exactly():
    metrics = [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4]
    lrs = sj.optim.lr_scheduler

    def run(split):
        opt = two_groups(sj)
        sched = lrs.ReduceLROnPlateau(opt, patience=1, cooldown=1)
        out = []
        for t, metric in enumerate(metrics):
            if t == split:
                saved_opt, saved_sched = opt.state_dict(), sched.state_dict()
                opt = two_groups(sj)
                sched = lrs.ReduceLROnPlateau(opt, patience=5, cooldown=0)
                opt.load_state_dict(saved_opt)
                sched.load_state_dict(saved_sched)
            sched.step(metric)
            out.append(sched.get_last_lr())
        return out

    assert run(split=6) == run(split=None)


def test_lambda_state_dict_keeps_callable_objects_state():
    class Warmup:
        def __init__(self, n):
            self.n = n

        def __call__(self, epoch):
            return min(1.0, (epoch + 1) / self.n)

    opt = two_groups(sj)
    sched = sj.optim.lr_scheduler.LambdaLR(opt, [Warmup(4), lambda e: 1.0])
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"n": 4}, None]
    other = sj.optim.lr_scheduler.LambdaLR(two_groups(sj), [Warmup(10), lambda e: 1.0])
    other.load_state_dict(state)
    assert other.lr_lambdas[0].n == 4


# ---------------------------------------------------------------- errors and names


def test_scheduler_names_and_errors():
    lrs = sj.optim.lr_scheduler
    assert issubclass(lrs._LRScheduler, lrs.LRScheduler)
    assert issubclass(lrs.StepLR, lrs.LRScheduler) and issubclass(lrs.ReduceLROnPlateau, lrs.LRScheduler)
    opt = two_groups(sj)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        lrs.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="total_steps"):
        lrs.OneCycleLR(opt, max_lr=0.1)
    with pytest.raises(ValueError, match="pct_start"):
        lrs.OneCycleLR(opt, max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy"):
        lrs.OneCycleLR(opt, max_lr=0.1, total_steps=10, anneal_strategy="exp")
    with pytest.raises(ValueError, match="max_lr must have one value per parameter group"):
        lrs.OneCycleLR(opt, max_lr=[0.1, 0.2, 0.3], total_steps=10)
    with pytest.raises(ValueError, match="neither momentum nor betas"):
        lrs.OneCycleLR(sj.optim.Adagrad([sj.zeros(1, requires_grad=True)]), max_lr=0.1,
                       total_steps=10)
    with pytest.raises(ValueError, match="factor"):
        lrs.ReduceLROnPlateau(opt, factor=1.5)
    with pytest.raises(ValueError, match="mode"):
        lrs.ReduceLROnPlateau(opt, mode="lowest")
    with pytest.raises(ValueError, match="start_factor"):
        lrs.LinearLR(opt, start_factor=0)
    with pytest.raises(ValueError, match="one milestone fewer"):
        lrs.SequentialLR(opt, [lrs.StepLR(opt, 2), lrs.StepLR(opt, 3)], milestones=[1, 2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lrs.SequentialLR(opt, [lrs.StepLR(opt, 2), lrs.ReduceLROnPlateau(opt)], milestones=[2])
    with pytest.raises(KeyError, match="initial_lr"):
        lrs.StepLR(two_groups(sj), step_size=2, last_epoch=3)


def test_get_lr_outside_step_warns():
    sched = sj.optim.lr_scheduler.ExponentialLR(two_groups(sj), gamma=0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()
    assert sched.get_last_lr() == [0.1, 0.01]
    assert math.isclose(sched.base_lrs[1], 0.01)
