"""``shenjing.vision.datasets``: MNIST, Fashion-MNIST and CIFAR-10 with torchvision's shape.

``MNIST(root, train=True, transform=None, target_transform=None, download=False)``, and
the same for ``FashionMNIST`` and ``CIFAR10``.  ``dataset[i]`` is ``(image, target)`` with
``target`` an ``int`` and ``image`` a **PIL-like array**: what torchvision gives as a PIL
image, given here as a uint8 NumPy array (Pillow is not needed), ``(H, W)`` for the grey
MNIST images (PIL mode "L") and ``(H, W, 3)`` for CIFAR-10 (mode "RGB").
``shenjing.vision.transforms.ToTensor`` turns it into a ``(C, H, W)`` float tensor.

Where the files are looked for, in order:

1. ``root`` in torchvision's layout: ``root/MNIST/raw/train-images-idx3-ubyte(.gz)``,
   ``root/FashionMNIST/raw/...``, and for CIFAR-10 ``root/cifar-10-batches-bin/*.bin`` or
   ``root/cifar-10-binary.tar.gz`` (also ``root/<dataset>/`` and ``root/`` themselves, the
   layout of ``shenjing.datasets``, e.g. ``root/mnist/``);
2. ``$SHENJING_DATA``, then the download cache (``shenjing.datasets.fetch``);
3. with ``download=True``, a download checked against the pinned SHA-256, saved into the
   raw folder under ``root`` as torchvision does.

CIFAR-10 is read from its **binary** version: torchvision's ``cifar-10-batches-py`` holds
pickles, which shenjing never loads.  The files are parsed by the loaders of
``shenjing.datasets`` (``idx.read_idx``, ``cifar10.parse_batch``); this module only finds
them.

>>> train = MNIST("data", train=True, transform=transforms.ToTensor(), download=True)
>>> image, label = train[0]          # (1, 28, 28) float32 tensor in [0, 1], 5
"""

from pathlib import Path

import numpy

from ..autograd.creation import from_numpy
from ..datasets import cifar10, fashion_mnist, mnist
from ..datasets.fetch import ChecksumError, DataFile, DataFileError, download_file, fetch, verify
from ..datasets.idx import read_idx
from ..utils.data import Dataset

__all__ = ["VisionDataset", "MNIST", "FashionMNIST", "CIFAR10"]

#: SHA-256 of the decompressed IDX files (torchvision keeps them beside the .gz files)
RAW_SHA256 = {
    "mnist/train-images-idx3-ubyte":
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "mnist/train-labels-idx1-ubyte":
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "mnist/t10k-images-idx3-ubyte":
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "mnist/t10k-labels-idx1-ubyte":
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "fashion-mnist/train-images-idx3-ubyte":
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "fashion-mnist/train-labels-idx1-ubyte":
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "fashion-mnist/t10k-images-idx3-ubyte":
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "fashion-mnist/t10k-labels-idx1-ubyte":
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}


def _array(x):
    """The NumPy array of a tensor, array or list (``.data`` / ``.targets`` may be replaced)."""
    return numpy.asarray(getattr(x, "array", x))


class VisionDataset(Dataset):
    """Base of the image datasets: ``root``, ``transform``, ``target_transform``.

    ``dataset[i]`` applies ``transform`` to the image and ``target_transform`` to the int
    label, as torchvision does.
    """

    def __init__(self, root, transform=None, target_transform=None):
        name = type(self).__name__
        if root is None or not isinstance(root, (str, Path)):
            raise TypeError(f"{name}: root must be a folder (str or Path), got "
                            f"{type(root).__name__}")
        for arg, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{name}: {arg} must be callable or None, got "
                                f"{type(fn).__name__}")
        self.root = str(Path(root).expanduser())
        self.transform, self.target_transform = transform, target_transform

    def _sample(self, image, target):
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return image, target

    @property
    def class_to_idx(self):
        """``{class name: index}``."""
        return {c: i for i, c in enumerate(self.classes)}

    def __repr__(self):
        lines = [f"Dataset {type(self).__name__}", f"    Number of datapoints: {len(self)}",
                 f"    Root location: {self.root}",
                 f"    Split: {'Train' if self.train else 'Test'}"]
        for what, fn in (("Transform", self.transform),
                         ("Target transform", self.target_transform)):
            if fn is not None:
                lines.append(f"    {what}: {fn!r}")
        return "\n".join(lines)


# ---------------------------------------------------------------- MNIST and Fashion-MNIST


