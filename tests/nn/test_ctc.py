"""CTC loss against PyTorch (value and the gradient of the logits through log_softmax),
the float64 gradcheck of the op itself, a brute-force sum over alignments, and errors."""

import itertools

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn
from shenjing.autograd import gradcheck
from shenjing.nn import functional as F

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
T, N, C = 12, 3, 5
LOGITS = rng.standard_normal((T, N, C))
TARGETS = np.array([[1, 2, 2, 0], [3, 1, 0, 0], [4, 4, 4, 1]])
TARGET_LENGTHS = np.array([3, 2, 4])
INPUT_LENGTHS = np.array([12, 9, 10])


def both(reduction, targets=TARGETS, input_lengths=INPUT_LENGTHS, blank=0, zero_infinity=False,
         logits=LOGITS, target_lengths=TARGET_LENGTHS):
    xs, xt = sj.tensor(logits, requires_grad=True), torch.tensor(logits, requires_grad=True)
    ours = nn.CTCLoss(blank, reduction, zero_infinity)(
        F.log_softmax(xs, 2), sj.tensor(targets), sj.tensor(input_lengths),
        sj.tensor(target_lengths))
    theirs = torch.nn.CTCLoss(blank, reduction, zero_infinity)(
        torch.log_softmax(xt, 2), torch.tensor(targets), torch.tensor(input_lengths),
        torch.tensor(target_lengths))
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
    w = np.random.default_rng(1).standard_normal(ours.shape)
    (ours * sj.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    return ours


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_ctc_matches_torch(reduction):
    both(reduction)


def test_ctc_concatenated_targets_and_another_blank():
    flat = np.concatenate([TARGETS[i, :k] for i, k in enumerate(TARGET_LENGTHS)])
    both("mean", targets=flat)
    both("none", targets=np.where(TARGETS == 0, 3, TARGETS - 0) % 4, blank=4)


def test_ctc_impossible_alignment_and_zero_infinity():
    lengths = np.array([12, 9, 4])          # 4 frames cannot emit 4, 4, 4, 1 (6 needed)
    with np.errstate(all="ignore"):
        out = both("none", input_lengths=lengths, zero_infinity=True)
    assert out.numpy()[2] == 0 and np.all(out.numpy()[:2] > 0)


def test_ctc_gradcheck_of_the_op():
    log_probs = np.log(np.random.default_rng(2).dirichlet(np.ones(C), (6, 2)))
    lp = sj.tensor(log_probs, requires_grad=True)
    assert gradcheck(lambda x: F.ctc_loss(x, sj.tensor(TARGETS[:2, :2]), [6, 5], [2, 2],
                                          reduction="none"), (lp,))


def test_ctc_is_the_sum_over_every_alignment():
    """Brute force: every path of length T over C classes that collapses to the label."""
    steps, classes, label = 5, 3, [1, 2]
    log_probs = np.log(np.random.default_rng(3).dirichlet(np.ones(classes), steps))
    total = 0.0
    for path in itertools.product(range(classes), repeat=steps):
        collapsed = [c for i, c in enumerate(path) if c != 0 and (i == 0 or path[i - 1] != c)]
        if collapsed == label:
            total += np.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
    loss = F.ctc_loss(sj.tensor(log_probs), sj.tensor(label), steps, 2, reduction="sum")
    np.testing.assert_allclose(float(loss.numpy()), -np.log(total), rtol=1e-12)


def test_ctc_errors_name_the_loss():
    lp = sj.tensor(np.log(np.full((4, 1, 3), 1 / 3)))
    with pytest.raises(ValueError, match=r"ctc_loss: target labels must be classes in \[0, 3\) "
                                         r"other than the blank 0"):
        F.ctc_loss(lp, sj.tensor([[0, 1]]), [4], [2])
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must be in \[1, 4\]"):
        F.ctc_loss(lp, sj.tensor([[2, 1]]), [5], [2])
    with pytest.raises(ValueError, match=r"ctc_loss: 1-d targets hold 2 labels but "
                                         r"target_lengths sum to 3"):
        F.ctc_loss(lp, sj.tensor([2, 1]), [4], [3])
    with pytest.raises(ValueError, match=r"ctc_loss: input_lengths must hold one length per "
                                         r"sample \(1\), got 2"):
        F.ctc_loss(lp, sj.tensor([[2, 1]]), [4, 4], [2])


@pytest.mark.parametrize("reduction", ["none", "mean"])
def test_ctc_unbatched_matches_torch(reduction):
    log_probs = np.log(np.random.default_rng(4).dirichlet(np.ones(4), 6))
    ours = F.ctc_loss(sj.tensor(log_probs), sj.tensor([1, 2]), sj.tensor(6), sj.tensor(2),
                      reduction=reduction)
    theirs = torch.nn.functional.ctc_loss(torch.tensor(log_probs), torch.tensor([1, 2]),
                                          torch.tensor(6), torch.tensor(2), reduction=reduction)
    assert ours.shape == tuple(theirs.shape) == ()
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
