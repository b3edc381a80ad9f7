"""Higher-order gradients: create_graph=True records the backward pass as a graph.

Every op family with a tensor backward goes through ``gradgradcheck`` (float64 central
differences of the first gradient, the incoming gradient included as an input), and its
first gradient made with create_graph must equal the array backward's.  Then the uses:
a Hessian-vector product of an MLP and a WGAN-GP gradient penalty, both against PyTorch
with copied weights, a WGAN-GP critic training step, and the error of an op without one.
"""

import numpy as np
import pytest

import shenjing as sj
from shenjing.autograd import grad
from shenjing.autograd.gradcheck import gradgradcheck

F = sj.nn.functional


def t(shape, seed=0, low=None, away=None, scale=1.0, requires_grad=True):
    """A float64 tensor of normal values (shifted to ``low`` and up when given); ``away``
    moves values at least 0.1 away from the kinks listed."""
    rng = np.random.default_rng(seed)
    a = scale * rng.standard_normal(shape)
    if low is not None:
        a = low + np.abs(a)
    for k in away or ():
        a = np.where(np.abs(a - k) < 0.1, a + 0.3, a)
    return sj.tensor(a, dtype=sj.float64, requires_grad=requires_grad)


LABELS = np.array([2, 0, 1])
PROBS = np.random.default_rng(5).dirichlet(np.ones(4), size=3)

