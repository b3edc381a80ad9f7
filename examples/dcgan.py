"""DCGAN (and WGAN-GP) on MNIST, written with the PyTorch face.

    python examples/dcgan.py [--epochs E --batch-size B --data DIR --out DIR --limit N]
    shenjing run dcgan           (the same, through the command)
    shenjing run wgan_gp         (the WGAN-GP variant: examples/wgan_gp.py)

A generator G maps noise z ~ N(0, I) (N, 64, 1, 1) to images (N, 1, 28, 28) in [-1, 1]:
ConvTranspose2d 1x1 -> 7x7 -> 14x14 -> 28x28 with batch norm and ReLU, tanh at the end.
A discriminator D maps images to one logit: Conv2d 28 -> 14 -> 7 (stride 2, LeakyReLU 0.2,
batch norm on the second), then a 7x7 convolution to 1x1.  Weights start from N(0, 0.02)
(batch-norm scales from N(1, 0.02)), as in Radford et al. (2015) and the PyTorch tutorial.

DCGAN (``train``): the two-player game min_G max_D  E_x log D(x) + E_z log(1 - D(G(z))).
D steps on the binary cross-entropy of real images labelled 0.9 (one-sided label smoothing:
real targets only, so D is never rewarded for certainty about real images and G keeps a
gradient) and fakes labelled 0; G steps on the non-saturating loss -log D(G(z)) (targets 1),
whose gradient does not vanish when D wins.  Both with Adam(2e-4, betas=(0.5, 0.999)).

WGAN-GP (``run(session, "wgan-gp")``, Gulrajani et al. 2017): D becomes a critic f, a plain
score with no batch norm (the penalty is per sample; here an MLP, see ``Critic``), trained
n_critic = 5 times per G step on

    L_f = E f(G(z)) - E f(x) + lambda E (||grad_x f(x_hat)||_2 - 1)^2,
    x_hat = eps x + (1 - eps) G(z),  eps ~ U(0, 1) per sample,  lambda = 10,

a soft 1-Lipschitz constraint whose gradient is a second derivative: the gradient of the
critic is taken with ``create_graph=True`` and back-propagated through.  G minimises
-E f(G(z)); both with Adam(1e-4, betas=(0.5, 0.9)).  An epoch is one pass of G steps over
the data (the critic sees five batches per G step).

Each epoch writes ``samples_epoch<e>.png`` (the same 64 noise vectors every epoch) and a
row of history (the losses, D's mean outputs, the quality numbers below); the generator is
saved as ``generator.safetensors``.

The result is checked with a small MLP classifier (``Judge``) trained here for 3 epochs on
the same training images (about 97.5% test accuracy on MNIST), on 1000 generated images:
- ``confident_share``: share classified with probability > 0.9 (recognisable digits);
- ``classes_covered``: classes that take at least 5% of them (10: no mode collapse);
- ``class_entropy``: entropy of the class histogram over log(10) (1: all classes equally);
- ``frechet_distance``: between Gaussians fitted to the classifier's 128-d hidden features
  of generated and of real test images, ||mu_1 - mu_2||^2 + tr(S_1 + S_2 - 2 (S_1 S_2)^(1/2))
  (FID with this classifier in place of Inception) against 1000 real test images;
  ``frechet_real``: the same between those and 1000 other real test images, the floor
  (and ``real_confident_share``: the confident share of those real images).
``run(session, "dcgan", "fashion-mnist")`` trains on Fashion-MNIST instead.

At the defaults (all 60,000 images, batch 64, 3 epochs: 2,811 steps, 170-195 s of CPU on
one core) the judge (97.5%) calls 49% of the samples with p > 0.9 (real test digits: 90%),
7 classes take 5% or more (entropy 0.96), Frechet distance 54 (real against real: 4.4).
"""

import importlib
import math
import sys

import numpy as np

import shenjing as torch
from shenjing import nn
from shenjing.nn import functional as F
from shenjing.utils.data import DataLoader, TensorDataset

NOISE = 64              # dimension of z
EVAL_SAMPLES = 1000     # generated images the quality numbers are measured on


# ------------------------------------------------------------------ the two networks


class Generator(nn.Module):
    """z (N, nz, 1, 1) -> images (N, 1, 28, 28) in [-1, 1]: ConvTranspose2d 1 -> 7 -> 14 -> 28,
    batch norm and ReLU between, tanh at the end."""

    def __init__(self, nz=NOISE, ngf=32):
        super().__init__()
        self.main = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 2, 7, 1, 0, bias=False),        # 1x1 -> 7x7
            nn.BatchNorm2d(ngf * 2), nn.ReLU(),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),      # -> 14x14
            nn.BatchNorm2d(ngf), nn.ReLU(),
            nn.ConvTranspose2d(ngf, 1, 4, 2, 1, bias=False),            # -> 28x28
            nn.Tanh())

    def forward(self, z):
        return self.main(z)


