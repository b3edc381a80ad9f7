"""shenjing.save / shenjing.load: round trips, atomic writes, bad files, foreign safetensors."""

import collections
import io
import math
import os

import numpy as np
import pytest

import shenjing as sj
from shenjing.io import atomic_open, checkpoint

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def assert_same(a, b, where="obj"):
    """Same structure, container types, key order, dtypes and values (NaN equal to NaN)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} != {type(b).__name__}"
    if isinstance(a, sj.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.numpy(), b.numpy(), err_msg=where)
    elif isinstance(a, (np.ndarray, np.generic)):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert list(a) == list(b), f"{where}: keys {list(a)} != {list(b)}"
        for k in a:
            assert type(k) is type([kb for kb in b if kb == k][0]), f"{where}: key {k!r}"
            assert_same(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def round_trip(obj, tmp_path):
    path = tmp_path / "obj.safetensors"
    sj.save(obj, path)
    loaded = sj.load(path)
    assert_same(obj, loaded)
    buf = io.BytesIO()
    sj.save(obj, buf)
    buf.seek(0)
    assert_same(obj, sj.load(buf))
    return loaded


def optimizer_like():
    sj.manual_seed(0)
    return {
        "state": {
            0: {"step": 3, "exp_avg": sj.randn(4, 3), "exp_avg_sq": sj.rand(4, 3)},
            1: {"step": sj.tensor(3.0), "exp_avg": sj.randn(3), "exp_avg_sq": sj.rand(3)},
        },
        "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-8, "weight_decay": 0,
                          "amsgrad": False, "foreach": None, "params": [0, 1]}],
    }


def test_optimizer_state_dict_round_trip(tmp_path):
    loaded = round_trip(optimizer_like(), tmp_path)
    assert list(loaded["state"]) == [0, 1]                   # int keys stay ints
    assert loaded["param_groups"][0]["betas"] == (0.9, 0.999)  # tuples stay tuples
    assert loaded["state"][1]["step"].shape == ()             # 0-d tensor
    assert loaded["state"][0]["exp_avg"].dtype == sj.float32


def test_dtypes_and_zero_dim_tensors(tmp_path):
    obj = {str(d): sj.tensor(np.arange(6).reshape(2, 3).astype(d))
           for d in ["float32", "float64", "float16", "int64", "int32", "int16", "int8",
                     "uint8", "bool"]}
    obj["scalar_f32"] = sj.tensor(2.5)
    obj["scalar_i64"] = sj.tensor(7)
    obj["scalar_bool"] = sj.tensor(True)
    obj["empty"] = sj.zeros(0, 5)
    obj["transposed"] = sj.tensor(np.arange(12.0).reshape(3, 4).T)  # not C-contiguous
    loaded = round_trip(obj, tmp_path)
    for key, t in obj.items():
        assert loaded[key].dtype == t.dtype and isinstance(loaded[key], sj.Tensor)


def test_python_values_keep_their_types(tmp_path):
    obj = {"int": 1, "float": 1.0, "bool": True, "none": None, "str": "héllo", "big": 2 ** 80,
           "nan": float("nan"), "inf": float("inf"), "-inf": -math.inf, "neg": -0.5,
           "list": [1, [2, (3, "x")], []], "tuple": (), "empty": {},
           "$dollar": {"$tensor": "not a tensor"},  # keys that look like the format's tags
           "mixed": {1: "a", "b": 2, 2.5: None, None: 0, False: 1},
           "ordered": collections.OrderedDict([("z", 1), ("a", sj.ones(2))])}
    loaded = round_trip(obj, tmp_path)
    assert type(loaded["ordered"]) is collections.OrderedDict


def test_numpy_values_stay_numpy(tmp_path):
    obj = {"array": np.arange(5, dtype=np.int16), "scalar": np.float64(2.5),
           "i32": np.int32(-3), "flag": np.bool_(True), "matrix": np.eye(3, dtype=np.float32)}
    loaded = round_trip(obj, tmp_path)
    assert type(loaded["array"]) is np.ndarray and type(loaded["scalar"]) is np.float64


def test_bare_objects(tmp_path):
    round_trip(sj.randn(3, 2), tmp_path)
    round_trip([sj.ones(2), sj.zeros(3)], tmp_path)
    round_trip({}, tmp_path)
    round_trip(42, tmp_path)


def test_shared_tensor_stays_shared_and_requires_grad_is_kept(tmp_path):
    w = sj.randn(3, 3)
    p = sj.randn(2).requires_grad_()
    loaded = round_trip({"encoder": w, "decoder": w, "p": p}, tmp_path)
    assert loaded["encoder"] is loaded["decoder"]
    assert loaded["p"].requires_grad and loaded["p"].is_leaf


def test_big_state_dict_keeps_order_and_names(tmp_path):
    sj.manual_seed(1)
    state = collections.OrderedDict()
    for i in range(60):
        state[f"layers.{i}.weight"] = sj.randn(256, 128)
        state[f"layers.{i}.bias"] = sj.zeros(256)
        state[f"layers.{i}.num_batches_tracked"] = sj.tensor(i)
    path = tmp_path / "model.safetensors"
    sj.save(state, path)
    loaded = sj.load(path)
    assert_same(state, loaded)
    # the file is plain safetensors, under the state dict's own names
    plain = safetensors_numpy.load_file(str(path))
    assert set(plain) == set(state)
    np.testing.assert_array_equal(plain["layers.7.weight"], state["layers.7.weight"].numpy())


def test_colliding_paths_get_distinct_keys(tmp_path):
    obj = {"a.b": sj.ones(1), "a": {"b": sj.zeros(1)}, "__metadata__": sj.full((1,), 2.0)}
    round_trip(obj, tmp_path)


def test_loaded_tensors_are_writable(tmp_path):
    path = tmp_path / "w.safetensors"
    sj.save({"w": sj.ones(3)}, path)
    w = sj.load(path)["w"]
    w.numpy()[0] = 5.0
    assert w.tolist() == [5.0, 1.0, 1.0]
    assert sj.load(path)["w"].tolist() == [1.0, 1.0, 1.0]


def test_torch_keywords_are_accepted(tmp_path):
    path = tmp_path / "k.safetensors"
    sj.save({"x": sj.ones(2)}, path, pickle_protocol=2)
    out = sj.load(path, map_location="cpu", weights_only=True)
    assert out["x"].tolist() == [1.0, 1.0]
    assert sj.load(str(path), map_location=lambda s, loc: s, weights_only=False)["x"].shape == (2,)


# ------------------------------------------------------------------ what cannot be saved

class Model:
    pass


@pytest.mark.parametrize("bad, where", [
    ({"model": Model()}, "obj['model']"),
    ({"fn": [1, lambda x: x]}, "obj['fn'][1]"),
    (Model(), "obj"),
    ({"s": {1, 2}}, "obj['s']"),
    ({"b": b"bytes"}, "obj['b']"),
])
def test_unsupported_objects_name_their_path(bad, where, tmp_path):
    with pytest.raises(TypeError) as e:
        sj.save(bad, tmp_path / "bad.safetensors")
    assert where in str(e.value) and "state_dict()" in str(e.value)
    assert os.listdir(tmp_path) == []


def test_bad_keys_and_dtypes_are_refused(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['d'\]"):
        sj.save({"d": {(1, 2): 3}}, tmp_path / "k.safetensors")
    with pytest.raises(TypeError, match=r"obj\['z'\].*complex"):
        sj.save({"z": np.zeros(2, np.complex128)}, tmp_path / "z.safetensors")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        sj.save(loop, tmp_path / "loop.safetensors")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ atomic writes

class FailsOnSecondTensor(collections.abc.Mapping):
    """A mapping whose second tensor cannot be read: the save fails half way through."""

    def __init__(self):
        self.keys_ = ["first", "second", "third"]

    def __getitem__(self, key):
        if key == "second":
            raise RuntimeError("disk on fire")
        return sj.ones(1000)

    def __iter__(self):
        return iter(self.keys_)

    def __len__(self):
        return 3


def _existing(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    sj.save({"epoch": 1, "w": sj.arange(10)}, path)
    os.chmod(path, 0o640)
    return path, path.read_bytes()


def test_failure_while_reading_the_object_leaves_the_old_file(tmp_path):
    path, before = _existing(tmp_path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        sj.save({"model": FailsOnSecondTensor()}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]
    assert sj.load(path)["epoch"] == 1


def test_failure_while_writing_leaves_the_old_file(tmp_path, monkeypatch):
    path, before = _existing(tmp_path)

    def half_write(tensors, filename, metadata=None):
        with open(filename, "wb") as f:
            f.write(b"\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":")  # half a file, then a crash
        raise OSError("no space left on device")

    monkeypatch.setattr(safetensors_numpy, "save_file", half_write)
    with pytest.raises(OSError, match="no space"):
        sj.save({"epoch": 2, "w": sj.zeros(10)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_failure_at_fsync_leaves_the_old_file(tmp_path, monkeypatch):
    path, before = _existing(tmp_path)

    def boom(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError, match="I/O error"):
        sj.save({"epoch": 2}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == [path.name]


def test_overwrite_replaces_the_file_and_keeps_its_mode(tmp_path):
    path, _ = _existing(tmp_path)
    sj.save({"epoch": 2}, path)
    assert sj.load(path) == {"epoch": 2}
    assert (os.stat(path).st_mode & 0o777) == 0o640
    assert os.listdir(tmp_path) == [path.name]


def test_new_file_gets_the_umask_default_mode(tmp_path):
    path = tmp_path / "new.safetensors"
    sj.save({"x": sj.ones(1)}, path)
    umask = os.umask(0)
    os.umask(umask)
    assert (os.stat(path).st_mode & 0o777) == (0o666 & ~umask)


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sj.save({"x": 1}, tmp_path / "nope" / "f.safetensors")


def test_atomic_open_writes_whole_files_only(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_open(path, "w") as f:
            f.write("new, but")
            raise RuntimeError("crash")
    assert path.read_text() == "old" and os.listdir(tmp_path) == ["notes.txt"]
    with atomic_open(path, "w") as f:
        f.write("new")
    assert path.read_text() == "new"


# ------------------------------------------------------------------ bad files

def test_truncated_file_is_a_clear_error(tmp_path):
    path = tmp_path / "t.safetensors"
    sj.save({"w": sj.randn(100, 10)}, path)
    data = path.read_bytes()
    for cut in [len(data) - 1, len(data) // 2, 50, 5]:
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="truncated") as e:
            sj.load(path)
        assert str(path) in str(e.value)


def test_empty_and_garbage_files_are_clear_errors(tmp_path):
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty"):
        sj.load(empty)
    garbage = tmp_path / "garbage.bin"
    garbage.write_bytes(os.urandom(1000))
    with pytest.raises(ValueError, match="garbage.bin"):
        sj.load(garbage)
    text = tmp_path / "notes.txt"
    text.write_bytes(b"\x05\x00\x00\x00\x00\x00\x00\x00hello, world")
    with pytest.raises(ValueError, match="not JSON"):
        sj.load(text)
    pickled = tmp_path / "pickled.pt"
    pickled.write_bytes(b"\x80\x04\x95" + b"\x00" * 40)  # what pickle.dumps writes
    with pytest.raises(ValueError, match="never unpickles"):
        sj.load(pickled)
    with pytest.raises(ValueError, match="file object"):
        sj.load(io.BytesIO(b"\x00" * 3))


def test_header_length_with_a_pickle_like_first_byte_still_loads(tmp_path):
    # a header of 128 + 256k bytes starts with 0x80, as a pickle does: it must still load
    path = tmp_path / "h.safetensors"
    for pad in range(300):
        safetensors_numpy.save_file({"a": np.ones(2, np.float32)}, str(path),
                                    metadata={"pad": "x" * pad})
        if path.read_bytes()[0] == 0x80:
            break
    assert path.read_bytes()[0] == 0x80
    assert sj.load(path)["a"].tolist() == [1.0, 1.0]
    sj.save({"pad": "x" * pad, "a": sj.ones(2)}, path)
    assert sj.load(path)["a"].tolist() == [1.0, 1.0]


def test_corrupt_shenjing_metadata(tmp_path):
    path = tmp_path / "c.safetensors"
    safetensors_numpy.save_file({"a": np.zeros(2, np.float32)}, str(path),
                                metadata={"shenjing": '{"version": 1, "root": {"$tensor": "b"}}'})
    with pytest.raises(ValueError, match="'b'"):
        sj.load(path)
    safetensors_numpy.save_file({}, str(path), metadata={"shenjing": '{"version": 99, "root": 1}'})
    with pytest.raises(ValueError, match="newer"):
        sj.load(path)
    safetensors_numpy.save_file({}, str(path), metadata={"shenjing": "{not json"})
    with pytest.raises(ValueError, match="corrupt"):
        sj.load(path)
    safetensors_numpy.save_file({}, str(path), metadata={
        "shenjing": '{"version": 1, "root": {"$dict": [[{"$float": "x"}, 1]]}}'})
    with pytest.raises(ValueError, match="bad dict key"):
        sj.load(path)


# ------------------------------------------------------------------ files from elsewhere

def test_foreign_numpy_safetensors_file_loads_as_flat_dict(tmp_path):
    path = tmp_path / "foreign.safetensors"
    arrays = {"embed.weight": np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32),
              "ids": np.arange(4, dtype=np.int32), "mask": np.array([True, False])}
    safetensors_numpy.save_file(arrays, str(path))
    loaded = sj.load(path)
    assert sorted(loaded) == sorted(arrays)
    for key, a in arrays.items():
        assert isinstance(loaded[key], sj.Tensor) and loaded[key].dtype == a.dtype
        np.testing.assert_array_equal(loaded[key].numpy(), a)
    assert sorted(sj.load(io.BytesIO(path.read_bytes()))) == sorted(arrays)


def test_torch_safetensors_file_loads_with_the_same_values(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    gen = torch.Generator().manual_seed(0)
    tensors = {"fc.weight": torch.randn(4, 3, generator=gen), "fc.bias": torch.zeros(4),
               "steps": torch.tensor(12), "flags": torch.tensor([True, False]),
               "half": torch.randn(3, generator=gen).half(),
               "bf16": torch.randn(5, generator=gen).bfloat16()}
    path = tmp_path / "torch.safetensors"
    safetensors_torch.save_file(tensors, str(path), metadata={"format": "pt"})
    for loaded in (sj.load(path), sj.load(io.BytesIO(path.read_bytes()))):
        assert sorted(loaded) == sorted(tensors)
        for key, t in tensors.items():
            expected = t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()
            assert loaded[key].dtype == expected.dtype, key
            np.testing.assert_array_equal(loaded[key].numpy(), expected)


def test_shenjing_file_loads_in_torch(tmp_path):
    torch = pytest.importorskip("torch")
    safetensors_torch = pytest.importorskip("safetensors.torch")
    state = {"fc.weight": sj.randn(4, 3), "fc.bias": sj.zeros(4)}
    path = tmp_path / "to_torch.safetensors"
    sj.save(state, path)
    theirs = safetensors_torch.load_file(str(path))
    for key, t in state.items():
        assert torch.equal(theirs[key], torch.from_numpy(t.numpy().copy()))


def test_torch_save_file_is_refused_without_unpickling(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(ValueError, match="zip archive.*never unpickles"):
        sj.load(path)


def test_module_layout():
    assert sj.save is checkpoint.save and sj.load is checkpoint.load
