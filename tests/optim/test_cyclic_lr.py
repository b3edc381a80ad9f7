"""CyclicLR against PyTorch: rates and momenta step by step in every mode, parameters over
20 steps of training, state_dict round trip, errors."""

import copy

import numpy as np
import pytest
from optim_parity import Pair, gradient_arrays

import shenjing as sj

CASES = [
    ("SGD", dict(lr=0.1, momentum=0.9), dict(mode="triangular")),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(mode="triangular2", step_size_down=2)),
    ("SGD", dict(lr=0.1, momentum=0.9), dict(mode="exp_range", gamma=0.9)),
    ("Adam", dict(lr=0.01), dict(mode="triangular2", base_momentum=0.7, max_momentum=0.95)),
    ("SGD", dict(lr=0.1), dict(mode="triangular", cycle_momentum=False)),
    ("SGD", dict(lr=0.1, momentum=0.5), dict(scale_fn=lambda x: 1 / x, scale_mode="cycle")),
    ("SGD", dict(lr=0.1, momentum=0.5), dict(scale_fn=lambda x: 0.95 ** x,
                                             scale_mode="iterations")),
]


def _schedulers(torch, pair, options):
    options = dict(dict(base_lr=0.001, max_lr=0.01, step_size_up=4), **options)
    return (sj.optim.lr_scheduler.CyclicLR(pair.sj_opt, **options),
            torch.optim.lr_scheduler.CyclicLR(pair.th_opt, **options))


def _momentum(group):
    return group["betas"][0] if "betas" in group else group.get("momentum")


@pytest.mark.parametrize("name,opt_options,options", CASES, ids=str)
def test_cyclic_lr_matches_torch(torch, name, opt_options, options):
    pair = Pair(torch, name, opt_options)
    sj_sched, th_sched = _schedulers(torch, pair, options)
    for t, grads in enumerate(gradient_arrays(20)):
        for a, b in zip(pair.sj_opt.param_groups, pair.th_opt.param_groups):
            assert a["lr"] == pytest.approx(b["lr"], rel=1e-12), f"step {t}"
            assert _momentum(a) == pytest.approx(_momentum(b), rel=1e-12), f"step {t}"
        pair.step(grads)
        sj_sched.step()
        th_sched.step()
        pair.compare(f"CyclicLR({options}) step {t + 1}")
    np.testing.assert_allclose(sj_sched.get_last_lr(), th_sched.get_last_lr(), rtol=1e-12)


def test_cyclic_lr_triangular_shape():
    p = sj.zeros(1, requires_grad=True)
    opt = sj.optim.SGD([p], lr=1.0, momentum=0.9)
    sched = sj.optim.lr_scheduler.CyclicLR(opt, base_lr=1.0, max_lr=5.0, step_size_up=4,
                                           step_size_down=2, mode="triangular2")
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(12):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    # up 4 steps, down 2; the second cycle's amplitude is half the first's
    np.testing.assert_allclose(lrs, [1, 2, 3, 4, 5, 3, 1, 1.5, 2, 2.5, 3, 2, 1])
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.9)   # back at the bottom


def test_cyclic_lr_state_dict_round_trip(torch):
    pair = Pair(torch, "SGD", dict(lr=0.1, momentum=0.9))
    sched, _ = _schedulers(torch, pair, dict(mode="exp_range", gamma=0.95))
    for _ in range(5):
        pair.sj_opt.step()
        sched.step()
    saved = copy.deepcopy(sched.state_dict())
    opt_saved = copy.deepcopy(pair.sj_opt.state_dict())
    expected = []
    for _ in range(5):
        pair.sj_opt.step()
        sched.step()
        expected.append(sched.get_last_lr()[0])
    opt = sj.optim.SGD(pair.sj_params, lr=0.1, momentum=0.9)
    opt.load_state_dict(opt_saved)
    resumed = sj.optim.lr_scheduler.CyclicLR(opt, 0.001, 0.01, step_size_up=4, mode="exp_range",
                                             gamma=0.95, last_epoch=4)
    resumed.load_state_dict(saved)
    got = []
    for _ in range(5):
        opt.step()
        resumed.step()
        got.append(resumed.get_last_lr()[0])
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_cyclic_lr_errors_name_the_scheduler():
    p = sj.zeros(1, requires_grad=True)
    with pytest.raises(ValueError, match="CyclicLR: mode must be one of"):
        sj.optim.lr_scheduler.CyclicLR(sj.optim.SGD([p], lr=0.1), 0.01, 0.1, mode="sine")
    with pytest.raises(ValueError, match="CyclicLR: cycle_momentum=True needs.*Adagrad"):
        sj.optim.lr_scheduler.CyclicLR(sj.optim.Adagrad([p]), 0.01, 0.1)
    with pytest.raises(ValueError, match="max_lr must have one value per parameter group"):
        sj.optim.lr_scheduler.CyclicLR(sj.optim.SGD([p], lr=0.1), 0.01, [0.1, 0.2])
