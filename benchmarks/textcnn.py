"""The ``textcnn`` workload: a one-layer convolutional text classifier, one training step.

token ids (vocab 10,000, length 400) -> Embedding 128 -> Conv1d 128 filters kernel 5 ->
ReLU -> global max pool over time -> Linear 64 -> ReLU -> Dropout 0.5 -> Linear 1, BCE with
logits, Adam (lr 1e-3), batch 64 (../shared/BENCHMARKS.md).

    python -m benchmarks run --only textcnn
"""

import numpy

from .common import load_same_weights

NAME = "textcnn"
TITLE = "textcnn: embedding-conv1d-maxpool-linear, train step"
BATCH, VOCAB, LENGTH, EMBED, FILTERS, KERNEL = 64, 10_000, 400, 128, 128, 5
TINY = {"batch": 2, "length": 16}


def flops_per_step(batch=BATCH, length=LENGTH):
    """2 flops per multiply-add, x 3 for forward + both backward GEMMs (the embedding's
    gradient is counted, as the plan's figure does)."""
    conv = (length - KERNEL + 1) * FILTERS * EMBED * KERNEL
    head = FILTERS * 64 + 64
    return 3 * 2 * batch * (conv + head)


def build(lib, batch=BATCH, seed=0, length=LENGTH):
    """(model, loss_fn, inputs, target) made with ``lib`` from the same NumPy arrays."""
    nn = lib.nn

    class TextCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = nn.Embedding(VOCAB, EMBED)
            self.conv = nn.Conv1d(EMBED, FILTERS, KERNEL)
            self.head = nn.Sequential(nn.Linear(FILTERS, 64), nn.ReLU(), nn.Dropout(0.5),
                                      nn.Linear(64, 1))

        def forward(self, ids):
            x = self.embedding(ids).transpose(1, 2)        # (N, L, E) -> (N, E, L)
            x = lib.relu(self.conv(x)).amax(dim=2)         # global max pool over time
            return self.head(x).squeeze(1)

    rng = numpy.random.default_rng(seed)
    lib.manual_seed(seed)
    model = TextCNN()

    def draw(name, shape):
        if name == "embedding.weight":
            return rng.standard_normal(shape)
        return None

    load_same_weights(lib, model, rng, draw)
    ids = lib.tensor(rng.integers(0, VOCAB, (batch, length)))
    y = lib.tensor(rng.integers(0, 2, batch).astype(numpy.float32))
    return model, nn.BCEWithLogitsLoss(), ids, y
