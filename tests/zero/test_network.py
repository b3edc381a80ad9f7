"""PolicyValueNet and alphazero_loss: shapes, parity with the same net in PyTorch (float64,
copied weights, forward and backward), the loss against a hand computation, and a few
Adam steps that lower it."""

import numpy
import pytest

import shenjing
from shenjing.zero.games import make_game
from shenjing.zero.network import PolicyValueNet, alphazero_loss, decay_parameters

BOARDS = [(3, 3, 3, 9), (2, 6, 7, 7), (4, 9, 9, 82)]      # planes, rows, cols, actions


def randomize_batch_norms(net, rng):
    """Non-trivial running statistics, gamma and beta in every batch norm."""
    for m in net.modules():
        if isinstance(m, shenjing.nn.BatchNorm2d):
            f = m.num_features
            m.running_mean.array[...] = rng.normal(0, 0.3, f)
            m.running_var.array[...] = rng.uniform(0.5, 2.0, f)
            m.weight.array[...] = rng.uniform(0.5, 1.5, f)
            m.bias.array[...] = rng.normal(0.1, 0.3, f)


def random_targets(rng, n, actions):
    pi = rng.random((n, actions))
    return pi / pi.sum(axis=1, keepdims=True), rng.uniform(-1, 1, n)


@pytest.mark.parametrize("planes, rows, cols, actions", BOARDS)
def test_output_shapes(planes, rows, cols, actions):
    shenjing.manual_seed(0)
    net = PolicyValueNet(planes, rows, cols, actions, blocks=1, filters=8)
    logits, value = net(shenjing.randn(5, planes, rows, cols))
    assert tuple(logits.shape) == (5, actions) and tuple(value.shape) == (5,)
    assert logits.dtype == value.dtype == shenjing.float32
    assert (numpy.abs(value.numpy()) <= 1).all()


def test_for_game_and_config():
    game = make_game("connect4")
    net = PolicyValueNet.for_game(game, blocks=2, filters=16)
    assert net.config() == {"planes": game.num_planes, "rows": game.rows, "cols": game.cols,
                            "actions": game.action_size, "blocks": 2, "filters": 16,
                            "value_hidden": 64}
    assert PolicyValueNet(**net.config()).state_dict().keys() == net.state_dict().keys()
    state = game.initial_state()
    logits, value = net.eval()(shenjing.tensor(state.planes()[None]))
    assert tuple(logits.shape) == (1, game.action_size)
    # conv and linear weights decay; biases and batch norm's gamma / beta do not
    assert len(decay_parameters(net)) == 1 + 2 * 2 + 2 + 3


def torch_twin(torch, config):
    """The same network written with torch.nn, float64, under the same parameter names."""
    nn, f = torch.nn, config["filters"]
    cells = config["rows"] * config["cols"]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1, self.bn1 = nn.Conv2d(f, f, 3, padding=1, bias=False), nn.BatchNorm2d(f)
            self.conv2, self.bn2 = nn.Conv2d(f, f, 3, padding=1, bias=False), nn.BatchNorm2d(f)

        def forward(self, x):
            return torch.relu(x + self.bn2(self.conv2(torch.relu(self.bn1(self.conv1(x))))))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(config["planes"], f, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(f), nn.ReLU())
            self.blocks = nn.Sequential(*[Block() for _ in range(config["blocks"])])
            self.policy = nn.Sequential(nn.Conv2d(f, 2, 1, bias=False), nn.BatchNorm2d(2),
                                        nn.ReLU(), nn.Flatten(),
                                        nn.Linear(2 * cells, config["actions"]))
            self.value = nn.Sequential(nn.Conv2d(f, 1, 1, bias=False), nn.BatchNorm2d(1),
                                       nn.ReLU(), nn.Flatten(),
                                       nn.Linear(cells, config["value_hidden"]), nn.ReLU(),
                                       nn.Linear(config["value_hidden"], 1), nn.Tanh())

        def forward(self, x):
            x = self.blocks(self.stem(x))
            return self.policy(x), self.value(x).squeeze(1)

    return Net().double()


