"""Small real data sets shipped inside the package, so that demos and tests run offline.

``load_sample("mnist")`` gives the 10,000 digits of the original MNIST test set
(``t10k-*``, 1.65 MB compressed), read from ``shenjing/datasets/samples/`` with
``importlib.resources``.  Each file's SHA-256 is pinned here and checked on load; origin
and licence are in ``samples/README.md``.
"""

import hashlib
from importlib import resources

from .idx import parse_idx

#: name -> what it is, and for each of its arrays: (file in samples/, SHA-256 of that file)
SAMPLES = {
    "mnist": {
        "description": "MNIST test set: 10,000 handwritten digits, 28x28 uint8, labels 0-9",
        "images": ("t10k-images-idx3-ubyte.gz",
                   "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        "labels": ("t10k-labels-idx1-ubyte.gz",
                   "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    },
}


def load_sample(name="mnist"):
    """The embedded sample ``name`` as ``(images, labels)`` NumPy arrays.

    ``"mnist"``: images uint8 (10000, 28, 28) in [0, 255], labels uint8 (10000,) in 0..9.

    >>> images, labels = load_sample("mnist")
    >>> x = images.reshape(len(images), -1) / 255.0
    """
    if name not in SAMPLES:
        raise ValueError(f"load_sample: no embedded sample named {name!r}; available: "
                         f"{', '.join(sorted(SAMPLES))}")
    entry = SAMPLES[name]
    images, labels = (_read(*entry["images"]), _read(*entry["labels"]))
    if len(images) != len(labels):
        raise ValueError(f"load_sample({name!r}): {len(images)} images but {len(labels)} labels")
    return images, labels


def sample_path(filename):
    """The ``importlib.resources`` handle of a file in ``shenjing/datasets/samples/``."""
    return resources.files("shenjing.datasets").joinpath("samples", filename)


def _read(filename, sha256):
    path = sample_path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"the embedded sample file {filename} is missing from the "
                                f"installed package (expected at {path}); reinstall shenjing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(f"the embedded sample file {path} is corrupt: SHA-256 {digest}, "
                         f"expected {sha256}; reinstall shenjing")
    return parse_idx(data, name=str(path))