class Discriminator(nn.Module):
    """images (N, 1, 28, 28) -> logits (N,): Conv2d 28 -> 14 -> 7 with LeakyReLU(0.2), then a
    7x7 convolution to one number.  ``batch_norm=False`` gives a convolutional WGAN-GP critic
    (a batch statistic would couple the samples whose gradient norms the penalty constrains;
    the run uses the cheaper ``Critic``)."""

    def __init__(self, ndf=32, batch_norm=True):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv2d(1, ndf, 4, 2, 1, bias=False), nn.LeakyReLU(0.2),  # 28 -> 14
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=not batch_norm),       # 14 -> 7
            *([nn.BatchNorm2d(ndf * 2)] if batch_norm else []), nn.LeakyReLU(0.2),
            nn.Conv2d(ndf * 2, 1, 7, 1, 0, bias=not batch_norm))         # 7 -> 1

    def forward(self, x):
        return self.main(x).reshape(-1)


class Critic(nn.Module):
    """The WGAN-GP critic: images (N, 1, 28, 28) -> scores (N,), an MLP 784-512-256-1 with
    LeakyReLU(0.2) and no batch norm.  (``Discriminator(batch_norm=False)`` is the convolutional
    critic; its penalty is exact too, but shenjing takes a convolution's second derivative
    through its definition in primitives: 0.2 s of CPU for the penalty and its backward on
    64 images against the MLP's 0.01 s, 13x the time per generator step, too slow for a
    run of a few CPU-minutes.)"""

    def __init__(self, hidden=(512, 256)):
        super().__init__()
        sizes = (784,) + tuple(hidden)
        layers = []
        for a, b in zip(sizes, sizes[1:]):
            layers += [nn.Linear(a, b), nn.LeakyReLU(0.2)]
        self.main = nn.Sequential(*layers, nn.Linear(sizes[-1], 1))

    def forward(self, x):
        return self.main(x.reshape(x.shape[0], -1)).reshape(-1)


def init_weights(module):
    """The DCGAN initialisation: conv weights N(0, 0.02); batch norm scale N(1, 0.02), shift 0
    (``model.apply(init_weights)``)."""
    name = type(module).__name__
    if "Conv" in name:
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif "BatchNorm" in name:
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


# ------------------------------------------------------------------ the two games


def dcgan_step(G, D, opt_g, opt_d, real, z, smooth=0.9):
    """One DCGAN step on a batch of real images (N, 1, 28, 28) and noise z (N, nz, 1, 1):
    D on BCE(D(x), smooth) + BCE(D(G(z)), 0), then G on BCE(D(G(z)), 1).  Returns
    {loss_d, loss_g, d_real, d_fake} (d_*: D's mean probability before its step)."""
    n = real.shape[0]
    fake = G(z)
    opt_d.zero_grad()
    out_real, out_fake = D(real), D(fake.detach())   # detach: D's step leaves G alone
    loss_d = (F.binary_cross_entropy_with_logits(out_real, torch.full((n,), smooth))
              + F.binary_cross_entropy_with_logits(out_fake, torch.zeros(n)))
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    # non-saturating: maximise log D(G(z)) instead of minimising log(1 - D(G(z)))
    loss_g = F.binary_cross_entropy_with_logits(D(fake), torch.ones(n))
    loss_g.backward()
    opt_g.step()
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item(),
            "d_real": torch.sigmoid(out_real).mean().item(),
            "d_fake": torch.sigmoid(out_fake).mean().item()}


def gradient_penalty(critic, real, fake, eps):
    """E (||grad_x f(x_hat)||_2 - 1)^2 at x_hat = eps real + (1 - eps) fake, with a graph
    (create_graph) so that it can be back-propagated into the critic's weights.
    real, fake (N, C, H, W); eps (N, 1, 1, 1) in [0, 1]."""
    x_hat = eps * real + (1 - eps) * fake
    if x_hat.is_leaf:
        x_hat.requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)
    norm = torch.sqrt((g * g).reshape(g.shape[0], -1).sum(1) + 1e-12)
    return ((norm - 1) ** 2).mean()


