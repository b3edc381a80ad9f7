"""dcgan and wgan_gp (PyTorch face): one DCGAN step and the WGAN-GP gradient penalty agree
with PyTorch on copied weights; the Frechet distance agrees with SciPy's matrix square
root; short runs leave finite losses, sample grids and a generator whose images are in
[-1, 1]; ``-m accuracy``: the full runs reach the registry's sample-quality bars."""

import numpy as np
import pytest

import shenjing
from examples.dcgan import (Critic, Discriminator, Generator, dcgan_step, frechet_distance,
                            gradient_penalty, init_weights, run)
from tests.examples.conftest import check_outputs, run_at_defaults, run_example


# ------------------------------------------------------------------ PyTorch twins


def _torch_generator(torch, nz=64, ngf=32):
    nn = torch.nn
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf), nn.ReLU(),
        nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False), nn.Tanh())


def _torch_discriminator(torch, ndf=32, batch_norm=True):
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=not batch_norm),
        *([nn.BatchNorm2d(ndf * 2)] if batch_norm else []), nn.LeakyReLU(0.2),
        nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=not batch_norm), nn.Flatten(0))


def _torch_critic(torch):
    nn = torch.nn
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.LeakyReLU(0.2),
                         nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1), nn.Flatten(0))


def _copy_parameters(torch, ours, theirs, dtype):
    """Our parameters (in order) into the twin's; both lists must line up in shape."""
    mine, twins = list(ours.parameters()), list(theirs.parameters())
    assert [tuple(p.shape) for p in mine] == [tuple(p.shape) for p in twins]
    with torch.no_grad():
        for p, q in zip(mine, twins):
            q.copy_(torch.tensor(p.detach().numpy(), dtype=dtype))


# ------------------------------------------------------------------ the steps against PyTorch


def test_dcgan_step_matches_torch():
    torch = pytest.importorskip("torch")
    shenjing.manual_seed(0)
    G, D = Generator(), Discriminator()
    G.apply(init_weights)
    D.apply(init_weights)
    tG, tD = _torch_generator(torch), _torch_discriminator(torch)
    _copy_parameters(torch, G, tG, torch.float32)
    _copy_parameters(torch, D, tD, torch.float32)
    rng = np.random.default_rng(0)
    real = np.tanh(rng.standard_normal((8, 1, 28, 28))).astype(np.float32)
    z = rng.standard_normal((8, 64, 1, 1)).astype(np.float32)

    adam = dict(lr=2e-4, betas=(0.5, 0.999))
    numbers = dcgan_step(G, D, shenjing.optim.Adam(G.parameters(), **adam),
                         shenjing.optim.Adam(D.parameters(), **adam),
                         shenjing.tensor(real), shenjing.tensor(z))

    # the same step written out in PyTorch: one-sided smoothing (real 0.9, fake 0), then
    # the non-saturating generator loss on the updated discriminator
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    opt_g = torch.optim.Adam(tG.parameters(), **adam)
    opt_d = torch.optim.Adam(tD.parameters(), **adam)
    fake = tG(torch.tensor(z))
    loss_d = (bce(tD(torch.tensor(real)), torch.full((8,), 0.9))
              + bce(tD(fake.detach()), torch.zeros(8)))
    opt_d.zero_grad()
    loss_d.backward()
    opt_d.step()
    loss_g = bce(tD(fake), torch.ones(8))
    opt_g.zero_grad()
    loss_g.backward()
    opt_g.step()

    assert numbers["loss_d"] == pytest.approx(loss_d.item(), rel=1e-5)
    assert numbers["loss_g"] == pytest.approx(loss_g.item(), rel=1e-5)
    assert 0 < numbers["d_fake"] < 1 and 0 < numbers["d_real"] < 1
    for ours, theirs in ((G, tG), (D, tD)):
        for p, q in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("critic", ["mlp", "conv"])
def test_gradient_penalty_and_its_gradients_match_torch(critic):
    """The penalty and the critic loss's gradients (a double backward through LeakyReLU and
    Linear or Conv2d) in float64 on a small batch, against torch.autograd.grad."""
    torch = pytest.importorskip("torch")
    shenjing.manual_seed(1)
    if critic == "mlp":
        ours, theirs = Critic(), _torch_critic(torch)
    else:
        ours = Discriminator(batch_norm=False)
        theirs = _torch_discriminator(torch, batch_norm=False)
        ours.apply(init_weights)
        for p in ours.parameters():   # larger weights than N(0, 0.02): a penalty far from 1
            p.data = p.data * 10
    ours.double()
    theirs.double()
    _copy_parameters(torch, ours, theirs, torch.float64)
    rng = np.random.default_rng(2)
    n = 4
    real = rng.uniform(-1, 1, (n, 1, 28, 28))
    fake = rng.uniform(-1, 1, (n, 1, 28, 28))
    eps = rng.uniform(size=(n, 1, 1, 1))

    fake_s = shenjing.tensor(fake, requires_grad=True)     # a generator's output: not a leaf
    gp = gradient_penalty(ours, shenjing.tensor(real), fake_s * 1.0, shenjing.tensor(eps))
    loss = ours(fake_s).mean() - ours(shenjing.tensor(real)).mean() + 10 * gp
    loss.backward()

    fake_t = torch.tensor(fake, requires_grad=True)
    x_hat = torch.tensor(eps) * torch.tensor(real) + (1 - torch.tensor(eps)) * fake_t
    (g,) = torch.autograd.grad(theirs(x_hat).sum(), x_hat, create_graph=True)
    tgp = ((torch.sqrt((g * g).reshape(n, -1).sum(1) + 1e-12) - 1) ** 2).mean()
    tloss = theirs(fake_t).mean() - theirs(torch.tensor(real)).mean() + 10 * tgp
    tloss.backward()

    assert gp.item() == pytest.approx(tgp.item(), rel=1e-10)
    assert abs(gp.item()) > 1e-3                                  # not a trivial penalty
    for p, q in zip(ours.parameters(), theirs.parameters()):
        expected = q.grad.numpy()
        if p.grad is None:    # a bias the loss reaches only through a constant mask
            assert not np.any(expected)
            continue
        np.testing.assert_allclose(p.grad.numpy(), expected, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fake_s.grad.numpy(), fake_t.grad.numpy(), rtol=1e-8, atol=1e-12)


