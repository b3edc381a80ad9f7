"""RAdam against PyTorch: 20 steps (the rectified phase starts at step 6 with beta2=0.999);
state_dict round trip; the rectification term's formula."""

import copy
import math

import pytest
from optim_parity import Pair, gradient_arrays, run_parity

import shenjing as sj
from shenjing.optim.radam import radam_rectification

OPTIONS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-3, weight_decay=0.1),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
    dict(lr=0.02, weight_decay=0.05, maximize=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_radam_matches_torch(torch, options):
    run_parity(torch, "RAdam", options)


def test_radam_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0], betas=(0.5, 0.9)), dict(idx=[1, 2], lr=0.001, weight_decay=0.2)]
    run_parity(torch, "RAdam", dict(lr=0.01), groups)


def test_radam_rectification_switches_on_after_rho_exceeds_5():
    beta2 = 0.999
    rho_inf = 2 / (1 - beta2) - 1
    on = [t for t in range(1, 20) if radam_rectification(t, beta2)[1] is not None]
    assert on[0] == 6 and on == list(range(6, 20))
    rho, r = radam_rectification(100, beta2)
    assert rho == pytest.approx(rho_inf - 2 * 100 * beta2 ** 100 / (1 - beta2 ** 100))
    assert r == pytest.approx(math.sqrt((rho - 4) * (rho - 2) * rho_inf
                                        / ((rho_inf - 4) * (rho_inf - 2) * rho)))
    assert 0 < r < 1


def test_radam_state_dict_round_trip_resumes_exactly(torch):
    pair = Pair(torch, "RAdam", dict(lr=0.01))
    grads = gradient_arrays(12)
    for g in grads[:4]:
        pair.step(g)
    saved = copy.deepcopy(pair.sj_opt.state_dict())
    assert sorted(saved["state"][0]) == sorted(pair.th_opt.state_dict()["state"][0])
    fresh = sj.optim.RAdam(pair.sj_params)
    fresh.load_state_dict(saved)
    pair.sj_opt = fresh
    for t, g in enumerate(grads[4:]):
        pair.step(g)
        pair.compare(f"after resuming, step {t + 5}")


def test_radam_errors_name_the_optimizer_and_the_option():
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"RAdam.*lr=-1"):
        sj.optim.RAdam(p, lr=-1)
    with pytest.raises(ValueError, match=r"RAdam.*betas\[0\]=1\.0"):
        sj.optim.RAdam(p, betas=(1.0, 0.999))
