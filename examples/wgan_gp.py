"""WGAN-GP on MNIST, written with the PyTorch face: the DCGAN of ``examples/dcgan.py`` with
its discriminator turned into a critic (no batch norm, no sigmoid) trained on the
Wasserstein loss with a gradient penalty.

    python examples/wgan_gp.py [--epochs E --batch-size B --data DIR --out DIR --limit N]
    shenjing run wgan_gp

L_critic = E f(G(z)) - E f(x) + 10 E (||grad f(x_hat)||_2 - 1)^2 at x_hat = eps x + (1 - eps)
G(z), five critic steps per generator step, L_G = -E f(G(z)); the penalty's gradient is a
second derivative (``autograd.grad(..., create_graph=True)``).  The networks, the judge of
the samples and the quality numbers are those of ``dcgan.py`` (see its docstring).

At the defaults (all 60,000 images, batch 64, 2 epochs: 1,874 generator and 9,370 critic
steps, 235-260 s of CPU on one core) the judge calls 56% of the samples with p > 0.9,
all 10 digits take 5% or more (entropy 0.99), Frechet distance 24 (real against real: 4.4).
"""

import importlib.util
import sys
from pathlib import Path


def _dcgan():
    """examples/dcgan.py, the script beside this one, as a module."""
    spec = importlib.util.spec_from_file_location("shenjing_example_dcgan",
                                                  Path(__file__).with_name("dcgan.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def train(session):
    """The WGAN-GP run on MNIST (``dcgan.run(session, "wgan-gp")``; pass "fashion-mnist" as
    its third argument for Fashion-MNIST)."""
    return _dcgan().run(session, "wgan-gp")


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("wgan_gp", train))
