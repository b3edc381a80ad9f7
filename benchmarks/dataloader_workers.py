"""DataLoader worker processes: one pass over augmented real MNIST images, timed with
num_workers = 0, 1, 2, ... (shenjing only: this measures the loader, not an engine).

Each item is a real MNIST test image, randomly rotated, zoomed and shifted (bilinear
resampling at twice the resolution, then averaged back to 28 x 28: about 2 ms of NumPy
per image), so that loading does real work per item, as an image pipeline does.  The batches are checked to be identical to num_workers=0's.
Passes alternate between the worker counts, so that a drift in the machine's load hits
all alike.  Set OPENBLAS_NUM_THREADS=1 on a small machine: the resampling's small matrix
products otherwise spin BLAS threads against the workers (as torch sets one thread per
worker).

    python -m benchmarks.dataloader_workers                  # 1536 items, workers 0,1,2
    python -m benchmarks.dataloader_workers --items 3072 --workers 0,2,4 --repeats 3
"""

import argparse
import os
import statistics
import time

import numpy

import shenjing as sj
from shenjing.image import transform as T
from shenjing.utils.data import DataLoader, Dataset


class AugmentedMNIST(Dataset):
    """(1, 28, 28) float32 images with a random affine augmentation each read (done on a
    56 x 56 copy and averaged back down, against aliasing), and labels."""

    def __init__(self, images, labels):
        self.images, self.labels = images, labels

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        rng = numpy.random.default_rng(i)     # per-item draws: the same whoever loads it
        img = self.images[i].astype(numpy.float32) / 255.0
        img = img.repeat(2, 0).repeat(2, 1)[..., None]          # (56, 56, 1)
        img = T.rotate(img, rng.uniform(-0.3, 0.3))
        img = T.zoom(img, rng.uniform(0.9, 1.1))
        img = T.translate(img, rng.uniform(-4, 4), rng.uniform(-4, 4))
        img = img.reshape(28, 2, 28, 2).mean((1, 3))
        return img[None].astype(numpy.float32), int(self.labels[i])


def load(items):
    from shenjing.datasets import mnist
    default = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data")
    if "SHENJING_DATA" not in os.environ and os.path.isdir(default):
        os.environ["SHENJING_DATA"] = os.path.abspath(default)
    _, (x, y) = mnist.load_data()
    return AugmentedMNIST(x[:items], y[:items])


def one_pass(loader, seed=0):
    sj.manual_seed(seed)
    start = time.perf_counter()
    batches = [(xb.numpy(), yb.numpy()) for xb, yb in loader]
    return time.perf_counter() - start, batches


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1536)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--workers", default="0,1,2")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    data = load(args.items)
    counts = [int(w) for w in args.workers.split(",")]
    print(f"{args.items} augmented MNIST images, batch {args.batch}, shuffle, "
          f"{os.cpu_count()} CPUs; median (min) of {args.repeats} passes")
    loaders = {n: DataLoader(data, batch_size=args.batch, shuffle=True, num_workers=n,
                             persistent_workers=n > 0) for n in counts}
    times = {n: [] for n in counts}
    passes = {}
    for _ in range(args.repeats):      # alternate, so that a drift in load hits all alike
        for n, loader in loaders.items():
            seconds, passes[n] = one_pass(loader)
            times[n].append(seconds)
    for n, loader in loaders.items():
        if n > 0:
            loader._pool.shutdown()
    reference, base = passes[counts[0]], statistics.median(times[counts[0]])
    for n in counts:
        batches = passes[n]
        same = len(batches) == len(reference) and all(
            numpy.array_equal(a[0], b[0]) and numpy.array_equal(a[1], b[1])
            for a, b in zip(reference, batches))
        median = statistics.median(times[n])
        print(f"num_workers={n}: {median * 1e3:8.1f} ms ({min(times[n]) * 1e3:.1f}), "
              f"{args.items / median:7.0f} items/s, speed-up x{base / median:.2f}, "
              f"batches {'identical' if same else 'DIFFERENT'} to num_workers={counts[0]}")

if __name__ == "__main__":
    main()
