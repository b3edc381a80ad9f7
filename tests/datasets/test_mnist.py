"""MNIST and Fashion-MNIST loaders on the real files of ../shared/data."""

import hashlib

import numpy
import pytest

from shenjing.datasets import fashion_mnist, mnist
from tests.datasets.conftest import shared_file

# class counts of the official label files (../shared/data/README.md)
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
# SHA-256 of the decompressed IDX files (header + data), from the same README
IDX_SHA256 = {
    ("mnist", "x_train"): "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ("mnist", "y_train"): "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ("mnist", "x_test"): "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ("mnist", "y_test"): "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ("fashion", "x_train"): "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ("fashion", "y_train"): "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ("fashion", "x_test"): "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ("fashion", "y_test"): "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


@pytest.fixture(scope="module")
def mnist_data():
    folder = shared_file("mnist", "train-images-idx3-ubyte.gz").parent
    return mnist.load_data(path=folder)


@pytest.fixture(scope="module")
def fashion_data():
    folder = shared_file("fashion-mnist", "train-images-idx3-ubyte.gz").parent
    return fashion_mnist.load_data(path=folder.parent)  # the parent: fashion-mnist/ is found


def idx_sha256(array):
    code_ndim = bytes([0, 0, 8, array.ndim])
    header = code_ndim + numpy.array(array.shape, ">u4").tobytes()
    return hashlib.sha256(header + array.tobytes()).hexdigest()


def test_mnist_shapes_dtypes_and_counts(mnist_data):
    (x_train, y_train), (x_test, y_test) = mnist_data
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == numpy.uint8
    assert y_train.shape == (60000,) and y_train.dtype == numpy.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert (y_train == 0).sum() == 5923
    assert numpy.bincount(y_train).tolist() == MNIST_TRAIN_COUNTS
    assert numpy.bincount(y_test).tolist() == MNIST_TEST_COUNTS
    assert y_train[:10].tolist() == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert x_train.min() == 0 and x_train.max() == 255


@pytest.mark.parametrize("name", ["mnist", "fashion"])
def test_arrays_are_the_original_idx_bytes(name, mnist_data, fashion_data):
    (x_train, y_train), (x_test, y_test) = mnist_data if name == "mnist" else fashion_data
    arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
    for part, array in arrays.items():
        assert idx_sha256(array) == IDX_SHA256[name, part], part


def test_fashion_mnist(fashion_data):
    (x_train, y_train), (x_test, y_test) = fashion_data
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == numpy.uint8
    assert numpy.bincount(y_train).tolist() == [6000] * 10
    assert numpy.bincount(y_test).tolist() == [1000] * 10
    assert len(fashion_mnist.LABEL_NAMES) == 10 and fashion_mnist.LABEL_NAMES[9] == "Ankle boot"


def test_shenjing_data_env_is_used(monkeypatch, mnist_data):
    root = shared_file("mnist", "t10k-labels-idx1-ubyte.gz").parents[1]
    monkeypatch.setenv("SHENJING_DATA", str(root))
    (_, y_train), (_, y_test) = mnist.load_data()
    numpy.testing.assert_array_equal(y_test, mnist_data[1][1])