@pytest.mark.parametrize("training", [True, False])
def test_forward_and_backward_match_pytorch(training):
    torch = pytest.importorskip("torch")
    rng = numpy.random.default_rng(1)
    shenjing.manual_seed(1)
    net = PolicyValueNet(3, 4, 5, 20, blocks=2, filters=8, value_hidden=16).double()
    randomize_batch_norms(net, rng)
    twin = torch_twin(torch, net.config())
    twin.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                          for k, v in net.state_dict().items()})
    net.train(training)
    twin.train(training)
    x = rng.normal(size=(6, 3, 4, 5))
    pi, z = random_targets(rng, 6, 20)
    xs = shenjing.tensor(x, requires_grad=True)
    xt = torch.tensor(x, requires_grad=True)
    logits, value = net(xs)
    loss, parts = alphazero_loss(logits, value, pi, z, model=net, l2=1e-3)
    tl, tv = twin(xt)
    t_policy = -(torch.from_numpy(pi) * torch.log_softmax(tl, dim=1)).sum(dim=1).mean()
    t_value = ((torch.from_numpy(z) - tv) ** 2).mean()
    t_l2 = 1e-3 * sum((m.weight ** 2).sum() for m in twin.modules()
                      if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)))
    (t_policy + t_value + t_l2).backward()
    loss.backward()
    numpy.testing.assert_allclose(logits.numpy(), tl.detach().numpy(), rtol=1e-10, atol=1e-12)
    numpy.testing.assert_allclose(value.numpy(), tv.detach().numpy(), rtol=1e-10, atol=1e-12)
    for mine, theirs in [(parts["policy"], t_policy), (parts["value"], t_value),
                         (parts["l2"], t_l2)]:
        assert mine.item() == pytest.approx(theirs.item(), rel=1e-10)
    numpy.testing.assert_allclose(xs.grad.numpy(), xt.grad.numpy(), rtol=1e-8, atol=1e-12)
    theirs = dict(twin.named_parameters())
    for name, p in net.named_parameters():
        numpy.testing.assert_allclose(p.grad.numpy(), theirs[name].grad.numpy(), rtol=1e-8,
                                      atol=1e-12, err_msg=name)
    if training:      # the running statistics moved the same way
        for name, b in twin.named_buffers():
            numpy.testing.assert_allclose(net.state_dict()[name].numpy(), b.numpy(),
                                          rtol=1e-10, err_msg=name)


def test_loss_matches_a_hand_computation():
    rng = numpy.random.default_rng(2)
    p, v = rng.normal(size=(4, 6)), numpy.tanh(rng.normal(size=4))
    pi, z = random_targets(rng, 4, 6)
    shenjing.manual_seed(2)
    net = PolicyValueNet(2, 2, 3, 6, blocks=1, filters=4).double()
    total, parts = alphazero_loss(shenjing.tensor(p), shenjing.tensor(v), pi, z,
                                  model=net, l2=0.01)
    log_softmax = p - p.max(axis=1, keepdims=True)
    log_softmax -= numpy.log(numpy.exp(log_softmax).sum(axis=1, keepdims=True))
    policy = -(pi * log_softmax).sum(axis=1).mean()
    value = ((z - v) ** 2).mean()
    weights = [net.stem[0].weight, net.blocks[0].conv1.weight, net.blocks[0].conv2.weight,
               net.policy[0].weight, net.policy[4].weight, net.value[0].weight,
               net.value[4].weight, net.value[6].weight]
    l2 = 0.01 * sum(float((w.numpy() ** 2).sum()) for w in weights)
    assert parts["policy"].item() == pytest.approx(policy, rel=1e-12)
    assert parts["value"].item() == pytest.approx(value, rel=1e-12)
    assert parts["l2"].item() == pytest.approx(l2, rel=1e-12)
    assert total.item() == pytest.approx(policy + value + l2, rel=1e-12)
    total0, parts0 = alphazero_loss(shenjing.tensor(p), shenjing.tensor(v), pi, z)
    assert parts0["l2"].item() == 0 and total0.item() == pytest.approx(policy + value)
    with pytest.raises(ValueError, match="model"):
        alphazero_loss(shenjing.tensor(p), shenjing.tensor(v), pi, z, l2=0.1)


def test_adam_steps_lower_the_loss():
    rng = numpy.random.default_rng(3)
    shenjing.manual_seed(3)
    net = PolicyValueNet(3, 3, 3, 9, blocks=1, filters=16)
    x = shenjing.tensor((rng.random((8, 3, 3, 3)) < 0.4).astype(numpy.float32))
    pi = numpy.eye(9)[rng.integers(0, 9, 8)]              # one-hot: the loss can reach 0
    z = rng.choice([-1.0, 1.0], 8)
    optimizer = shenjing.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss, _ = alphazero_loss(*net(x), pi, z, model=net, l2=1e-4)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
