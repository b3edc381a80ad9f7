"""Adamax against PyTorch: 20 steps of the same gradients; state_dict round trip."""

import copy

import pytest
from optim_parity import Pair, gradient_arrays, run_parity

import shenjing as sj

OPTIONS = [
    dict(),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, eps=1e-3, weight_decay=0.1),
    dict(lr=0.02, weight_decay=0.05, maximize=True),
]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_adamax_matches_torch(torch, options):
    run_parity(torch, "Adamax", options)


def test_adamax_param_groups_with_their_own_options(torch):
    groups = [dict(idx=[0], betas=(0.5, 0.9)), dict(idx=[1, 2], lr=0.001, weight_decay=0.2)]
    run_parity(torch, "Adamax", dict(lr=0.01), groups)


def test_adamax_state_dict_round_trip_resumes_exactly(torch):
    pair = Pair(torch, "Adamax", dict(lr=0.01))
    grads = gradient_arrays(10)
    for g in grads[:5]:
        pair.step(g)
    saved = copy.deepcopy(pair.sj_opt.state_dict())
    assert sorted(saved["state"][0]) == sorted(pair.th_opt.state_dict()["state"][0])
    fresh = sj.optim.Adamax(pair.sj_params)
    fresh.load_state_dict(saved)
    pair.sj_opt = fresh
    for t, g in enumerate(grads[5:]):
        pair.step(g)
        pair.compare(f"after resuming, step {t + 6}")


def test_adamax_errors_name_the_optimizer_and_the_option():
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=r"Adamax.*lr=-1"):
        sj.optim.Adamax(p, lr=-1)
    with pytest.raises(ValueError, match=r"Adamax.*betas\[1\]=1\.0"):
        sj.optim.Adamax(p, betas=(0.9, 1.0))