class MNIST(VisionDataset):
    """MNIST digits: 60,000 train / 10,000 test images, torchvision's ``datasets.MNIST``.

    ``dataset[i]`` -> ``(image (28, 28) uint8 array, int digit)`` before ``transform``.
    ``.data``: uint8 tensor (N, 28, 28); ``.targets``: int64 tensor (N,); ``.classes``:
    ``["0 - zero", ..., "9 - nine"]``.  Files: ``root/MNIST/raw/`` (see the module).
    """

    classes = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five",
               "6 - six", "7 - seven", "8 - eight", "9 - nine"]
    FILES = mnist.FILES

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        split = "train" if self.train else "test"
        images = read_idx(self._find(self.FILES["x_" + split], download))
        labels = read_idx(self._find(self.FILES["y_" + split], download))
        if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (len(images),):
            raise DataFileError(f"{type(self).__name__}: expected images (N, 28, 28) and labels "
                                f"(N,), the files hold {images.shape} and {labels.shape}")
        self.data = from_numpy(images)
        self.targets = from_numpy(labels.astype(numpy.int64))

    @property
    def raw_folder(self):
        """``root/<class name>/raw``, where torchvision keeps the IDX files."""
        return str(Path(self.root) / type(self).__name__ / "raw")

    def _find(self, file, download):
        """The path of a verified copy of ``file`` (.gz, or the decompressed IDX file)."""
        name = type(self).__name__
        stem = file.filename[:-3]
        raw = DataFile(file.dataset, stem, RAW_SHA256[f"{file.dataset}/{stem}"])
        folder = Path(self.raw_folder)
        try:
            for candidate in (file, raw):
                if (folder / candidate.filename).is_file():
                    return verify(folder / candidate.filename, candidate)
            try:
                return fetch(file, raw, path=self.root, download=False)
            except ChecksumError:
                raise
            except DataFileError:
                if not download:
                    raise DataFileError(
                        f"{name}: {file.filename} not found in {folder} (nor in "
                        f"{Path(self.root) / file.dataset}, $SHENJING_DATA or the download "
                        f"cache). Get it with {name}({self.root!r}, download=True), or put "
                        f"{file.filename} in {folder} or in <dir>/{file.dataset}/ and set "
                        f"SHENJING_DATA=<dir>.") from None
            return download_file(file, folder)
        except ChecksumError as e:
            raise ChecksumError(f"{name}: {e} Or delete it and use download=True.") from None

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        """``(transform(image), target_transform(target))``; image (28, 28) uint8 array."""
        image = _array(self.data)[index].copy()
        return self._sample(image, int(_array(self.targets)[index]))


class FashionMNIST(MNIST):
    """Fashion-MNIST: 28x28 grey images of 10 kinds of clothing, as ``MNIST`` (files in
    ``root/FashionMNIST/raw/``).  ``.classes``: ``["T-shirt/top", "Trouser", ...]``."""

    classes = list(fashion_mnist.LABEL_NAMES)
    FILES = fashion_mnist.FILES


# ---------------------------------------------------------------- CIFAR-10


class CIFAR10(VisionDataset):
    """CIFAR-10: 50,000 train / 10,000 test 32x32 colour images, torchvision's
    ``datasets.CIFAR10``, read from the binary version (never from pickles).

    ``dataset[i]`` -> ``(image (32, 32, 3) uint8 array, int class)`` before ``transform``.
    ``.data``: uint8 NumPy array (N, 32, 32, 3); ``.targets``: list of ints; ``.classes``:
    ``["airplane", ..., "truck"]``.  Files: ``root/cifar-10-batches-bin/data_batch_1.bin``
    ... ``test_batch.bin``, or ``root/cifar-10-binary.tar.gz``.
    """

    base_folder = "cifar-10-batches-bin"
    classes = list(cifar10.LABEL_NAMES)

    def __init__(self, root, train=True, transform=None, target_transform=None,
                 download=False):
        super().__init__(root, transform, target_transform)
        self.train = bool(train)
        images, labels = self._load(download)
        self.data = images
        self.targets = [int(t) for t in labels.reshape(-1)]

    def _load(self, download):
        root = Path(self.root)
        names = cifar10.TRAIN_FILES if self.train else (cifar10.TEST_FILE,)
        folder = root / self.base_folder
        if folder.is_dir():
            batches = []
            for n in names:
                if not (folder / n).is_file():
                    raise DataFileError(
                        f"CIFAR10: {folder / n} is missing (the folder holds an incomplete "
                        f"binary version). Delete {folder} and use download=True, or put "
                        f"cifar-10-binary.tar.gz in <dir>/cifar10/ and set SHENJING_DATA=<dir>.")
                batches.append(cifar10.parse_batch((folder / n).read_bytes(), str(folder / n)))
            return (numpy.concatenate([x for x, _ in batches]),
                    numpy.concatenate([y for _, y in batches]))
        archive = cifar10.ARCHIVE
        try:
            path = fetch(archive, path=self.root, download=False)
        except ChecksumError as e:
            raise ChecksumError(f"CIFAR10: {e} Or delete it and use download=True.") from None
        except DataFileError:
            if not download:
                pickles = root / "cifar-10-batches-py"
                note = (f" ({pickles} is the Python version, made of pickles, which shenjing "
                        f"never loads.)" if pickles.exists() else "")
                raise DataFileError(
                    f"CIFAR10: neither {folder} nor {archive.filename} found under "
                    f"{self.root} (nor in $SHENJING_DATA or the download cache).{note} Get the "
                    f"binary version with CIFAR10({self.root!r}, download=True), or put "
                    f"{archive.filename} in <dir>/cifar10/ and set SHENJING_DATA=<dir>.") from None
            path = download_file(archive, root)
        (x_train, y_train), (x_test, y_test) = cifar10.read_archive(path)
        return (x_train, y_train) if self.train else (x_test, y_test)

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        """``(transform(image), target_transform(target))``; image (32, 32, 3) uint8 array."""
        image = _array(self.data)[index].copy()
        return self._sample(image, int(self.targets[index]))
