"""shenjing.load gives back nn.Parameters where shenjing.save saved Parameters (the kind is
recorded in the safetensors JSON metadata, nothing is pickled), with requires_grad kept,
as torch.save / torch.load do."""

import io
import json

import numpy as np
import pytest

import shenjing as sj
from shenjing import nn

safetensors = pytest.importorskip("safetensors")


def objects():
    rng = np.random.default_rng(0)
    p = nn.Parameter(sj.tensor(rng.standard_normal((2, 3)).astype("float32")))
    frozen = nn.Parameter(sj.tensor(rng.standard_normal(4)), requires_grad=False)
    t = sj.tensor(rng.standard_normal(3), requires_grad=True)
    plain = sj.tensor(np.arange(5))
    return {"p": p, "frozen": frozen, "t": t, "plain": plain, "nested": [p, (frozen, 7)]}


def kinds(obj):
    return {k: (type(v).__name__, v.requires_grad) for k, v in obj.items()
            if k != "nested"}


@pytest.mark.parametrize("via", ["path", "file object"])
def test_parameters_come_back_as_parameters(tmp_path, via):
    saved = objects()
    if via == "path":
        path = tmp_path / "params.safetensors"
        sj.save(saved, path)
        loaded = sj.load(path)
    else:
        buf = io.BytesIO()
        sj.save(saved, buf)
        buf.seek(0)
        loaded = sj.load(buf)
    assert kinds(loaded) == {"p": ("Parameter", True), "frozen": ("Parameter", False),
                             "t": ("Tensor", True), "plain": ("Tensor", False)}
    for k in ("p", "frozen", "t", "plain"):
        assert loaded[k].dtype == saved[k].dtype
        np.testing.assert_array_equal(loaded[k].numpy(), saved[k].numpy())
    assert loaded["nested"][0] is loaded["p"]          # one Parameter saved once, shared
    assert loaded["nested"][1][0] is loaded["frozen"] and loaded["nested"][1][1] == 7
    assert loaded["p"].is_leaf and loaded["p"].grad is None


def test_kinds_match_torch_save_and_load(tmp_path):
    torch = pytest.importorskip("torch")
    ours = objects()
    theirs = {k: (torch.nn.Parameter(torch.tensor(v.numpy()), requires_grad=v.requires_grad)
                  if isinstance(v, nn.Parameter) else
                  torch.tensor(v.numpy()).requires_grad_(v.requires_grad))
              for k, v in ours.items() if k != "nested"}
    torch.save(theirs, tmp_path / "t.pt")
    back = torch.load(tmp_path / "t.pt", weights_only=True)
    sj.save(ours, tmp_path / "s.safetensors")
    mine = sj.load(tmp_path / "s.safetensors")
    expected = {k: ("Parameter" if isinstance(v, torch.nn.Parameter) else "Tensor",
                    v.requires_grad) for k, v in back.items()}
    assert kinds(mine) == expected


def test_the_kind_is_json_metadata_not_a_pickle(tmp_path):
    path = tmp_path / "m.safetensors"
    sj.save({"w": nn.Parameter(sj.zeros(2))}, path)
    with safetensors.safe_open(str(path), framework="np") as f:
        meta = json.loads(f.metadata()["shenjing"])
        assert list(f.keys()) == ["w"]
    assert meta["root"] == {"w": {"$tensor": "w", "requires_grad": True, "kind": "parameter"}}


def test_unknown_kind_is_refused(tmp_path):
    import safetensors.numpy
    path = tmp_path / "odd.safetensors"
    root = {"w": {"$tensor": "w", "kind": "os.system"}}
    safetensors.numpy.save_file({"w": np.zeros(2, np.float32)}, str(path),
                                metadata={"shenjing": json.dumps({"version": 1, "root": root})})
    with pytest.raises(ValueError, match="unknown tensor kind 'os.system' for 'w'"):
        sj.load(path)


def test_loaded_parameters_train_and_load_into_a_module(tmp_path):
    sj.manual_seed(0)
    model = nn.Linear(3, 2)
    sj.save(dict(model.named_parameters()), tmp_path / "p.safetensors")
    params = sj.load(tmp_path / "p.safetensors")
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params.values())
    clone = nn.Linear(3, 2)
    clone.load_state_dict(params)
    np.testing.assert_array_equal(clone.weight.numpy(), model.weight.numpy())
    weight = params["weight"]
    before = weight.numpy().copy()
    opt = sj.optim.SGD([weight], lr=0.1)
    (sj.ones(4, 3) @ weight.t()).sum().backward()
    opt.step()
    np.testing.assert_allclose(weight.numpy(), before - 0.4, rtol=1e-6)


def test_register_tensor_kind_checks_its_argument():
    from shenjing.io.tree import register_tensor_kind
    with pytest.raises(TypeError, match="register_tensor_kind: cls should be a Tensor subclass"):
        register_tensor_kind("bad", dict)
