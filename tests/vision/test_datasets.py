"""shenjing.vision.datasets: torchvision's MNIST / FashionMNIST / CIFAR10 on the real files
in ../shared/data, torchvision's folder layout, SHENJING_DATA, and the errors for missing
or corrupt files."""

import gzip
import shutil

import numpy as np
import pytest

import shenjing as sj
from shenjing.datasets.fetch import ChecksumError, DataFileError
from shenjing.datasets.idx import read_idx
from shenjing.vision import datasets, transforms
from tests.conftest import shared_data_dir

DATA = shared_data_dir()


@pytest.fixture
def no_local_data(monkeypatch, tmp_path):
    """No $SHENJING_DATA and an empty download cache."""
    monkeypatch.delenv("SHENJING_DATA", raising=False)
    monkeypatch.setenv("SHENJING_CACHE", str(tmp_path / "cache"))


def _need(folder):
    if not (DATA / folder).is_dir():
        pytest.skip(f"real {folder} not found at {DATA / folder}; set SHENJING_DATA")


def test_mnist_train_and_test_as_torchvision_gives_them():
    _need("mnist")
    train = datasets.MNIST(str(DATA), train=True)
    test = datasets.MNIST(DATA, train=False)
    assert len(train) == 60000 and len(test) == 10000
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.dtype == np.int64 and train.targets.shape == (60000,)
    assert train.targets[:5].tolist() == [5, 0, 4, 1, 9]
    expected = read_idx(DATA / "mnist" / "t10k-images-idx3-ubyte.gz")
    image, target = test[0]
    assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == (28, 28)
    np.testing.assert_array_equal(image, expected[0])
    assert type(target) is int and target == 7
    np.testing.assert_array_equal(test[-1][0], expected[-1])
    assert train.classes[3] == "3 - three" and train.class_to_idx["9 - nine"] == 9
    assert "Number of datapoints: 10000" in repr(test) and "Split: Test" in repr(test)


def test_transform_and_target_transform_are_applied():
    _need("mnist")
    ds = datasets.MNIST(DATA, train=False, transform=transforms.ToTensor(),
                        target_transform=lambda y: y + 100)
    image, target = ds[1]
    assert image.shape == (1, 28, 28) and image.dtype == np.float32
    np.testing.assert_allclose(image.numpy()[0], ds.data.numpy()[1] / np.float32(255))
    assert target == int(ds.targets[1]) + 100


