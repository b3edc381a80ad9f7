"""The ``resnet_az`` workload: AlphaZero's policy-value ResNet on a 9x9 board.

4x9x9 board planes -> Conv 3x3 64 + BN + ReLU -> 4 residual blocks (conv3x3-BN-ReLU-
conv3x3-BN + skip, ReLU) -> policy head (1x1 conv 2 + BN + ReLU -> Linear 81,
cross-entropy) and value head (1x1 conv 1 + BN + ReLU -> Linear 64 -> ReLU -> Linear 1 ->
tanh, MSE); loss = their sum; Adam (lr 1e-3), batch 128 (../shared/BENCHMARKS.md).  Also
inference latency at batch 1 and 16: eval mode, no graph (``build_inference``); and the
same weights through ``shenjing.zero.inference.FoldedNet`` (batch norm folded into the
convs, NumPy arrays only: what the search runs), beside PyTorch eager (``build_folded``).

    python -m benchmarks run --only resnet_az
"""

import numpy

from .common import load_same_weights

NAME = "resnet_az"
TITLE = "resnet_az: AlphaZero policy-value ResNet 9x9, train step"
BATCH, PLANES, BOARD, CHANNELS, BLOCKS = 128, 4, 9, 64, 4
TINY = {"batch": 2}
INFERENCE_BATCHES = (1, 16)


def flops_per_step(batch=BATCH, train=True):
    """2 flops per multiply-add of the convs and linears; x 3 for a training step."""
    cells = BOARD * BOARD
    conv3 = cells * CHANNELS * 9                                    # per output channel
    trunk = PLANES * 9 * cells * CHANNELS + 2 * BLOCKS * conv3 * CHANNELS
    heads = (cells * CHANNELS * 2 + 2 * cells * cells) + (cells * CHANNELS + cells * 64 + 64)
    forward = 2 * batch * (trunk + heads)
    return 3 * forward if train else forward


def build_model(lib, planes=PLANES, rows=BOARD, cols=BOARD, actions=BOARD * BOARD,
                channels=CHANNELS, blocks=BLOCKS, value_hidden=64):
    """The policy-value ResNet in ``lib`` (shenjing or torch); the defaults are the plan's
    9x9 workload.  Its state dict lines up with ``shenjing.zero.network.PolicyValueNet``."""
    nn = lib.nn

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            y = lib.relu(self.bn1(self.conv1(x)))
            return lib.relu(x + self.bn2(self.conv2(y)))

    class PolicyValueNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(planes, channels, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(channels), nn.ReLU())
            self.blocks = nn.Sequential(*[Block() for _ in range(blocks)])
            cells = rows * cols
            self.policy = nn.Sequential(nn.Conv2d(channels, 2, 1, bias=False),
                                        nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(),
                                        nn.Linear(2 * cells, actions))
            self.value = nn.Sequential(nn.Conv2d(channels, 1, 1, bias=False),
                                       nn.BatchNorm2d(1), nn.ReLU(), nn.Flatten(),
                                       nn.Linear(cells, value_hidden), nn.ReLU(),
                                       nn.Linear(value_hidden, 1), nn.Tanh())

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.policy(x), self.value(x).squeeze(1)

    return PolicyValueNet()


def build(lib, batch=BATCH, seed=0):
    """(model, loss_fn, inputs, target) made with ``lib`` from the same NumPy arrays; the
    target is the pair (move index, game outcome in [-1, 1])."""
    nn = lib.nn
    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    model = load_same_weights(lib, build_model(lib), rng)
    x = lib.tensor((rng.random((batch, PLANES, BOARD, BOARD)) < 0.3).astype(numpy.float32))
    moves = lib.tensor(rng.integers(0, BOARD * BOARD, batch))
    outcomes = lib.tensor(rng.choice([-1.0, 0.0, 1.0], batch).astype(numpy.float32))
    cross_entropy, mse = nn.CrossEntropyLoss(), nn.MSELoss()

    def loss_fn(output, target):
        (policy, value), (move, outcome) = output, target
        return cross_entropy(policy, move) + mse(value, outcome)

    return model, loss_fn, x, (moves, outcomes)


def build_inference(lib, batch, seed=0):
    """(model in eval mode, inputs) for the inference-latency rows."""
    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    model = load_same_weights(lib, build_model(lib), rng)
    model.eval()
    x = lib.tensor((rng.random((batch, PLANES, BOARD, BOARD)) < 0.3).astype(numpy.float32))
    return model, x


def build_folded(batch, seed=0):
    """(FoldedNet, planes as a NumPy array) for the folded inference rows: shenjing's
    eval-mode model of ``build_inference`` (the same weights and input) with its batch
    norms folded into the convolutions."""
    import shenjing
    from shenjing.zero.inference import FoldedNet
    model, x = build_inference(shenjing, batch, seed)
    return FoldedNet.from_module(model), x.numpy()
