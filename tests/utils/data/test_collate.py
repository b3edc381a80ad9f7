"""default_collate / default_convert: structure and dtypes of batches, against torch's."""

import collections

import numpy as np
import pytest

import shenjing as sj
from shenjing.utils.data import default_collate, default_convert

Point = collections.namedtuple("Point", "x y")


def test_tensors_are_stacked():
    batch = default_collate([sj.ones(2, 3), sj.zeros(2, 3)])
    assert isinstance(batch, sj.Tensor) and batch.shape == (2, 2, 3)
    assert batch.numpy()[0].sum() == 6 and batch.numpy()[1].sum() == 0


def test_arrays_become_tensors_with_their_dtype():
    batch = default_collate([np.zeros(3, np.float64), np.ones(3, np.float64)])
    assert isinstance(batch, sj.Tensor) and batch.shape == (2, 3) and batch.dtype == sj.float64
    assert default_collate([np.uint8(3), np.uint8(4)]).dtype == sj.uint8


def test_python_numbers():
    floats = default_collate([1.5, 2.0])
    assert floats.dtype == sj.float32 and floats.tolist() == [1.5, 2.0]
    ints = default_collate([1, 2, 3])
    assert ints.dtype == sj.int64 and ints.tolist() == [1, 2, 3]
    assert default_collate([True, False]).dtype == sj.bool


def test_tuples_lists_dicts_strings():
    batch = default_collate([(sj.ones(2), 1, "a"), (sj.zeros(2), 0, "b")])
    assert isinstance(batch, list) and len(batch) == 3
    assert batch[0].shape == (2, 2) and batch[1].tolist() == [1, 0] and batch[2] == ["a", "b"]
    batch = default_collate([{"x": np.ones(3), "y": 1.0, "meta": {"id": 7}},
                             {"x": np.zeros(3), "y": 2.0, "meta": {"id": 8}}])
    assert list(batch) == ["x", "y", "meta"]
    assert batch["x"].shape == (2, 3) and batch["y"].dtype == sj.float32
    assert batch["meta"]["id"].tolist() == [7, 8]
    batch = default_collate([[1, 2.0], [3, 4.0]])
    assert isinstance(batch, list) and batch[0].tolist() == [1, 3] and batch[1].tolist() == [2, 4]
    point = default_collate([Point(1, sj.ones(2)), Point(2, sj.zeros(2))])
    assert isinstance(point, Point) and point.x.tolist() == [1, 2] and point.y.shape == (2, 2)
    ordered = default_collate([collections.OrderedDict(b=1, a=2)] * 2)
    assert type(ordered) is collections.OrderedDict and list(ordered) == ["b", "a"]


def test_errors():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(TypeError, match="found NoneType"):
        default_collate([None, None])


def test_default_convert():
    out = default_convert({"a": np.ones(2), "b": (np.zeros(1), "s"), "c": 3})
    assert isinstance(out["a"], sj.Tensor) and isinstance(out["b"], list)
    assert isinstance(out["b"][0], sj.Tensor) and out["b"][1] == "s" and out["c"] == 3


def test_grad_is_kept_when_stacking_tensors_that_require_it():
    w = sj.ones(3).requires_grad_()
    batch = default_collate([w * 2, w * 3])
    batch.sum().backward()
    assert w.grad.tolist() == [5.0, 5.0, 5.0]


# ------------------------------------------------------------------ against torch

def _describe(batch, torch=None):
    """Container types, shapes and dtype names of a batch, comparable across libraries."""
    if isinstance(batch, dict):
        return {k: _describe(v, torch) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)) and not all(isinstance(s, str) for s in batch):
        return type(batch).__name__, [_describe(v, torch) for v in batch]
    if isinstance(batch, (list, tuple)):
        return type(batch).__name__, list(batch)
    return tuple(batch.shape), str(batch.dtype).replace("torch.", "")


def test_matches_torch_default_collate():
    torch = pytest.importorskip("torch")
    from torch.utils.data import default_collate as torch_collate
    rng = np.random.default_rng(0)
    cases = [
        [(rng.standard_normal((3, 4)).astype(np.float32), 1) for _ in range(5)],
        [{"img": rng.random((2, 2)).astype(np.float32), "label": np.int64(3), "flag": True,
          "name": "x", "pair": [1, 2]} for _ in range(4)],
        [[np.arange(3), np.uint8(7)] for _ in range(2)],
        [(np.float32(1.0), (np.zeros(2, np.int32), np.ones((1, 1), np.float16))) for _ in range(3)],
    ]
    for samples in cases:
        ours = default_collate(samples)
        theirs = torch_collate(samples)
        assert _describe(ours) == _describe(theirs)
    # tensors: stacking sj tensors and torch tensors of the same values
    values = [rng.standard_normal((2, 3)).astype(np.float32) for _ in range(4)]
    ours = default_collate([(sj.tensor(v), i) for i, v in enumerate(values)])
    theirs = torch_collate([(torch.tensor(v), i) for i, v in enumerate(values)])
    assert _describe(ours) == _describe(theirs)
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    # one deliberate difference: Python floats collate to float32 here, float64 in torch
    assert default_collate([1.0, 2.0]).dtype == sj.float32
    assert torch_collate([1.0, 2.0]).dtype == torch.float64
