"""nn.Module: registration, traversal, modes, hooks, state dicts, errors naming the layer."""

from collections import OrderedDict

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.body = nn.Sequential(nn.ReLU(), nn.Linear(8, 8), nn.BatchNorm1d(8))
        self.fc2 = nn.Linear(8, 3)
        self.scale = nn.Parameter(sj.ones(1))
        self.register_buffer("steps", sj.zeros(1))
        self.register_buffer("cache", sj.zeros(2), persistent=False)
        self.note = "plain attribute"

    def forward(self, x):
        return self.fc2(self.body(self.fc1(x))) * self.scale


def test_registration_and_traversal():
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "fc1.weight", "fc1.bias", "body.1.weight", "body.1.bias",
                     "body.2.weight", "body.2.bias", "fc2.weight", "fc2.bias"]
    assert len(list(net.parameters())) == 9
    assert [n for n, _ in net.named_buffers()] == [
        "steps", "cache", "body.2.running_mean", "body.2.running_var", "body.2.num_batches_tracked"]
    assert [n for n, _ in net.named_children()] == ["fc1", "body", "fc2"]
    assert len(list(net.modules())) == 7
    assert net.get_submodule("body.1") is net.body[1]
    assert net.get_parameter("body.1.weight") is net.body[1].weight
    assert net.note == "plain attribute"
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        net.missing


def test_shared_parameters_are_listed_once():
    a = nn.Linear(3, 3)
    seq = nn.Sequential(a, nn.ReLU(), a)
    assert len(list(seq.parameters())) == 2


def test_reassignment_moves_between_stores():
    net = Net()
    net.fc1 = None
    assert "fc1" in net._modules and net.fc1 is None
    net.scale = nn.Parameter(sj.zeros(1))
    assert net.scale.item() == 0
    del net.fc2
    assert "fc2" not in dict(net.named_children())


def test_assignment_before_init_explains():
    class Broken(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(2, 2)
    with pytest.raises(AttributeError, match="super"):
        Broken()


def test_train_eval_propagate():
    net = Net()
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_zero_grad_and_freezing():
    net = Net()
    net(sj.randn(5, 4)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(not np.any(p.grad.numpy()) for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.fc1.requires_grad_(False)
    net(sj.randn(5, 4)).sum().backward()
    assert net.fc1.weight.grad is None and net.fc2.weight.grad is not None


def test_apply_visits_children_first():
    order = []
    Net().apply(lambda m: order.append(type(m).__name__))
    assert order[-1] == "Net" and order[0] == "Linear"


def test_forward_hooks_can_replace_input_and_output():
    layer = nn.Linear(2, 2)
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: out + 1)
    out = layer(sj.ones(1, 2))
    np.testing.assert_allclose(out.numpy(), layer.bias.numpy()[None] + 1, rtol=1e-6)
    pre.remove()
    post.remove()
    assert np.allclose(layer(sj.zeros(1, 2)).numpy(), layer.bias.numpy())


def test_state_dict_round_trip_into_a_fresh_model():
    sj.manual_seed(0)
    a, b = Net(), Net()
    a(sj.randn(6, 4))                       # moves batch-norm statistics
    state = a.state_dict()
    assert "cache" not in state and "steps" in state
    assert list(state)[:3] == ["scale", "steps", "fc1.weight"]
    result = b.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    a.eval()
    b.eval()
    x = sj.randn(3, 4)
    assert np.array_equal(a(x).numpy(), b(x).numpy())
    weight = b.fc1.weight
    b.load_state_dict(Net().state_dict())
    assert b.fc1.weight is weight           # loaded in place: optimizers keep their references


def test_load_state_dict_lists_every_problem_and_changes_nothing():
    net = Net()
    before = net.fc1.weight.numpy().copy()
    state = Net().state_dict()
    del state["fc2.bias"]
    state["extra.weight"] = sj.zeros(1)
    state["fc1.weight"] = sj.zeros(5, 5)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(state)
    message = str(info.value)
    assert "fc2.bias" in message and "extra.weight" in message
    assert "fc1.weight: expected shape (8, 4), got (5, 5)" in message
    assert np.array_equal(net.fc1.weight.numpy(), before)
    del state["fc1.weight"]
    state["fc1.weight"] = sj.zeros(8, 4)
    result = net.load_state_dict(state, strict=False)
    assert result.missing_keys == ["fc2.bias"] and result.unexpected_keys == ["extra.weight"]


def test_wrong_input_names_the_layer_path():
    net = Net()
    with pytest.raises(ValueError, match=r"^fc1 \(Linear\):.*3 features.*expects 4"):
        net(sj.randn(2, 3))
    seq = nn.Sequential(OrderedDict(first=nn.Linear(4, 4), second=nn.Sequential(nn.Linear(5, 2))))
    with pytest.raises(ValueError, match=r"^second\.0 \(Linear\):"):
        seq(sj.randn(2, 4))
    with pytest.raises(TypeError, match=r"^fc1 \(Linear\): .*float64.*float32"):
        net(sj.randn(2, 4, dtype=sj.float64))
    emb = nn.Sequential(nn.Embedding(10, 3))
    with pytest.raises(TypeError, match=r"^0 \(Embedding\): .*integer"):
        emb(sj.randn(2, 3))
    with pytest.raises(IndexError, match=r"^0 \(Embedding\): .*\[0, 10\)"):
        emb(sj.tensor([[1, 12]]))


def test_repr_is_readable():
    text = repr(Net())
    assert "(fc1): Linear(in_features=4, out_features=8, bias=True)" in text
    assert "(body): Sequential(\n    (0): ReLU()" in text


def test_to_double_converts_floating_state_only():
    net = Net().to(sj.float64)
    assert net.fc1.weight.dtype == sj.float64
    assert net.body[2].num_batches_tracked.dtype == sj.int64
    assert net(sj.randn(2, 4, dtype=sj.float64)).dtype == sj.float64
    assert net.to("cpu") is net
    with pytest.raises(RuntimeError, match="CPU"):
        net.to("cuda")


def test_containers():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    layers.append(nn.ReLU())
    assert len(layers) == 4 and isinstance(layers[-1], nn.ReLU)
    assert len(list(layers.parameters())) == 6
    d = nn.ModuleDict({"a": nn.Linear(2, 3)})
    d["b"] = nn.Tanh()
    assert list(d.keys()) == ["a", "b"] and "a" in d
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq[:2]) == 2 and seq[-1].out_features == 1
    params = nn.ParameterList([sj.ones(2), sj.zeros(3)])
    assert [p.shape for p in params] == [(2,), (3,)]
    assert len(list(params.parameters())) == 2


def test_deepcopy_gives_independent_parameters():
    import copy
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.fc1.weight, nn.Parameter) and clone.fc1.weight.requires_grad
    assert clone.fc1.weight is not net.fc1.weight
    np.testing.assert_array_equal(clone.fc1.weight.numpy(), net.fc1.weight.numpy())
    with sj.no_grad():
        clone.fc1.weight.add_(1)
    assert not np.array_equal(clone.fc1.weight.numpy(), net.fc1.weight.numpy())
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in net.named_parameters()]


def test_error_path_goes_through_containers_the_module_does_not_call():
    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(4, 4), nn.Linear(5, 4)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x
    with pytest.raises(ValueError, match=r"^layers\.1 \(Linear\):"):
        Stack()(sj.randn(2, 4))
