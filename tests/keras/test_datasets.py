"""``keras.datasets``: Keras's import paths and signatures, reading the real files."""

import inspect

import numpy

from shenjing import datasets
from shenjing.keras.datasets import cifar10, fashion_mnist, imdb, mnist, reuters
from tests.datasets.conftest import shared_file


def test_the_loaders_are_shenjings():
    assert (mnist, fashion_mnist, cifar10, imdb, reuters) == (
        datasets.mnist, datasets.fashion_mnist, datasets.cifar10, datasets.imdb, datasets.reuters)


def test_signatures_are_keras():
    def names(function):
        return list(inspect.signature(function).parameters)[:8]
    assert names(imdb.load_data) == ["path", "num_words", "skip_top", "maxlen", "seed",
                                     "start_char", "oov_char", "index_from"]
    assert names(reuters.load_data) == ["path", "num_words", "skip_top", "maxlen", "test_split",
                                        "seed", "start_char", "oov_char"]
    assert names(mnist.load_data) == ["path"]
    assert callable(imdb.get_word_index) and callable(reuters.get_word_index)


def test_mnist_through_the_keras_path():
    folder = shared_file("mnist", "train-images-idx3-ubyte.gz").parent
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=folder)
    assert x_train.shape == (60000, 28, 28) and x_train.dtype == numpy.uint8
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert int((y_train == 0).sum()) == 5923