CASES = {
    "add_broadcast": (lambda a, b: a + b, lambda: (t((3, 4)), t((4,), 1))),
    "sub_broadcast": (lambda a, b: a - b, lambda: (t((3, 1)), t((3, 4), 1))),
    "mul_broadcast": (lambda a, b: a * b, lambda: (t((3, 4)), t((1, 4), 1))),
    "div": (lambda a, b: a / b, lambda: (t((3, 4)), t((3, 4), 1, low=0.5))),
    "neg": (lambda a: -a * a, lambda: (t((3, 4)),)),
    "pow_scalar": (lambda a: a ** 3 + a ** 0.5, lambda: (t((3, 4), low=0.5),)),
    "pow_tensor": (lambda a, b: a ** b, lambda: (t((3, 4), low=0.5), t((3, 4), 1))),
    "exp_log": (lambda a: sj.exp(a) + sj.log(a * a + 1) + sj.log1p(a * a), lambda: (t((3, 4)),)),
    "sqrt": (lambda a: sj.sqrt(a), lambda: (t((3, 4), low=0.5),)),
    "sin_cos_abs": (lambda a: sj.sin(a) * sj.cos(a) * sj.abs(a), lambda: (t((3, 4), away=[0]),)),
    "tanh": (lambda a: sj.tanh(a), lambda: (t((3, 4)),)),
    "sigmoid": (lambda a: sj.sigmoid(a), lambda: (t((3, 4)),)),
    "relu": (lambda a: sj.relu(a) * a, lambda: (t((3, 4), away=[0]),)),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.2) * a, lambda: (t((3, 4), away=[0]),)),
    "hardtanh_clamp": (lambda a: sj.hardtanh(a) * a + sj.clamp(a, -0.5, 0.7) * a,
                       lambda: (t((3, 4), away=[-1, -0.5, 0.7, 1]),)),
    "where": (lambda a, b: sj.where(a.detach() > 0, a * b, b * b), lambda: (t((3, 4)), t((4,), 1))),
    "softplus": (lambda a: F.softplus(a) + F.softplus(a, beta=2.0, threshold=1.0),
                 lambda: (t((3, 4), away=[0.5]),)),
    "silu_elu": (lambda a: F.silu(a) + F.elu(a, 0.7) + F.selu(a), lambda: (t((3, 4), away=[0]),)),
    "hardswish": (lambda a: F.hardswish(a), lambda: (t((3, 4), scale=3, away=[-3, 3]),)),
    "hardsigmoid": (lambda a: F.hardsigmoid(a) * a, lambda: (t((3, 4), scale=3, away=[-3, 3]),)),
    "softmax": (lambda a: sj.softmax(a, 1), lambda: (t((3, 4)),)),
    "softmax_dim0": (lambda a: sj.softmax(a, 0), lambda: (t((2, 3, 4)),)),
    "log_softmax": (lambda a: sj.log_softmax(a, -1), lambda: (t((3, 4)),)),
    "sum_mean": (lambda a: a.sum(1) * a.mean(0).sum() + a.sum() * a.mean((0, 1), keepdim=True),
                 lambda: (t((3, 4)),)),
    "reshape_transpose": (lambda a: a.reshape(4, 3).transpose(0, 1) * a + a.permute(1, 0).t(),
                          lambda: (t((3, 4)),)),
    "broadcast_expand": (lambda a: a.expand(3, 4) * a.expand(3, 4), lambda: (t((1, 4)),)),
    "getitem": (lambda a: (a[1:, ::2] * a[0, 1]).sum() + (a[[0, 0, 2]] ** 2).sum(0),
                lambda: (t((3, 4)),)),
    "matmul": (lambda a, b: (a @ b) ** 2, lambda: (t((3, 4)), t((4, 2), 1))),
    "matmul_batched": (lambda a, b: (a @ b) ** 2, lambda: (t((2, 3, 4)), t((4, 2), 1))),
    "matmul_vector": (lambda a, b: (a @ b) ** 2 + (b @ b) * a.sum(),
                      lambda: (t((3, 4)), t((4,), 1))),
    "linear": (lambda x, w, b: sj.tanh(F.linear(x, w, b)), lambda: (t((3, 4)), t((2, 4), 1), t((2,), 2))),
    "linear_3d": (lambda x, w: F.linear(x, w) ** 2, lambda: (t((2, 3, 4)), t((2, 4), 1))),
    "mse_loss": (lambda x, y: F.mse_loss(x * x, y), lambda: (t((3, 4)), t((3, 4), 1))),
    "mse_loss_none": (lambda x, y: F.mse_loss(x * x, y, reduction="none"),
                      lambda: (t((3, 4)), t((3, 4), 1))),
    "cross_entropy": (lambda x: F.cross_entropy(x * x, sj.tensor(LABELS)), lambda: (t((3, 4)),)),
    "cross_entropy_weighted": (
        lambda x: F.cross_entropy(x * x, sj.tensor(LABELS), weight=sj.tensor([1.0, 2.0, 0.5, 1.0]).double(),
                                  label_smoothing=0.1, reduction="sum"),
        lambda: (t((3, 4)),)),
    "cross_entropy_probs": (lambda x, p: F.cross_entropy(x * x, p * p),
                            lambda: (t((3, 4)), sj.tensor(PROBS, requires_grad=True))),
    "nll_loss": (lambda x: F.nll_loss(sj.log_softmax(x * x, 1), sj.tensor(LABELS), reduction="none"),
                 lambda: (t((3, 4)),)),
    "cast": (lambda x: x.float().double() * x, lambda: (t((3, 4)),)),
    # fused ops, whose second derivative comes from their definition in primitives
    "layer_norm": (lambda x, w, b: F.layer_norm(x, (4,), w, b) ** 2,
                   lambda: (t((3, 4)), t((4,), 1), t((4,), 2))),
    "batch_norm_train": (lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True) ** 2,
                         lambda: (t((5, 3)), t((3,), 1), t((3,), 2))),
    "batch_norm_eval": (lambda x, w: F.batch_norm(x, sj.tensor([0.1, -0.2, 0.3]).double(),
                                                  sj.tensor([1.5, 0.5, 2.0]).double(), w) ** 2,
                        lambda: (t((4, 3)), t((3,), 1))),
    "gelu": (lambda x: F.gelu(x) + F.gelu(x, approximate="tanh"), lambda: (t((3, 4)),)),
    "mish_erf": (lambda x: F.mish(x) + sj.erf(x), lambda: (t((3, 4)),)),
    "logsumexp_var": (lambda x: sj.logsumexp(x, 1) * sj.var(x, 0).sum() + sj.var(x),
                      lambda: (t((3, 4)),)),
    "bce_with_logits": (lambda x, y: F.binary_cross_entropy_with_logits(
        x * x, y, pos_weight=sj.tensor([2.0, 1.0, 0.5, 1.0]).double()),
        lambda: (t((3, 4)), sj.tensor(np.random.default_rng(4).uniform(size=(3, 4)), requires_grad=True))),
    "l1_loss": (lambda x, y: F.l1_loss(x * x, y), lambda: (t((3, 4)), t((3, 4), 1))),
    "cat_stack_split": (lambda a, b: sj.cat([a, b * a], 1).sum(0) * sj.stack([a, b], 0).sum()
                        + sum((p * p).sum() for p in sj.split(a * b, 1, dim=1)),
                        lambda: (t((3, 2)), t((3, 2), 1))),
    "pad_flip": (lambda a: F.pad(a * a, (1, 2)) * 2 + 0 * F.pad(a, (1, 2)) + F.pad(sj.flip(a, 1) * a, (1, 2)),
                 lambda: (t((3, 4)),)),
    "conv2d": (lambda x, w, b: sj.tanh(F.conv2d(x, w, b, stride=2, padding=1)),
               lambda: (t((2, 2, 5, 4)), t((3, 2, 3, 3), 1), t((3,), 2))),
    "conv2d_groups_dilation": (lambda x, w: F.conv2d(x, w, padding=(2, 1), dilation=2, groups=2) ** 2,
                               lambda: (t((1, 4, 5, 5)), t((2, 2, 2, 2), 1))),
    "conv1d": (lambda x, w: F.conv1d(x, w, padding=1) ** 2, lambda: (t((2, 3, 6)), t((2, 3, 3), 1))),
    "dense_keras_layout": (lambda x, k, b: sj.tanh(sj.ops.linalg.dense(x, k, b)),
                           lambda: (t((3, 4)), t((4, 2), 1), t((2,), 2))),
    "max_amax": (lambda a: sj.max(a) * a + sj.amax(a * a, 1, keepdim=True), lambda: (t((3, 4)),)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name):
    fn, make = CASES[name]
    if name == "cast":  # a float32 round trip inside: steps of 1e-6 would vanish in rounding
        gradgradcheck(fn, make(), eps=1e-2, tol=1e-4)
    else:
        gradgradcheck(fn, make())


