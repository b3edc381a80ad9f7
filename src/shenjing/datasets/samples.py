"""Small real data sets shipped inside the package, so that demos and tests run offline.

``load_sample("mnist")`` gives the 10,000 digits of the original MNIST test set
(``t10k-*``, 1.65 MB compressed); ``load_sample("imdb")`` 2,000 labelled IMDB movie
reviews, 1,000 positive and 1,000 negative (1.05 MB).  Files are read from
``shenjing/datasets/samples/`` with ``importlib.resources``; each file's SHA-256 is pinned
here and checked on load; origin and licence are in ``samples/README.md``.
"""

import gzip
import hashlib
import json
from importlib import resources

import numpy

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
    "imdb": {
        "description": "IMDB reviews: 2,000 labelled test-set reviews (ids 0-999 of test/pos and "
                       "test/neg, alternating), labels 1 positive / 0 negative",
        "reviews": ("imdb-test-2000.jsonl.gz",
                    "5bea2503bac0a1c649f90bb5e5ad086c6699e99e2629ff93f995d75abc62c178"),
    },
}


def load_sample(name="mnist"):
    """The embedded sample ``name`` as a pair of NumPy arrays.

    ``"mnist"``: ``(images, labels)``, images uint8 (10000, 28, 28) in [0, 255], labels
    uint8 (10000,) in 0..9.

    ``"imdb"``: ``(texts, labels)``, texts an object array of 2,000 ``str`` (the reviews as
    written, ``<br />`` included), labels int64 (2000,), 1 positive / 0 negative,
    alternating (positive first) so that any prefix is balanced.

    >>> images, labels = load_sample("mnist")
    >>> x = images.reshape(len(images), -1) / 255.0
    >>> texts, labels = load_sample("imdb")
    """
    if name not in SAMPLES:
        raise ValueError(f"load_sample: no embedded sample named {name!r}; available: "
                         f"{', '.join(sorted(SAMPLES))}")
    entry = SAMPLES[name]
    if name == "imdb":
        records = load_sample_records("imdb")
        texts = numpy.empty(len(records), dtype=object)
        texts[:] = [r["text"] for r in records]
        return texts, numpy.array([r["label"] for r in records], dtype=numpy.int64)
    images, labels = (_read(*entry["images"]), _read(*entry["labels"]))
    if len(images) != len(labels):
        raise ValueError(f"load_sample({name!r}): {len(images)} images but {len(labels)} labels")
    return images, labels


def load_sample_records(name="imdb"):
    """The IMDB sample as dicts: ``file`` (path in aclImdb), ``label``, ``rating``, ``text``."""
    filename, sha256 = SAMPLES[name]["reviews"]
    data = gzip.decompress(_checked_bytes(filename, sha256)).decode("utf-8")
    # split on "\n" only: texts may hold U+2028 or U+0085, which splitlines() would cut at
    return [json.loads(line) for line in data.split("\n") if line]


def sample_path(filename):
    """The ``importlib.resources`` handle of a file in ``shenjing/datasets/samples/``."""
    return resources.files("shenjing.datasets").joinpath("samples", filename)


def _checked_bytes(filename, sha256):
    path = sample_path(filename)
    if not path.is_file():
        raise FileNotFoundError(f"the embedded sample file {filename} is missing from the "
                                f"installed package (expected at {path}); reinstall shenjing")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise ValueError(f"the embedded sample file {path} is corrupt: SHA-256 {digest}, "
                         f"expected {sha256}; reinstall shenjing")
    return data


def _read(filename, sha256):
    return parse_idx(_checked_bytes(filename, sha256), name=str(sample_path(filename)))
