"""Fashion-MNIST: 70,000 28x28 grey images of 10 kinds of clothing, as
``keras.datasets.fashion_mnist.load_data()`` returns them (read from the original IDX files).

Labels: 0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal, 6 Shirt,
7 Sneaker, 8 Bag, 9 Ankle boot (``LABEL_NAMES``); 6,000 of each in train, 1,000 in test.

Xiao, Rasul and Vollgraf, *Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine
Learning Algorithms*, arXiv:1708.07747 (2017); MIT licence, (c) 2017 Zalando SE.
"""

from .mnist import _file, load_idx_set

_MIRRORS = ("https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/")

LABEL_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
               "Sneaker", "Bag", "Ankle boot")

FILES = {
    "x_train": _file("fashion-mnist", "train-images-idx3-ubyte.gz",
                     "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                     26421880, _MIRRORS),
    "y_train": _file("fashion-mnist", "train-labels-idx1-ubyte.gz",
                     "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                     29515, _MIRRORS),
    "x_test": _file("fashion-mnist", "t10k-images-idx3-ubyte.gz",
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                    4422102, _MIRRORS),
    "y_test": _file("fashion-mnist", "t10k-labels-idx1-ubyte.gz",
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                    5148, _MIRRORS),
}


def load_data(path=None):
    """Fashion-MNIST as ``(x_train, y_train), (x_test, y_test)``, uint8 NumPy arrays.

    ``x_*``: (N, 28, 28) in [0, 255]; ``y_*``: (N,) in 0-9; N = 60,000 / 10,000.
    ``path``: a folder with the IDX files (or ``fashion-mnist/`` with them).
    """
    return load_idx_set(FILES, path, image_shape=(28, 28))