@pytest.mark.parametrize("name", sorted(CASES))
def test_tensor_backward_gives_the_array_backward_gradient(name):
    fn, make = CASES[name]
    inputs = make()
    out = fn(*inputs)
    w = sj.tensor(np.random.default_rng(9).standard_normal(out.shape))
    fast = grad((out * w).sum(), inputs, retain_graph=True)
    graph = grad((out * w).sum(), inputs, create_graph=True)
    for a, b in zip(fast, graph):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-12, atol=1e-14)


def test_third_derivative_of_a_polynomial():
    x = sj.tensor([0.5, -1.5, 2.0], dtype=sj.float64, requires_grad=True)
    (g1,) = grad((x ** 4).sum(), x, create_graph=True)
    (g2,) = grad(g1.sum(), x, create_graph=True)
    (g3,) = grad(g2.sum(), x)
    a = x.numpy()
    np.testing.assert_allclose(g1.numpy(), 4 * a ** 3)
    np.testing.assert_allclose(g2.numpy(), 12 * a ** 2)
    np.testing.assert_allclose(g3.numpy(), 24 * a)


def test_unsupported_op_names_itself():
    x = t((3, 4))
    y = sj.prod(x * x, 1).sum()
    with pytest.raises(RuntimeError, match="double backward is not supported for Prod yet"):
        grad(y, x, create_graph=True)
    # the ordinary first-order path still works on the same graph
    (g,) = grad(sj.prod(x * x, 1).sum(), x)
    assert g.shape == (3, 4) and not g.requires_grad


def test_ops_outside_the_path_to_the_inputs_are_not_asked():
    # prod feeds x_hat but grad asks only about x_hat: its backward never runs
    z = t((3, 4))
    x_hat = t((3, 4), 1) + sj.prod(z, 1, keepdim=True)
    y = (sj.tanh(x_hat) ** 2).sum()
    (g,) = grad(y, x_hat, create_graph=True)
    assert g.requires_grad and g.shape == (3, 4)


