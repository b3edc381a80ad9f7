"""The embedding, ranking and likelihood losses against PyTorch's modules (value and every
input gradient), float64 gradcheck, and errors that name the loss."""

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.nn import functional as F

from .multi_parity import Const, module_gradcheck, module_parity

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
A, B, C = rng.standard_normal((3, 6, 4))
PM = np.array([1, -1, 1, -1, -1, 1])
PM_FLOAT = PM.astype(np.float64)
COUNTS = rng.poisson(2.0, (6, 4)).astype(np.float64)
RATES = np.abs(A) + 0.1
VAR = np.abs(C) + 0.05
LABELS = (rng.random((6, 4)) > 0.5).astype(np.float64)
MULTI = np.array([[3, 0, -1, 1], [1, 2, 3, -1], [-1, 0, 0, 0], [0, 1, 2, 3], [2, -1, 0, 0],
                  [1, -1, 2, 2]])
DIST = np.abs(A[:, 0]) + 0.2

CASES = [
    ("CosineEmbeddingLoss", {}, [A, B, PM]),
    ("CosineEmbeddingLoss", {"margin": 0.3, "reduction": "none"}, [A, B, PM]),
    ("MarginRankingLoss", {"margin": 0.2}, [A[:, 0], B[:, 0], PM_FLOAT]),
    ("MarginRankingLoss", {"reduction": "sum"}, [A[:, 0], B[:, 0], PM_FLOAT]),
    ("TripletMarginLoss", {}, [A, B, C]),
    ("TripletMarginLoss", {"margin": 2.0, "p": 1.0, "swap": True, "reduction": "none"}, [A, B, C]),
    ("HingeEmbeddingLoss", {"margin": 0.8}, [DIST, PM_FLOAT]),
    ("SoftMarginLoss", {}, [A[:, 0], Const(PM_FLOAT)]),
    ("PoissonNLLLoss", {}, [A, COUNTS]),
    ("PoissonNLLLoss", {"log_input": False, "full": True, "reduction": "sum"}, [RATES, COUNTS]),
    ("GaussianNLLLoss", {}, [A, B, VAR]),
    ("GaussianNLLLoss", {"full": True, "reduction": "none"}, [A, B, VAR[:, :1]]),
    ("GaussianNLLLoss", {"reduction": "sum"}, [A, B, VAR[:, 0]]),
    ("MultiLabelSoftMarginLoss", {}, [A, LABELS]),
    ("MultiLabelSoftMarginLoss", {"weight": np.array([1.0, 2.0, 0.5, 0.0])}, [A, LABELS]),
    ("MultiLabelMarginLoss", {}, [A, MULTI]),
    ("MultiLabelMarginLoss", {"reduction": "none"}, [A, MULTI]),
]


def make(lib, name, options):
    return getattr(lib.nn, name)(**{k: lib.tensor(v) if isinstance(v, np.ndarray) else v
                                    for k, v in options.items()})


@pytest.mark.parametrize("name,options,inputs", CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_loss_matches_torch(name, options, inputs):
    module_parity(make(sj, name, options), make(torch, name, options), inputs, torch)


@pytest.mark.parametrize("name,options,inputs", CASES[::2],
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES[::2])])
def test_loss_gradcheck(name, options, inputs):
    module_gradcheck(make(sj, name, options), inputs)


def test_functional_losses_match_torch():
    tf = torch.nn.functional
    t = {k: torch.tensor(v) for k, v in dict(A=A, B=B, C=C, PM=PM, COUNTS=COUNTS).items()}
    s = {k: sj.tensor(v) for k, v in dict(A=A, B=B, C=C, PM=PM, COUNTS=COUNTS).items()}
    pairs = [
        (F.cosine_embedding_loss(s["A"], s["B"], s["PM"], 0.1),
         tf.cosine_embedding_loss(t["A"], t["B"], t["PM"], 0.1)),
        (F.triplet_margin_loss(s["A"], s["B"], s["C"], swap=True),
         tf.triplet_margin_loss(t["A"], t["B"], t["C"], swap=True)),
        (F.poisson_nll_loss(s["A"], s["COUNTS"], full=True),
         tf.poisson_nll_loss(t["A"], t["COUNTS"], full=True)),
        (F.gaussian_nll_loss(s["A"], s["B"], s["C"] ** 2),
         tf.gaussian_nll_loss(t["A"], t["B"], t["C"] ** 2)),
        (F.soft_margin_loss(s["A"][:, 0], s["PM"] * 1.0),
         tf.soft_margin_loss(t["A"][:, 0], t["PM"] * 1.0)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12, atol=1e-14)


def test_gaussian_nll_passes_the_variance_gradient_through_the_clamp():
    var = sj.tensor(np.full((6, 4), 1e-9), requires_grad=True)
    tvar = torch.tensor(np.full((6, 4), 1e-9), requires_grad=True)
    F.gaussian_nll_loss(sj.tensor(A), sj.tensor(B), var).backward()
    torch.nn.functional.gaussian_nll_loss(torch.tensor(A), torch.tensor(B), tvar).backward()
    np.testing.assert_allclose(var.grad.numpy(), tvar.grad.numpy(), rtol=1e-9)


def test_loss_errors_name_the_loss():
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: target must hold 1 or -1"):
        F.cosine_embedding_loss(sj.tensor(A), sj.tensor(B), sj.tensor(PM * 2))
    with pytest.raises(ValueError, match=r"cosine_embedding_loss: target has shape \(5,\) but "
                                         r"inputs \(6, 4\) need \(6,\)"):
        F.cosine_embedding_loss(sj.tensor(A), sj.tensor(B), sj.tensor(PM[:5]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has shape \(6, 3\)"):
        F.gaussian_nll_loss(sj.tensor(A), sj.tensor(B), sj.tensor(VAR[:, :3]))
    with pytest.raises(ValueError, match=r"gaussian_nll_loss: var has negative entries"):
        F.gaussian_nll_loss(sj.tensor(A), sj.tensor(B), sj.tensor(-VAR))
    with pytest.raises(ValueError, match=r"triplet_margin_loss: anchor, positive and negative"):
        F.triplet_margin_loss(sj.tensor(A), sj.tensor(B), sj.tensor(C[None]))
    with pytest.raises(ValueError, match=r"margin_ranking_loss: input1 \(6,\), input2 \(5,\)"):
        F.margin_ranking_loss(sj.tensor(A[:, 0]), sj.tensor(B[:5, 0]), sj.tensor(PM_FLOAT))
    with pytest.raises(IndexError, match=r"multilabel_margin_loss: target 7 is out of range"):
        F.multilabel_margin_loss(sj.tensor(A), sj.tensor(np.full((6, 4), 7)))
    with pytest.raises(ValueError, match=r"MultiLabelSoftMarginLoss: reduction"):
        nn.MultiLabelSoftMarginLoss(reduction="avg")
