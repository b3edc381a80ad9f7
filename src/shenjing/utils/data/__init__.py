"""Datasets, samplers and ``DataLoader``, as ``torch.utils.data``.

A map-style dataset has ``__getitem__`` and ``__len__``; an iterable one has ``__iter__``.
A sampler yields indices, a batch sampler yields lists of them, and the loader fetches
each batch and collates it (``default_collate`` stacks samples into batch tensors).

Speed: a dataset may define ``__getbatch__(indices)`` returning the collated batch at
once (``TensorDataset`` does, with one fancy-indexing call per tensor); the loader uses
it whenever the default collate is in use (see ``fetch.py``).
"""

from .collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .distributed import DistributedSampler
from .dataset import (ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset,
                      TensorDataset)
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler,
                      SubsetRandomSampler, WeightedRandomSampler)
from .split import random_split

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset",
           "DistributedSampler",
           "IterableDataset", "RandomSampler", "Sampler", "SequentialSampler", "Subset",
           "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler", "default_collate",
           "default_convert", "get_worker_info", "random_split"]
