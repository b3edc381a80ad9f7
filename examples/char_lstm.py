"""The course's char-RNN on Tiny Shakespeare, written with the Keras face.

    python examples/char_lstm.py [--epochs 5 --batch-size 32 --data DIR --out DIR]
    shenjing run char_lstm

The same data as ``char_transformer``, so that the two validation losses compare: the
1,115,394 characters split 90/10, coded as indices into their 65 characters and cut into
blocks of 64, each with its targets one character on.  The network reads a block one
character at a time and predicts the next one at every step:

    e_t = E[c_t]                                   Embedding(65, 32)
    i, f, o = sigmoid(W x_t + U h + b),  g = tanh(W_g x_t + U_g h + b_g)
    c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)        LSTM(256, return_sequences)
    p(c_{t+1} | c_0..t) = softmax(W_out h_t + b)   Dense(65, softmax) at every step

Sparse categorical cross-entropy of the next character, in nats per character (uniform:
ln 65 = 4.17, unigram frequencies 3.3), Adam with its gradient norm clipped at 1.  As in the
transformer's evaluation, every block of the validation text starts from a zero state.
At the defaults (315k parameters, 5 epochs of 490 steps: about 4 CPU-minutes) it
reached a validation loss of 1.68 nats/char (``char_transformer``: 1.71).

Sampling (``samples.txt``) divides the log-probabilities by a temperature before the
softmax, p_i^(1/T) / sum_j p_j^(1/T) (``shenjing.text.generate``): T < 1 gives safer,
more repetitive text, T > 1 more surprising and more misspelt text; the file holds
samples at 0.5, 0.8 and 1.0.
"""

import math
import sys

import numpy as np

from shenjing import keras
from shenjing.datasets import tinyshakespeare
from shenjing.keras import layers
from shenjing.text import (decode, encode_split, generate, next_char_blocks,
                           unigram_cross_entropy)

BLOCK, EMBEDDING, UNITS, LEARNING_RATE = 64, 32, 256, 2e-3
TEMPERATURES, SAMPLE_LENGTH = (0.5, 0.8, 1.0), 400


def build_model(vocabulary_size):
    """(N, 64) character indices -> (N, 64, vocabulary_size) next-character probabilities."""
    model = keras.Sequential([
        keras.Input(shape=(BLOCK,), dtype="int32"),
        layers.Embedding(vocabulary_size, EMBEDDING),
        layers.LSTM(UNITS, return_sequences=True),
        layers.Dense(vocabulary_size, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, clipnorm=1.0),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def load(session):
    """The text as int64 character indices, split 90/10: (train, val, chars)."""
    return encode_split(tinyshakespeare.load_data(path=session.data), 0.9)


def sample(model, prompt, length, temperature, seed):
    """``prompt`` (T,) indices extended by ``length`` characters drawn at ``temperature``,
    each from the model's probabilities after the last 64 characters."""
    def next_log_probs(ids):
        probs = np.asarray(model(ids, training=False))[:, -1]
        return np.log(np.maximum(probs, 1e-30))     # log p / T, then softmax: p^(1/T)

    return generate(next_log_probs, prompt, length, temperature, window=BLOCK,
                    generator=np.random.default_rng(seed))


def train(session):
    """Train the char-LSTM; returns the validation loss (nats/char), writes samples.txt."""
    train_data, val_data, chars = load(session)
    x_train, y_train = session.take(*next_char_blocks(train_data, BLOCK))
    x_val, y_val = session.take(*next_char_blocks(val_data, BLOCK))

    keras.utils.set_random_seed(session.seed)
    model = build_model(len(chars))
    model.fit(x_train, y_train, epochs=session.epochs, batch_size=session.batch_size,
              validation_data=(x_val, y_val), verbose=0,
              callbacks=session.keras_callbacks("model.keras"))
    val_loss, val_accuracy = model.evaluate(x_val, y_val, verbose=0)

    prompt = x_val[0]
    length = SAMPLE_LENGTH if session.limit is None else SAMPLE_LENGTH // 5   # quick runs
    samples = [f"--- temperature {t} (prompt: the first {BLOCK} validation characters)\n"
               + decode(sample(model, prompt, length, t, session.seed), chars)
               for t in TEMPERATURES]
    session.path("samples.txt").write_text("\n\n".join(samples) + "\n", encoding="utf-8")
    session.log(samples[1][:400])

    session.plot_keras_history()
    unigram = unigram_cross_entropy(train_data, val_data, len(chars))
    session.log(f"char_lstm: validation {val_loss:.4f} nats/char; unigram baseline "
                f"{unigram:.4f}; uniform {math.log(len(chars)):.4f}")
    return {"val_loss": float(val_loss), "val_accuracy": float(val_accuracy),
            "unigram_val_loss": unigram}


if __name__ == "__main__":
    from shenjing.commands.run import script_main
    sys.exit(script_main("char_lstm", train))
