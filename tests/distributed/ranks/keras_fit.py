"""mpirun -n 2: keras.distribution.DataParallel fit on real MNIST against one process.

argv: out_dir npz_path checkpoint_dir.  245 samples in batches of 64: the last batch (53)
splits unequally (26 / 27), which the size-weighted average must still get right.
"""

import sys
from pathlib import Path

import numpy as np

from shenjing import keras
from _common import write_result

data = np.load(sys.argv[2])
x, y = data["x"][:245].reshape(245, 784), data["y"][:245]
ckpt = Path(sys.argv[3])


def make(seed):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((784,)), keras.layers.Dense(32, activation="relu"),
                              keras.layers.Dense(10)])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


strategy = keras.distribution.DataParallel()
rank, world = strategy.rank, strategy.num_replicas_in_sync
model = make(10 + rank)                        # different weights per rank: fit syncs them
reference = make(99)
strategy.sync_weights(model)                   # only so that the reference can copy them
reference.set_weights(model.get_weights())
saver = keras.callbacks.ModelCheckpoint(str(ckpt / f"from_rank{rank}.weights.h5"),
                                        save_weights_only=True)
with strategy.scope():
    history = model.fit(x, y, batch_size=64, epochs=2, shuffle=False, verbose=0,
                        callbacks=[saver])
expected = reference.fit(x, y, batch_size=64, epochs=2, shuffle=False, verbose=0)
gap = max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(),
                                                       reference.get_weights()))
# shuffled epochs: the ranks must still shuffle alike and stay equal
with strategy.scope():
    model.fit(x, y, batch_size=32, epochs=1, shuffle=True, verbose=0)
flat = np.concatenate([w.ravel() for w in model.get_weights()])
gathered = np.empty((world, flat.size), flat.dtype)
strategy.group.comm.Allgather(flat, gathered)
# TensorFlow's pattern: built and compiled inside the scope, fit called after it
with strategy.scope():
    tf_style = make(20 + rank)
strategy.sync_weights(tf_style)
tf_reference = make(98)
tf_reference.set_weights(tf_style.get_weights())
tf_style.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
tf_reference.fit(x, y, batch_size=64, epochs=1, shuffle=False, verbose=0)
tf_gap = max(float(np.abs(a - b).max()) for a, b in zip(tf_style.get_weights(),
                                                          tf_reference.get_weights()))
messages = {}
try:
    with strategy.scope():
        model.fit(x[:3], y[:3], batch_size=2, epochs=1, verbose=0)   # a last batch of 1
except ValueError as error:
    messages["small_batch"] = str(error)
write_result(rank, {
    "gap": gap, "tf_gap": tf_gap, "history": history.history, "expected": expected.history,
    "rank_gap": float(np.abs(gathered - gathered[0]).max()),
    "checkpoints": sorted(p.name for p in ckpt.iterdir() if not p.name.startswith(".")),
    "messages": messages})
