"""CIFAR-10 from the binary version: record layout, shapes, errors (synthetic archives),
and the real archive when one is available."""

import io
import tarfile

import numpy
import pytest

from shenjing.datasets import ChecksumError, DataFileError, cifar10
from tests.conftest import shared_data_dir


def record(label, seed):
    rng = numpy.random.default_rng(seed)
    planes = rng.integers(0, 256, (3, 32, 32), dtype=numpy.uint8)  # R, G, B planes
    return bytes([label]) + planes.tobytes(), planes


def make_archive(path, per_batch=3, extra=None, drop=None):
    members, expected = {}, {}
    for i, name in enumerate(cifar10.TRAIN_FILES + (cifar10.TEST_FILE,)):
        blobs = [record((i + j) % 10, 100 * i + j) for j in range(per_batch)]
        members[name] = b"".join(b for b, _ in blobs)
        expected[name] = [p for _, p in blobs]
    members["batches.meta.txt"] = "\n".join(cifar10.LABEL_NAMES).encode()
    if extra:
        members.update(extra)
    if drop:
        del members[drop]
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo("cifar-10-batches-bin/" + name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return expected


def test_records_become_channels_last_images(tmp_path):
    path = tmp_path / "cifar-10-binary.tar.gz"
    expected = make_archive(path)
    (x_train, y_train), (x_test, y_test) = cifar10.read_archive(path)
    assert x_train.shape == (15, 32, 32, 3) and x_train.dtype == numpy.uint8
    assert y_train.shape == (15, 1) and y_train.dtype == numpy.uint8
    assert x_test.shape == (3, 32, 32, 3) and y_test.shape == (3, 1)
    planes = expected["data_batch_2.bin"][1]  # 5th training image
    numpy.testing.assert_array_equal(x_train[4], planes.transpose(1, 2, 0))
    assert x_train[4, 7, 9].tolist() == [planes[0, 7, 9], planes[1, 7, 9], planes[2, 7, 9]]
    assert y_train[:, 0].tolist() == [0, 1, 2, 1, 2, 3, 2, 3, 4, 3, 4, 5, 4, 5, 6]
    assert y_test[:, 0].tolist() == [5, 6, 7]


def test_truncated_batch_and_missing_file(tmp_path):
    path = tmp_path / "short.tar.gz"
    make_archive(path, extra={"data_batch_3.bin": b"\x01" * 5000})
    with pytest.raises(DataFileError, match="data_batch_3.bin: 5000 bytes is not a whole number "
                                            "of 3073-byte records"):
        cifar10.read_archive(path)
    make_archive(path, drop="test_batch.bin")
    with pytest.raises(DataFileError, match="not the CIFAR-10 binary version: test_batch.bin"):
        cifar10.read_archive(path)
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DataFileError, match="short.tar.gz: cannot read the CIFAR-10 archive"):
        cifar10.read_archive(path)


def test_load_data_checks_the_pinned_checksum(tmp_path):
    folder = tmp_path / "cifar10"
    folder.mkdir()
    make_archive(folder / "cifar-10-binary.tar.gz")
    with pytest.raises(ChecksumError, match=f"cifar10/cifar-10-binary.tar.gz.*expected "
                                            f"{cifar10.ARCHIVE.sha256}.*SHENJING_DATA"):
        cifar10.load_data(path=tmp_path)


def test_real_archive():
    path = shared_data_dir() / "cifar10" / "cifar-10-binary.tar.gz"
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared data has no CIFAR-10); set SHENJING_DATA")
    (x_train, y_train), (x_test, y_test) = cifar10.load_data(path=path)
    assert x_train.shape == (50000, 32, 32, 3) and x_test.shape == (10000, 32, 32, 3)
    assert numpy.bincount(y_train[:, 0]).tolist() == [5000] * 10
    assert numpy.bincount(y_test[:, 0]).tolist() == [1000] * 10
    assert y_train[:10, 0].tolist() == [6, 9, 9, 4, 1, 1, 2, 7, 8, 3]  # frog, truck, truck, ...
    assert y_test[:10, 0].tolist() == [3, 8, 8, 0, 6, 6, 1, 6, 3, 1]  # published first labels