def test_fashion_mnist_classes_and_labels():
    _need("fashion-mnist")
    ds = datasets.FashionMNIST(DATA, train=False)
    assert len(ds) == 10000 and ds.classes[9] == "Ankle boot" and len(ds.classes) == 10
    assert np.bincount(ds.targets.numpy()).tolist() == [1000] * 10
    labels = read_idx(DATA / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz")
    assert [ds[i][1] for i in range(5)] == labels[:5].tolist()


def test_torchvision_layout_gz_and_decompressed_files(tmp_path, no_local_data):
    _need("mnist")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    shutil.copy(DATA / "mnist" / "t10k-images-idx3-ubyte.gz", raw)
    with gzip.open(DATA / "mnist" / "t10k-labels-idx1-ubyte.gz") as f:
        (raw / "t10k-labels-idx1-ubyte").write_bytes(f.read())   # torchvision keeps both kinds
    ds = datasets.MNIST(tmp_path, train=False)
    assert ds.raw_folder == str(raw)
    assert ds.targets[:3].tolist() == [7, 2, 1] and len(ds) == 10000


def test_shenjing_data_is_looked_in_after_root(tmp_path, monkeypatch, no_local_data):
    _need("mnist")
    monkeypatch.setenv("SHENJING_DATA", str(DATA))
    ds = datasets.MNIST(tmp_path / "empty", train=False)
    assert len(ds) == 10000


def test_missing_files_name_the_file_and_how_to_get_it(tmp_path, no_local_data):
    with pytest.raises(DataFileError) as info:
        datasets.MNIST(tmp_path, train=False)
    message = str(info.value)
    assert "MNIST: t10k-images-idx3-ubyte.gz not found in" in message
    assert "download=True" in message and "SHENJING_DATA" in message
    with pytest.raises(DataFileError, match="FashionMNIST: t10k-images.*FashionMNIST/raw"):
        datasets.FashionMNIST(tmp_path, train=False)


def test_corrupt_file_names_it(tmp_path, no_local_data):
    _need("mnist")
    raw = tmp_path / "MNIST" / "raw"
    raw.mkdir(parents=True)
    data = (DATA / "mnist" / "t10k-images-idx3-ubyte.gz").read_bytes()
    (raw / "t10k-images-idx3-ubyte.gz").write_bytes(data[:1000])      # a truncated download
    with pytest.raises(ChecksumError, match=r"MNIST: .*t10k-images-idx3-ubyte.gz.*corrupt.*"
                                            r"download=True"):
        datasets.MNIST(tmp_path, train=False)


def test_download_goes_into_the_raw_folder(tmp_path, monkeypatch, no_local_data):
    _need("mnist")
    fetched = []

    def fake_download(file, folder, **kwargs):     # no network in tests: copy the real file
        fetched.append((file.filename, folder))
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(DATA / "mnist" / file.filename, folder)
        return folder / file.filename
    monkeypatch.setattr(datasets, "download_file", fake_download)
    ds = datasets.MNIST(tmp_path, train=False, download=True)
    assert len(ds) == 10000
    assert fetched == [(n, tmp_path / "MNIST" / "raw") for n in
                       ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")]


def test_dataloader_batches_mnist_like_torchvision():
    _need("mnist")
    ds = datasets.MNIST(DATA, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    x, y = next(iter(sj.utils.data.DataLoader(ds, batch_size=64)))
    assert x.shape == (64, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (64,) and y.dtype == np.int64
    expected = (ds.data.numpy()[:64] / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)
    np.testing.assert_allclose(x.numpy()[:, 0], expected, rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------- CIFAR-10 (binary version)


def _cifar_batch(rng, n):
    """n records: a label byte, then the red, green and blue 32x32 planes."""
    labels = rng.integers(0, 10, n).astype(np.uint8)
    planes = rng.integers(0, 256, (n, 3, 32, 32)).astype(np.uint8)
    records = np.concatenate([labels[:, None], planes.reshape(n, -1)], axis=1)
    return records.tobytes(), planes, labels


def test_cifar10_reads_the_binary_batches_in_torchvision_root(tmp_path, no_local_data):
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    rng = np.random.default_rng(0)
    planes, labels = [], []
    for i in range(1, 6):
        data, p, y = _cifar_batch(rng, 3)
        (folder / f"data_batch_{i}.bin").write_bytes(data)
        planes.append(p)
        labels.append(y)
    data, test_planes, test_labels = _cifar_batch(rng, 4)
    (folder / "test_batch.bin").write_bytes(data)
    train = datasets.CIFAR10(tmp_path, train=True, transform=transforms.ToTensor())
    test = datasets.CIFAR10(tmp_path, train=False)
    assert train.data.shape == (15, 32, 32, 3) and train.data.dtype == np.uint8
    assert train.targets == np.concatenate(labels).tolist()
    assert all(type(t) is int for t in train.targets)
    np.testing.assert_array_equal(train.data, np.concatenate(planes).transpose(0, 2, 3, 1))
    image, target = test[2]
    assert image.shape == (32, 32, 3) and target == int(test_labels[2])
    np.testing.assert_array_equal(image[..., 1], test_planes[2, 1])     # green plane
    x, _ = train[0]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    assert train.classes[0] == "airplane" and len(test) == 4


def test_cifar10_errors(tmp_path, no_local_data):
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DataFileError, match=r"CIFAR10: .*pickles.*download=True.*SHENJING_DATA"):
        datasets.CIFAR10(tmp_path)
    folder = tmp_path / "cifar-10-batches-bin"
    folder.mkdir()
    (folder / "test_batch.bin").write_bytes(b"\x01" * 100)
    with pytest.raises(DataFileError, match=r"CIFAR10: .*data_batch_1.bin is missing"):
        datasets.CIFAR10(tmp_path, train=True)
    with pytest.raises(DataFileError, match=r"test_batch.bin: 100 bytes is not a whole number"):
        datasets.CIFAR10(tmp_path, train=False)
    other = tmp_path / "other"
    other.mkdir()
    (other / "cifar-10-binary.tar.gz").write_bytes(b"not an archive")
    with pytest.raises(ChecksumError, match=r"CIFAR10: .*cifar-10-binary.tar.gz.*corrupt"):
        datasets.CIFAR10(other)


def test_bad_arguments_name_the_dataset():
    with pytest.raises(TypeError, match="MNIST: root must be a folder"):
        datasets.MNIST(None)
    with pytest.raises(TypeError, match="MNIST: transform must be callable"):
        datasets.MNIST(".", transform="ToTensor")