# ------------------------------------------------------------------ PyTorch parity


def _mlp_weights(seed, sizes):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((o, i)) / np.sqrt(i), rng.standard_normal(o) * 0.1)
            for i, o in zip(sizes[:-1], sizes[1:])]


def _ours_mlp(weights, activation):
    layers = []
    for k, (w, b) in enumerate(weights):
        lin = sj.nn.Linear(w.shape[1], w.shape[0]).double()
        with sj.no_grad():
            lin.weight.copy_(sj.tensor(w))
            lin.bias.copy_(sj.tensor(b))
        layers.append(lin)
        if k < len(weights) - 1:
            layers.append(activation)
    return sj.nn.Sequential(*layers)


def _torch_mlp(torch, weights, activation):
    layers = []
    for k, (w, b) in enumerate(weights):
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w))
            lin.bias.copy_(torch.tensor(b))
        layers.append(lin)
        if k < len(weights) - 1:
            layers.append(activation)
    return torch.nn.Sequential(*layers)


def test_hessian_vector_product_of_an_mlp_matches_torch():
    torch = pytest.importorskip("torch")
    weights = _mlp_weights(0, [5, 8, 6, 1])
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((7, 5)), rng.standard_normal((7, 1))
    ours = sj.nn.Sequential(_ours_mlp(weights[:2], sj.nn.Tanh()), sj.nn.Softplus(),
                            _ours_mlp(weights[2:], None))
    theirs = torch.nn.Sequential(_torch_mlp(torch, weights[:2], torch.nn.Tanh()),
                                 torch.nn.Softplus(), _torch_mlp(torch, weights[2:], None))
    vs = [rng.standard_normal(p.shape) for p in ours.parameters()]

    params = list(ours.parameters())
    loss = F.mse_loss(ours(sj.tensor(x)), sj.tensor(y))
    gs = grad(loss, params, create_graph=True)
    dot = sum((g * sj.tensor(v)).sum() for g, v in zip(gs, vs))
    hvp = grad(dot, params)

    tparams = list(theirs.parameters())
    tloss = torch.nn.functional.mse_loss(theirs(torch.tensor(x)), torch.tensor(y))
    tgs = torch.autograd.grad(tloss, tparams, create_graph=True)
    tdot = sum((g * torch.tensor(v)).sum() for g, v in zip(tgs, vs))
    thvp = torch.autograd.grad(tdot, tparams)

    assert all(p.grad is None for p in params)
    for g, tg in zip(gs, tgs):
        np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=1e-10, atol=1e-12)
    for h, th in zip(hvp, thvp):
        np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-9, atol=1e-12)
    assert max(np.abs(h.numpy()).max() for h in hvp) > 1e-3  # a real curvature, not zeros


def _gradient_penalty(lib, critic, real, fake, eps):
    x_hat = eps * real + (1 - eps) * fake
    x_hat.requires_grad_(True) if lib is sj and x_hat.is_leaf else None
    score = critic(x_hat)
    autograd = sj.autograd if lib is sj else lib.autograd
    (g,) = autograd.grad(score, x_hat, grad_outputs=lib.ones_like(score), create_graph=True)
    norm = lib.sqrt((g * g).sum(1) + 1e-12)
    return ((norm - 1) ** 2).mean()


