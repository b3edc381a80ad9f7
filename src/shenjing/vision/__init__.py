"""``shenjing.vision``: torchvision's names on shenjing (``import shenjing.vision as torchvision``).

- ``datasets``: ``MNIST``, ``FashionMNIST``, ``CIFAR10`` (``datasets.py``)
- ``transforms``: ``Compose``, ``ToTensor``, ``Normalize``, ``RandomCrop``,
  ``RandomHorizontalFlip``, ``RandomRotation``, ``Resize``, ``Lambda`` (``transforms.py``)

Images before ``ToTensor`` are "PIL-like arrays": uint8 NumPy arrays ``(H, W)`` or
``(H, W, C)`` (PIL images are accepted too when Pillow is installed).
"""

from . import datasets, transforms

__all__ = ["datasets", "transforms"]