def wgan_gp_step(G, D, opt_g, opt_d, real, z, batches, n_critic=5, penalty=10.0):
    """One WGAN-GP generator step after ``n_critic`` critic steps; the critic's real
    batches after the first come from the iterator ``batches`` (and its noise from the
    global generator).  Returns {loss_d, loss_g, gp, wasserstein} (the last critic step's
    penalty and its estimate E f(x) - E f(G(z)))."""
    for k in range(n_critic):
        x = real if k == 0 else next(batches)
        n = x.shape[0]
        noise = z if k == 0 else torch.randn(n, z.shape[1], 1, 1)
        with torch.no_grad():
            fake = G(noise)
        opt_d.zero_grad()
        gp = gradient_penalty(D, x, fake, torch.rand(n, 1, 1, 1))
        distance = D(x).mean() - D(fake).mean()
        loss_d = -distance + penalty * gp
        loss_d.backward()
        opt_d.step()
    opt_g.zero_grad()
    loss_g = -D(G(z)).mean()
    loss_g.backward()
    opt_g.step()
    return {"loss_d": loss_d.item(), "loss_g": loss_g.item(), "gp": gp.item(),
            "wasserstein": distance.item()}


def _endless(loader):
    while True:
        for (x,) in loader:
            yield x


# ------------------------------------------------------------------ the judge


class Judge(nn.Module):
    """The classifier that scores generated images: (N, 1, 28, 28) in [-1, 1] -> logits
    (N, 10), an MLP 784-256-128-10 on pixels standardised with the training set's ``mean``
    and ``std``; ``features`` gives the 128-d hidden layer the Frechet distance compares."""

    def __init__(self, mean=0.0, std=1.0):
        super().__init__()
        self.mean, self.std = float(mean), float(std)
        self.fc1, self.fc2, self.fc3 = nn.Linear(784, 256), nn.Linear(256, 128), nn.Linear(128, 10)

    def features(self, x):
        x = (x.reshape(x.shape[0], -1) - self.mean) / self.std
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))

    def forward(self, x):
        return self.fc3(self.features(x))