def test_wgan_gp_penalty_gradients_match_torch():
    torch = pytest.importorskip("torch")
    weights = _mlp_weights(2, [6, 16, 16, 1])
    rng = np.random.default_rng(3)
    real, fake = rng.standard_normal((8, 6)), rng.standard_normal((8, 6)) * 2
    eps = rng.uniform(size=(8, 1))
    ours = _ours_mlp(weights, sj.nn.LeakyReLU(0.2))
    theirs = _torch_mlp(torch, weights, torch.nn.LeakyReLU(0.2))

    fake_s = sj.tensor(fake, requires_grad=True)  # a generator output: x_hat is not a leaf
    gp = _gradient_penalty(sj, ours, sj.tensor(real), fake_s, sj.tensor(eps))
    loss = ours(fake_s).mean() - ours(sj.tensor(real)).mean() + 10 * gp
    loss.backward()

    fake_t = torch.tensor(fake, requires_grad=True)
    tgp = _gradient_penalty(torch, theirs, torch.tensor(real), fake_t, torch.tensor(eps))
    tloss = theirs(fake_t).mean() - theirs(torch.tensor(real)).mean() + 10 * tgp
    tloss.backward()

    np.testing.assert_allclose(gp.item(), tgp.item(), rtol=1e-12)
    for p, tp in zip(ours.parameters(), theirs.parameters()):
        assert p.grad is not None and not p.grad.requires_grad
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fake_s.grad.numpy(), fake_t.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_wgan_gp_critic_training_step_runs_and_lowers_the_loss():
    sj.manual_seed(0)
    critic = sj.nn.Sequential(sj.nn.Linear(2, 32), sj.nn.LeakyReLU(0.2), sj.nn.Linear(32, 32),
                              sj.nn.Tanh(), sj.nn.Linear(32, 1))
    opt = sj.optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))
    real = sj.randn(64, 2) * 0.5 + 2.0
    fake = sj.randn(64, 2)
    losses, penalties = [], []
    for _ in range(30):
        eps = sj.rand(64, 1)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_()
        (g,) = sj.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
        gp = ((sj.sqrt((g * g).sum(1)) - 1) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * gp
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        penalties.append(gp.item())
    assert all(np.isfinite(losses))
    assert all(p.grad is not None and not p.grad.requires_grad for p in critic.parameters())
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.1   # the critic learns to separate
    assert critic[0].weight.grad.dtype == np.float32


def test_dropout_second_derivative_uses_the_same_mask():
    sj.manual_seed(3)
    x = t((50, 40))
    y = F.dropout(x, 0.3, training=True)
    (g,) = grad((y * y).sum(), x, create_graph=True)   # 2 x mask^2
    (h,) = grad(g.sum(), x)                              # 2 mask^2
    mask = y.numpy() / np.where(x.numpy() == 0, 1, x.numpy())
    np.testing.assert_allclose(g.detach().numpy(), 2 * x.numpy() * mask ** 2, rtol=1e-12)
    np.testing.assert_allclose(h.numpy(), 2 * mask ** 2, rtol=1e-12)
    assert 0.2 < (mask == 0).mean() < 0.4


def test_wgan_gp_with_a_conv_critic_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    w1, b1 = rng.standard_normal((4, 1, 3, 3)) * 0.5, rng.standard_normal(4) * 0.1
    w2, b2 = rng.standard_normal((1, 4 * 3 * 3)) * 0.2, rng.standard_normal(1) * 0.1
    real, fake = rng.standard_normal((3, 1, 6, 6)), rng.standard_normal((3, 1, 6, 6))
    eps = rng.uniform(size=(3, 1, 1, 1))

    def critic(lib, fn, x, params):
        w1, b1, w2, b2 = params
        h = fn.leaky_relu(fn.conv2d(x, w1, b1, stride=2, padding=1), 0.2)
        return fn.linear(h.reshape(h.shape[0], -1), w2, b2)

    results = []
    for lib, fn in ((sj, F), (torch, torch.nn.functional)):
        params = [lib.tensor(a, dtype=lib.float64, requires_grad=True) for a in (w1, b1, w2, b2)]
        x_hat = lib.tensor(eps * real + (1 - eps) * fake, dtype=lib.float64, requires_grad=True)
        out = critic(lib, fn, x_hat, params)
        (g,) = lib.autograd.grad(out.sum(), x_hat, create_graph=True)
        gp = ((lib.sqrt((g * g).reshape(3, -1).sum(1)) - 1) ** 2).mean()
        gp.backward()
        results.append([gp.item()] + [None if p.grad is None else p.grad.numpy() for p in params])
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
    # the penalty does not depend on the last bias: no gradient reaches it in either library
    assert results[0][4] is None and results[1][4] is None
    # the first bias only moves leaky_relu's mask (a constant here, so None; torch: zeros)
    assert results[0][2] is None and not np.any(results[1][2])
    for i in (1, 3):
        np.testing.assert_allclose(results[0][i], results[1][i], rtol=1e-9, atol=1e-12)
