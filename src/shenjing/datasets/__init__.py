"""Data sets: loaders with Keras's signatures, the IDX reader, and embedded samples.

Each loader is a module with ``load_data()`` returning what ``keras.datasets.<name>``
returns (``(x_train, y_train), (x_test, y_test)``), read from the original public files,
never from a pickle:

=====================  ==============================================================
``mnist``              IDX files, (60000, 28, 28) uint8 / (10000, 28, 28)
``fashion_mnist``      IDX files, same shapes, 10 kinds of clothing
``cifar10``            the binary version, (50000, 32, 32, 3) uint8, labels (N, 1)
``imdb``               aclImdb texts -> Keras's word-index sequences (exactly), raw texts
``reuters``            Reuters-21578 SGML -> Keras's 46-topic newswire sequences
``wikitext2``          WikiText-2 raw: train/valid/test text for word vectors
``tinyshakespeare``    1.1 MB of Shakespeare, for character-level models
=====================  ==============================================================

Files are looked for in ``path=``, then ``$SHENJING_DATA``, then the download cache, and
only then downloaded (``pip install 'shenjing[data]'``); every file has a pinned SHA-256
(``fetch.py``).  ``load_sample("mnist")`` / ``load_sample("imdb")`` work offline from
files shipped inside the package.
"""

from . import cifar10, fashion_mnist, imdb, mnist, reuters, tinyshakespeare, wikitext2
from .fetch import ChecksumError, DataFile, DataFileError, cache_dir, data_dir, fetch
from .idx import IDXError, parse_idx, read_idx
from .samples import SAMPLES, load_sample

__all__ = ["IDXError", "read_idx", "parse_idx", "load_sample", "SAMPLES", "fetch", "DataFile",
           "DataFileError", "ChecksumError", "cache_dir", "data_dir", "mnist", "fashion_mnist",
           "cifar10", "imdb", "reuters", "wikitext2", "tinyshakespeare"]
