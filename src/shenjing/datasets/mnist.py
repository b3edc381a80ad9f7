"""MNIST handwritten digits, as ``keras.datasets.mnist.load_data()`` returns them.

Read from the four original IDX files (gzip), not from Keras's ``mnist.npz``::

    train-images-idx3-ubyte.gz   60,000 x 28 x 28 uint8      train-labels-idx1-ubyte.gz
    t10k-images-idx3-ubyte.gz    10,000 x 28 x 28 uint8      t10k-labels-idx1-ubyte.gz

>>> (x_train, y_train), (x_test, y_test) = load_data()
>>> x_train.shape, y_train[:5]        # ((60000, 28, 28), array([5, 0, 4, 1, 9], dtype=uint8))

LeCun, Cortes and Burges, *The MNIST database of handwritten digits* (1998).
"""

from .fetch import DataFile, fetch
from .idx import read_idx

_MIRRORS = ("https://storage.googleapis.com/cvdf-datasets/mnist/",
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "http://yann.lecun.com/exdb/mnist/")


def _file(dataset, name, sha256, size, mirrors):
    return DataFile(dataset, name, sha256, size, tuple(m + name for m in mirrors))


#: the four IDX files, with their SHA-256 (the original files, byte for byte)
FILES = {
    "x_train": _file("mnist", "train-images-idx3-ubyte.gz",
                     "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                     9912422, _MIRRORS),
    "y_train": _file("mnist", "train-labels-idx1-ubyte.gz",
                     "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                     28881, _MIRRORS),
    "x_test": _file("mnist", "t10k-images-idx3-ubyte.gz",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    1648877, _MIRRORS),
    "y_test": _file("mnist", "t10k-labels-idx1-ubyte.gz",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                    4542, _MIRRORS),
}


def load_data(path=None):
    """MNIST as ``(x_train, y_train), (x_test, y_test)``, uint8 NumPy arrays.

    ``x_*``: (N, 28, 28) pixels in [0, 255]; ``y_*``: (N,) digits 0-9; N = 60,000 / 10,000.
    ``path``: a folder holding the IDX files (or ``mnist/`` with them), looked in before
    ``$SHENJING_DATA``, the cache and the download.
    """
    return load_idx_set(FILES, path, image_shape=(28, 28))


def load_idx_set(files, path, image_shape):
    """Read the four IDX files of ``files`` and check that they fit together."""
    arrays = {}
    for part, file in files.items():
        arrays[part] = read_idx(fetch(file, path=path))
    for split in ("train", "test"):
        x, y = arrays["x_" + split], arrays["y_" + split]
        if x.ndim != 3 or x.shape[1:] != image_shape or y.shape != (len(x),):
            raise ValueError(f"{files['x_' + split].key}: expected images (N, "
                             f"{', '.join(map(str, image_shape))}) and labels (N,), got "
                             f"{x.shape} and {y.shape}")
    return (arrays["x_train"], arrays["y_train"]), (arrays["x_test"], arrays["y_test"])
