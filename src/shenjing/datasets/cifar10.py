"""CIFAR-10: 60,000 32x32 colour images in 10 classes, as ``keras.datasets.cifar10``.

Read from the **binary version** of the data set (``cifar-10-binary.tar.gz``), never from
the Python version, whose batches are pickles.  Each ``.bin`` file is a run of 3,073-byte
records: one label byte (0-9), then 1,024 red, 1,024 green and 1,024 blue bytes, each a
32x32 plane in row-major order::

    cifar-10-batches-bin/data_batch_1.bin ... data_batch_5.bin   10,000 records each
    cifar-10-batches-bin/test_batch.bin                           10,000 records
    cifar-10-batches-bin/batches.meta.txt                         the 10 class names

Images come back channels-last, ``(N, 32, 32, 3)`` uint8, as Keras returns them, and
labels ``(N, 1)`` uint8 (Keras's shape).

Krizhevsky, *Learning Multiple Layers of Features from Tiny Images*, tech. report (2009).
"""

import tarfile
import zlib

import numpy

from .fetch import DataFile, DataFileError, fetch

ARCHIVE = DataFile(
    "cifar10", "cifar-10-binary.tar.gz",
    "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd", 170052171,
    ("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",))

LABEL_NAMES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
               "truck")

RECORD = 1 + 3 * 32 * 32
TRAIN_FILES = tuple(f"data_batch_{i}.bin" for i in range(1, 6))
TEST_FILE = "test_batch.bin"


def load_data(path=None):
    """CIFAR-10 as ``(x_train, y_train), (x_test, y_test)``.

    ``x_train``: (50000, 32, 32, 3) uint8; ``y_train``: (50000, 1) uint8 in 0-9;
    ``x_test`` / ``y_test``: 10,000 of them.  Class names: ``LABEL_NAMES``.
    ``path``: a folder with ``cifar-10-binary.tar.gz`` (or ``cifar10/`` with it), or the file.
    """
    return read_archive(fetch(ARCHIVE, path=path))


def read_archive(archive):
    """Parse a ``cifar-10-binary.tar.gz`` (any number of records per batch file)."""
    blobs = {}
    wanted = set(TRAIN_FILES) | {TEST_FILE}
    try:
        with tarfile.open(archive, "r|*") as tar:
            for member in tar:
                name = member.name.rsplit("/", 1)[-1]
                if member.isfile() and name in wanted:
                    blobs[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DataFileError(f"{archive}: cannot read the CIFAR-10 archive, truncated or corrupt "
                            f"({type(e).__name__}: {e})") from None
    missing = sorted(wanted - set(blobs))
    if missing:
        raise DataFileError(f"{archive}: not the CIFAR-10 binary version: "
                            f"{', '.join(missing)} missing")
    train = [parse_batch(blobs[n], f"{archive}:{n}") for n in TRAIN_FILES]
    x_train = numpy.concatenate([x for x, _ in train])
    y_train = numpy.concatenate([y for _, y in train])
    x_test, y_test = parse_batch(blobs[TEST_FILE], f"{archive}:{TEST_FILE}")
    return (x_train, y_train), (x_test, y_test)


def parse_batch(data, name="<bytes>"):
    """One ``.bin`` batch: ``(images (N, 32, 32, 3) uint8, labels (N, 1) uint8)``."""
    if len(data) % RECORD:
        raise DataFileError(f"{name}: {len(data)} bytes is not a whole number of "
                            f"{RECORD}-byte records (truncated?)")
    records = numpy.frombuffer(data, dtype=numpy.uint8).reshape(-1, RECORD)
    labels = records[:, :1].copy()
    if labels.size and labels.max() > 9:
        raise DataFileError(f"{name}: label byte {int(labels.max())} out of range 0-9: not a "
                            f"CIFAR-10 batch")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).copy()
    return images, labels
