"""AlphaZero's policy-value network and its loss.

    planes (N, C, H, W) -> stem: conv 3x3 (F filters, no bias) + BN + ReLU
                        -> ``blocks`` x residual block: relu(x + BN(conv(relu(BN(conv(x))))))
                        -> policy head: conv 1x1 (2) + BN + ReLU -> flatten -> Linear(2HW, A)
                           value head:  conv 1x1 (1) + BN + ReLU -> flatten -> Linear(HW, 64)
                                        -> ReLU -> Linear(64, 1) -> tanh

The submodules are named as in benchmarks/resnet_az.py (``stem``, ``blocks``, ``policy``,
``value``), so state dicts of the two line up.  For search, ``zero.inference.FoldedNet``
runs the same network on NumPy arrays with BN folded into the convolutions.
"""

from .. import as_tensor, nn, relu, zeros
from ..nn import functional as F


class ResidualBlock(nn.Module):
    """(N, F, H, W) -> (N, F, H, W): y = relu(x + bn2(conv2(relu(bn1(conv1(x))))))."""

    def __init__(self, filters):
        super().__init__()
        self.conv1 = nn.Conv2d(filters, filters, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(filters)
        self.conv2 = nn.Conv2d(filters, filters, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(filters)

    def forward(self, x):
        y = relu(self.bn1(self.conv1(x)))
        return relu(x + self.bn2(self.conv2(y)))


class PolicyValueNet(nn.Module):
    """The AlphaZero residual network: (N, planes, rows, cols) -> (policy logits (N, actions),
    value (N,) in [-1, 1], from the view of the player to move).

    >>> net = PolicyValueNet.for_game(make_game("tictactoe"), blocks=2, filters=32)
    >>> logits, value = net(shenjing.tensor(state.planes()[None]))
    """

    def __init__(self, planes, rows, cols, actions, blocks=4, filters=64, value_hidden=64):
        super().__init__()
        self.planes, self.rows, self.cols, self.actions = planes, rows, cols, actions
        self.num_blocks, self.filters, self.value_hidden = blocks, filters, value_hidden
        cells = rows * cols
        self.stem = nn.Sequential(nn.Conv2d(planes, filters, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(filters), nn.ReLU())
        self.blocks = nn.Sequential(*[ResidualBlock(filters) for _ in range(blocks)])
        self.policy = nn.Sequential(nn.Conv2d(filters, 2, 1, bias=False), nn.BatchNorm2d(2),
                                    nn.ReLU(), nn.Flatten(), nn.Linear(2 * cells, actions))
        self.value = nn.Sequential(nn.Conv2d(filters, 1, 1, bias=False), nn.BatchNorm2d(1),
                                   nn.ReLU(), nn.Flatten(), nn.Linear(cells, value_hidden),
                                   nn.ReLU(), nn.Linear(value_hidden, 1), nn.Tanh())

    @classmethod
    def for_game(cls, game, blocks=4, filters=64, value_hidden=64):
        """The network sized for ``game``: its planes, board and number of moves."""
        return cls(game.num_planes, game.rows, game.cols, game.action_size, blocks=blocks,
                   filters=filters, value_hidden=value_hidden)

    def config(self):
        """The constructor's arguments as a JSON-able dict: ``PolicyValueNet(**config)``."""
        return {"planes": self.planes, "rows": self.rows, "cols": self.cols,
                "actions": self.actions, "blocks": self.num_blocks, "filters": self.filters,
                "value_hidden": self.value_hidden}

    def forward(self, x):
        """(N, planes, rows, cols) -> (logits (N, actions), value (N,))."""
        x = self.blocks(self.stem(x))
        return self.policy(x), self.value(x).squeeze(1)

    def extra_repr(self):
        return ", ".join(f"{k}={v}" for k, v in self.config().items())


def decay_parameters(model):
    """The weights L2 regularisation applies to: every conv and linear weight (not the
    biases, not batch norm's gamma and beta)."""
    return [m.weight for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]


def alphazero_loss(policy_logits, value, target_policy, target_value, model=None, l2=0.0):
    """AlphaZero's loss on a batch of N positions: ``(total, {"policy": ., "value": .,
    "l2": .})``, scalar tensors, total = policy + value + l2:

        l = mean_n( -sum_a pi[n, a] log softmax(p[n])[a] ) + mean_n( (z[n] - v[n])^2 )
            + l2 * sum_{w in conv and linear weights} sum(w^2)

    policy_logits p (N, A), value v (N,), target_policy pi (N, A) (search visit
    distributions, rows summing to 1), target_value z (N,) (game outcomes in [-1, 1]);
    targets may be tensors or arrays.  The L2 term needs ``model`` when ``l2`` > 0.
    """
    pi = as_tensor(target_policy, dtype=policy_logits.dtype)
    z = as_tensor(target_value, dtype=value.dtype)
    policy_loss = -(pi * F.log_softmax(policy_logits, dim=1)).sum(dim=1).mean()
    diff = z - value
    value_loss = (diff * diff).mean()
    total = policy_loss + value_loss
    if not l2:
        return total, {"policy": policy_loss, "value": value_loss,
                       "l2": zeros((), dtype=total.dtype)}
    if model is None:
        raise ValueError("alphazero_loss: l2 > 0 needs the model whose weights it decays")
    l2_loss = l2 * sum((w * w).sum() for w in decay_parameters(model))
    return total + l2_loss, {"policy": policy_loss, "value": value_loss, "l2": l2_loss}
