"""Every loss module against PyTorch's: same options, same value and input gradient."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
LOGITS = rng.standard_normal((6, 4))
CLASSES = np.array([0, 3, 1, 1, 2, 0])
PROBS = 1 / (1 + np.exp(-rng.standard_normal((6, 4))))
BINARY = (rng.random((6, 4)) > 0.5).astype(np.float64)
TARGET = rng.standard_normal((6, 4))
LOG_P = LOGITS - np.log(np.exp(LOGITS).sum(1, keepdims=True))
Q = np.exp(rng.standard_normal((6, 4)))
Q /= Q.sum(1, keepdims=True)
WEIGHTS = np.array([1.0, 2.0, 0.5, 1.5])

CASES = [
    ("CrossEntropyLoss", {}, LOGITS, CLASSES),
    ("CrossEntropyLoss", {"reduction": "sum", "label_smoothing": 0.1}, LOGITS, CLASSES),
    ("CrossEntropyLoss", {"weight": WEIGHTS, "ignore_index": 1}, LOGITS, CLASSES),
    ("CrossEntropyLoss", {}, LOGITS, Q),
    ("NLLLoss", {"reduction": "none"}, LOG_P, CLASSES),
    ("NLLLoss", {"weight": WEIGHTS}, LOG_P, CLASSES),
    ("BCELoss", {}, PROBS, BINARY),
    ("BCEWithLogitsLoss", {"pos_weight": WEIGHTS}, LOGITS, BINARY),
    ("MSELoss", {}, LOGITS, TARGET),
    ("L1Loss", {"reduction": "sum"}, LOGITS, TARGET),
    ("HuberLoss", {"delta": 0.5}, LOGITS, TARGET),
    ("SmoothL1Loss", {"beta": 0.5}, LOGITS, TARGET),
    ("KLDivLoss", {"reduction": "batchmean"}, LOG_P, Q),
    ("MultiMarginLoss", {}, LOGITS, CLASSES),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5, "weight": WEIGHTS}, LOGITS, CLASSES),
]


@pytest.mark.parametrize("name,options,x,target", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_module_parity(name, options, x, target):
    def convert(lib, value):
        return lib.tensor(value) if isinstance(value, np.ndarray) else value
    ours = getattr(nn, name)(**{k: convert(sj, v) for k, v in options.items()})
    theirs = getattr(torch.nn, name)(**{k: convert(torch, v) for k, v in options.items()})
    ox, tx = sj.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(ox, sj.tensor(target)), theirs(tx, torch.tensor(target))
    np.testing.assert_allclose(out.numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    out.sum().backward()
    expected.sum().backward()
    np.testing.assert_allclose(ox.grad.numpy(), tx.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_loss_modules_register_weights_as_buffers():
    loss = nn.CrossEntropyLoss(weight=sj.ones(3))
    assert "weight" in loss.state_dict()
    assert "reduction='sum'" in repr(nn.MSELoss(reduction="sum"))
    with pytest.raises(ValueError, match="reduction"):
        nn.L1Loss(reduction="average")


def test_wrong_target_shape_names_the_loss():
    criterion = nn.Sequential(nn.Linear(3, 4))
    out = criterion(sj.randn(5, 3))
    with pytest.raises((ValueError, IndexError, TypeError), match="cross_entropy"):
        nn.CrossEntropyLoss()(out, sj.tensor([0, 1]))