def train_judge(x, y, x_test, y_test, epochs=3, batch_size=128):
    """A Judge trained with Adam on (x, y); returns it (in eval mode) and its test accuracy."""
    judge = Judge(x.mean(), x.std())
    optimizer = torch.optim.Adam(judge.parameters(), lr=1e-3)
    loader = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                        batch_size=batch_size, shuffle=True)
    for _ in range(epochs):
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(judge(xb), yb).backward()
            optimizer.step()
    judge.eval()
    with torch.no_grad():
        accuracy = float((judge(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    return judge, accuracy


def frechet_distance(a, b):
    """||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2)) between Gaussians fitted to the
    rows of a (n, d) and b (m, d).  tr (S_a S_b)^(1/2) = sum of the square roots of the
    eigenvalues of S_a^(1/2) S_b S_a^(1/2) (symmetric, so eigh; same spectrum as S_a S_b)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * cross)


def quality(judge, images, real_features):
    """The quality numbers of ``images`` (N, 1, 28, 28) in [-1, 1] (see the module docstring)."""
    with torch.no_grad():
        x = torch.from_numpy(images)
        features = judge.features(x)
        probs = torch.softmax(judge.fc3(features), 1).numpy()
    counts = np.bincount(probs.argmax(1), minlength=10)
    share = counts / counts.sum()
    entropy = max(0.0, -sum(p * math.log(p) for p in share if p > 0) / math.log(10))
    return {"confident_share": float((probs.max(1) > 0.9).mean()),
            "classes_covered": int((share >= 0.05).sum()),
            "class_entropy": float(entropy),
            "frechet_distance": frechet_distance(features.numpy(), real_features)}


# ------------------------------------------------------------------ data and pictures


def load(session, dataset="mnist"):
    """Training and test images (N, 1, 28, 28) float32 in [-1, 1] (tanh's range) and labels
    (all of them, or the first ``--limit``)."""
    loader = importlib.import_module(f"shenjing.datasets.{dataset.replace('-', '_')}")
    (x_train, y_train), (x_test, y_test) = loader.load_data(path=session.data)
    x_train, y_train = session.take(x_train, y_train)
    x_test, y_test = session.take(x_test, y_test)

    def scale(x):
        return (x[:, None].astype(np.float32) / 127.5 - 1).astype(np.float32)
    return scale(x_train), y_train.astype(np.int64), scale(x_test), y_test.astype(np.int64)


def save_grid(images, path, title=None, columns=8):
    """A PNG of ``images`` (N, 1, H, W) in [-1, 1] tiled ``columns`` to a row."""
    from shenjing.plots import pyplot, save_figure
    n, _, h, w = images.shape
    rows = -(-n // columns)
    grid = np.ones((rows * (h + 2), columns * (w + 2)), np.float32)  # a white 2-pixel border
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        grid[r * (h + 2) + 1:r * (h + 2) + 1 + h, c * (w + 2) + 1:c * (w + 2) + 1 + w] = image[0]
    plt = pyplot()
    figure = plt.figure(figsize=(columns * 0.6, rows * 0.6 + (0.3 if title else 0)))
    ax = figure.add_axes([0, 0, 1, 1 if not title else rows * 0.6 / (rows * 0.6 + 0.3)])
    ax.imshow((grid + 1) / 2, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax.axis("off")
    if title:
        figure.suptitle(title, fontsize=8, y=0.995)
    save_figure(figure, path)
    plt.close(figure)
    return path


def generate(G, z, batch_size=250):
    """G(z) as a NumPy array, in eval mode (batch norm from its running statistics)."""
    G.eval()
    with torch.no_grad():
        images = np.concatenate([G(z[i:i + batch_size]).numpy()
                                 for i in range(0, len(z), batch_size)])
    G.train()
    return images


# ------------------------------------------------------------------ the run


def run(session, variant="dcgan", dataset="mnist"):
    """Train a ``variant`` ("dcgan" or "wgan-gp") GAN on ``dataset`` ("mnist" or
    "fashion-mnist"); returns the final quality numbers and the judge's accuracy."""
    if variant not in ("dcgan", "wgan-gp"):
        raise ValueError(f"dcgan: variant must be 'dcgan' or 'wgan-gp', got {variant!r}")
    x_train, y_train, x_test, y_test = load(session, dataset)
    judge, judge_accuracy = train_judge(x_train, y_train, x_test, y_test)
    with torch.no_grad():
        real = judge.features(torch.from_numpy(x_test)).numpy()
    n = min(EVAL_SAMPLES, len(real) // 2)
    reference = real[:n]                # the real features generated images are compared with
    frechet_real = frechet_distance(real[n:2 * n], reference)
    real_confident = quality(judge, x_test[n:2 * n], reference)["confident_share"]

    rng = np.random.default_rng(session.seed)
    fixed = torch.from_numpy(rng.standard_normal((64, NOISE, 1, 1)).astype(np.float32))
    eval_z = torch.from_numpy(rng.standard_normal((EVAL_SAMPLES, NOISE, 1, 1)).astype(np.float32))

    G = Generator()
    G.apply(init_weights)
    if variant == "dcgan":
        D = Discriminator()
        D.apply(init_weights)
        opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    else:
        D = Critic()     # PyTorch's default initialisation of its Linear layers
        opt_g = torch.optim.Adam(G.parameters(), lr=1e-4, betas=(0.5, 0.9))
        opt_d = torch.optim.Adam(D.parameters(), lr=1e-4, betas=(0.5, 0.9))
    loader = DataLoader(TensorDataset(torch.from_numpy(x_train)), batch_size=session.batch_size,
                        shuffle=True, drop_last=len(x_train) >= session.batch_size)
    batches = _endless(loader)

    quality_now = {}
    for epoch in range(1, session.epochs + 1):
        sums, count = {}, 0
        for batch, (x,) in enumerate(session.progress(loader, epoch, total=len(loader))):
            z = torch.randn(x.shape[0], NOISE, 1, 1)
            if variant == "dcgan":
                numbers = dcgan_step(G, D, opt_g, opt_d, x, z)
            else:
                numbers = wgan_gp_step(G, D, opt_g, opt_d, x, z, batches)
            session.check_loss(numbers["loss_d"] + numbers["loss_g"], epoch, batch)
            sums = {k: sums.get(k, 0.0) + v for k, v in numbers.items()}
            count += 1
        quality_now = quality(judge, generate(G, eval_z), reference)
        save_grid(generate(G, fixed), session.path(f"samples_epoch{epoch}.png"),
                  title=f"{session.name} epoch {epoch}")
        session.end_epoch(epoch, {**{k: v / count for k, v in sums.items()}, **quality_now},
                          save=lambda path: torch.save(G.state_dict(), path),
                          filename="generator.safetensors")

    from shenjing.plots import plot_curves
    losses = ("loss_d", "loss_g") + (("gp", "wasserstein") if variant == "wgan-gp" else ())
    plot_curves({"losses": {k: session.series(k) for k in losses},
                 "share classified with p > 0.9": {"generated": session.series("confident_share")},
                 "Frechet distance (classifier features)": {
                     "generated": session.series("frechet_distance"),
                     "real vs real": [frechet_real] * len(session.history)}},
                session.path("history.png"), title=session.name)
    return {**quality_now, "frechet_real": frechet_real, "real_confident_share": real_confident,
            "judge_accuracy": judge_accuracy, "images": len(x_train)}


def train(session):
    """The DCGAN run of ``shenjing run dcgan`` on MNIST (see ``run``)."""
    return run(session, "dcgan")


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("dcgan", train))
