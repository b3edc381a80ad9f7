"""Adadelta against PyTorch: 20 steps of the same gradients; state_dict round trip."""

import copy

import numpy as np
import pytest
from optim_parity import Pair, gradient_arrays, run_parity

import shenjing as sj

OPTIONS = [
    dict(),
    dict(lr=0.5, rho=0.8),
    dict(lr=1.0, eps=1e-3, weight_decay=0.1),
    dict(lr=2.0, weight_decay=0.05, maximize=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_adadelta_matches_torch(torch, options):
    run_parity(torch, "Adadelta", options)


def test_adadelta_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0], rho=0.5), dict(idx=[1, 2], lr=0.1, weight_decay=0.2)]
    run_parity(torch, "Adadelta", dict(lr=1.0), groups)


def test_adadelta_state_dict_round_trip_resumes_exactly(torch):
    pair = Pair(torch, "Adadelta", dict(lr=1.0, weight_decay=0.01))
    grads = gradient_arrays(10)
    for g in grads[:5]:
        pair.step(g)
    saved = copy.deepcopy(pair.sj_opt.state_dict())
    assert sorted(saved["state"][0]) == sorted(pair.th_opt.state_dict()["state"][0])
    fresh = sj.optim.Adadelta(pair.sj_params, lr=0.123)
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == 1.0
    pair.sj_opt = fresh
    for t, g in enumerate(grads[5:]):
        pair.step(g)
        pair.compare(f"after resuming, step {t + 6}")


def test_adadelta_errors_name_the_optimizer_and_the_option():
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"Adadelta.*lr=-1"):
        sj.optim.Adadelta(p, lr=-1)
    with pytest.raises(ValueError, match=r"Adadelta.*rho=1\.5.*0 <= rho <= 1"):
        sj.optim.Adadelta(p, rho=1.5)
    with pytest.raises(ValueError, match=r"Adadelta.*eps=-1"):
        sj.optim.Adadelta(p, eps=-1)
    with pytest.raises(ValueError, match=r"Adadelta.*weight_decay=-0\.1"):
        sj.optim.Adadelta(p, weight_decay=-0.1)


def test_adadelta_minimises_a_quadratic():
    x = sj.tensor(np.array([3.0, -2.0], np.float32), requires_grad=True)
    opt = sj.optim.Adadelta([x], lr=1.0)
    for _ in range(500):
        opt.zero_grad()
        loss = (x * x).sum()
        loss.backward()
        opt.step()
    assert float((x * x).sum().item()) < 0.5 * 13.0
