"""Adam and AdamW against PyTorch: 20 steps of the same gradients, every option combination."""

import pytest
from optim_parity import run_parity

ADAM = [
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99)),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, eps=1e-3, maximize=True),
    dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]
ADAMW = [
    dict(lr=0.01),
    dict(lr=0.01, weight_decay=0.5, amsgrad=True),
    dict(lr=0.01, betas=(0.5, 0.9), maximize=True),
]


@pytest.mark.parametrize("options", ADAM, ids=str)
def test_adam_matches_torch(torch, options):
    run_parity(torch, "Adam", options)


@pytest.mark.parametrize("options", ADAMW, ids=str)
def test_adamw_matches_torch(torch, options):
    run_parity(torch, "AdamW", options)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_param_groups_with_their_own_options(torch, name):
    groups = [dict(idx=[0], amsgrad=True, betas=(0.7, 0.95)),
              dict(idx=[1, 2], lr=0.001, weight_decay=0.2)]
    run_parity(torch, name, dict(lr=0.01), groups)


@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_errors_name_the_optimizer_and_the_option(name):
    import shenjing as sj
    cls = getattr(sj.optim, name)
    p = [sj.zeros(2, requires_grad=True)]
    with pytest.raises(ValueError, match=rf"{name}.*learning rate.*lr=-0\.001"):
        cls(p, lr=-1e-3)
    with pytest.raises(ValueError, match=rf"{name}.*betas\[0\]=1\.0"):
        cls(p, betas=(1.0, 0.999))
    with pytest.raises(ValueError, match=rf"{name}.*betas\[1\]=-0\.5"):
        cls(p, betas=(0.9, -0.5))
    with pytest.raises(ValueError, match=rf"{name}.*eps=-1"):
        cls(p, eps=-1)
    with pytest.raises(ValueError, match=rf"{name}.*weight_decay=-0\.1"):
        cls(p, weight_decay=-0.1)
    with pytest.raises(ValueError, match=rf"{name}.*differentiable"):
        cls(p, differentiable=True)
    cls(p, foreach=False, fused=None, capturable=False)  # PyTorch's kernel switches are accepted