def test_frechet_distance_matches_scipy_sqrtm():
    linalg = pytest.importorskip("scipy.linalg")
    rng = np.random.default_rng(0)
    a = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 6))
    b = rng.standard_normal((300, 6)) @ rng.standard_normal((6, 6)) + 0.5
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    expected = (((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(s_a + s_b)
                - 2 * np.trace(linalg.sqrtm(s_a @ s_b).real))
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-8)
    assert frechet_distance(a, a) == pytest.approx(0, abs=1e-8)


# ------------------------------------------------------------------ short runs


def _check_generator(tmp_path):
    """The saved generator loads and makes (N, 1, 28, 28) images in [-1, 1], not all alike."""
    G = Generator()
    G.load_state_dict(shenjing.load(str(tmp_path / "generator.safetensors")))
    G.eval()
    with shenjing.no_grad():
        images = G(shenjing.randn(16, 64, 1, 1)).numpy()
    assert images.shape == (16, 1, 28, 28)
    assert images.min() >= -1 and images.max() <= 1
    assert images.std(0).mean() > 1e-3


@pytest.mark.parametrize("name", ["dcgan", "wgan_gp"])
def test_short_run(tmp_path, name):
    metrics = run_example(name, tmp_path, "--epochs", 1, "--limit", 640)
    (epoch,) = metrics["history"]
    losses = ("loss_d", "loss_g") + (("gp", "wasserstein") if name == "wgan_gp" else ())
    assert all(np.isfinite(epoch[k]) for k in losses)
    result = metrics["metrics"]
    assert 0 <= result["confident_share"] <= 1 and 0 <= result["class_entropy"] <= 1
    assert 0 <= result["classes_covered"] <= 10
    assert result["frechet_distance"] > result["frechet_real"] >= 0
    assert result["judge_accuracy"] > 0.5 and result["images"] == 640
    check_outputs(metrics, tmp_path, "generator.safetensors",
                  plots=("history.png", "samples_epoch1.png"))
    _check_generator(tmp_path)


def test_fashion_mnist_option(tmp_path):
    pytest.importorskip("matplotlib")
    from shenjing.commands.session import Session
    from tests.conftest import shared_data_dir
    data = shared_data_dir()
    if not (data / "fashion-mnist").is_dir():
        pytest.skip(f"{data / 'fashion-mnist'} not found: set SHENJING_DATA to its parent folder")
    session = Session("dcgan", 1, 64, data=data, out=tmp_path, limit=256, progress=False,
                      log=lambda line: None)
    metrics = run(session, "dcgan", "fashion-mnist")
    assert metrics["images"] == 256 and metrics["judge_accuracy"] > 0.3   # chance is 0.1
    assert (tmp_path / "samples_epoch1.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="variant must be"):
        run(session, "gan")


# ------------------------------------------------------------------ at the defaults


# measured at the defaults (seed 0): dcgan 7 classes >= 5%, entropy 0.958, Frechet 53.7;
# wgan_gp 10 classes, entropy 0.987, Frechet 23.9; real against real: Frechet 4.4
BARS = {"dcgan": dict(classes=6, entropy=0.9, frechet=70.0),
        "wgan_gp": dict(classes=9, entropy=0.95, frechet=35.0)}


@pytest.mark.accuracy
@pytest.mark.parametrize("name", ["dcgan", "wgan_gp"])
def test_samples_are_recognisable_digits_of_many_classes(tmp_path, name):
    metrics = run_at_defaults(name, tmp_path)["metrics"]     # confident_share >= threshold
    bars = BARS[name]
    assert metrics["classes_covered"] >= bars["classes"], metrics
    assert metrics["class_entropy"] > bars["entropy"], metrics
    assert metrics["frechet_real"] < metrics["frechet_distance"] < bars["frechet"], metrics
    assert metrics["judge_accuracy"] > 0.97 and metrics["real_confident_share"] > 0.85
