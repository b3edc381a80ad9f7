"""The course projects that ``shenjing examples`` lists and ``shenjing run NAME`` runs.

Each example is one script ``examples/<name>.py`` (readable on its own, runnable with
``python examples/<name>.py``) defining ``train(session)``; this table holds what the
command needs without importing it: a one-line summary, the published-level result the
default settings reach, and those settings.  Scripts are looked for in
``$SHENJING_EXAMPLES``, then the ``examples/`` folder of a source checkout, then
``<prefix>/share/shenjing/examples`` (where ``pip install .`` puts them).
"""

import dataclasses
import importlib.util
import os
import sys
from pathlib import Path

ENV_EXAMPLES = "SHENJING_EXAMPLES"


@dataclasses.dataclass(frozen=True)
class Example:
    """One course project: its name, face, summary, reference result and default settings.

    ``metric``/``threshold``: the key of ``metrics.json`` the accuracy test checks and the
    bar it must reach (None where the claim is a comparison, checked by its own test).
    """

    name: str
    face: str
    summary: str
    reference: str
    epochs: int
    batch_size: int
    datasets: tuple = ()
    metric: str = None
    threshold: float = None


EXAMPLES = {e.name: e for e in [
    Example("mnist_mlp", "PyTorch", "MLP 784-256-128-10 with dropout and Adam on MNIST",
            "test accuracy >= 98%", 12, 128, ("mnist",), "test_accuracy", 0.98),
    Example("mnist_cnn", "Keras", "Conv2D-MaxPool-Conv2D-MaxPool-Conv2D-Dense(64)-Dense(10) "
            "on MNIST", "test accuracy >= 99.0%", 6, 64, ("mnist",), "test_accuracy", 0.99),
    Example("fashion_mnist_bn", "Keras", "batch-normalised MLP (300-100-10, He init) with SGD "
            "on Fashion-MNIST", "test accuracy >= 88%", 10, 32, ("fashion-mnist",),
            "test_accuracy", 0.88),
    Example("imdb_textcnn", "Keras", "Tokenizer + Embedding-Conv1D-GlobalMaxPool text CNN on "
            "the raw IMDB reviews", "test accuracy >= 88%", 3, 64, ("imdb",),
            "test_accuracy", 0.88),
    Example("imdb_lstm", "Keras", "Embedding-LSTM-LSTM sentiment classifier on IMDB",
            "test accuracy >= 85%", 3, 64, ("imdb",), "test_accuracy", 0.85),
    Example("transfer_learning", "Keras", "reuse a Fashion-MNIST model's frozen layers for "
            "two new classes", "B with transfer beats B from scratch", 5, 32,
            ("fashion-mnist",), "transfer_gain", 0.0),
    Example("init_and_activations", "PyTorch", "20-layer MLP: zero/0.01/Xavier/He init x "
            "sigmoid/tanh/ReLU, activation and gradient scales", "He+ReLU trains, zero init "
            "does not", 3, 128, ("mnist",)),
    Example("regularization", "Keras", "an over-fitting MLP with none/L2/dropout/batch "
            "norm/early stopping", "L2/dropout/early stopping end below the baseline's "
            "validation loss", 30,
            64, ("mnist",)),
    Example("optimizers", "PyTorch", "SGD, momentum, Nesterov, AdaGrad, RMSProp, Adam and LR "
            "schedules on one problem", "Adam's loss below plain SGD's", 5, 128, ("mnist",)),
    Example("word2vec", "PyTorch", "skip-gram and CBOW with negative sampling on the IMDB "
            "reviews, beside gensim", "analogy accuracy within 1 point of gensim's (about 4%), "
            "top-10 neighbours shared with gensim >= 55% (gensim with itself: 61%)", 1, 10000,
            ("imdb",), "neighbour_overlap", 0.55),
    Example("seq2seq_attention", "Keras", "encoder-decoder with Bahdanau/Luong attention "
            "translating dates", "exact match >= 99% on held-out dates, greedy and beam, "
            "both scores", 8, 64, (), "exact_match", 0.99),
    Example("autoencoders", "Keras", "dense, convolutional, denoising and variational "
            "autoencoders on MNIST/Fashion-MNIST", "test MSE 0.019 dense / 0.018 conv, "
            "denoised MSE 4.3x below the noisy input's, VAE -ELBO 175 nats", 3, 128,
            ("mnist", "fashion-mnist"), "denoising_gain", 3.8),
    Example("dcgan", "PyTorch", "DCGAN on MNIST with label smoothing and batch norm",
            "an MNIST classifier calls >= 40% of the samples with p > 0.9 (real digits: 90%)",
            3, 64, ("mnist",), "confident_share", 0.40),
    Example("wgan_gp", "PyTorch", "WGAN-GP on MNIST: DCGAN generator, MLP critic, gradient "
            "penalty by double backward", "an MNIST classifier calls >= 45% of the samples "
            "with p > 0.9, all 10 digits", 2, 64, ("mnist",), "confident_share", 0.45),
    Example("style_transfer", "PyTorch", "neural style transfer with a network trained here, "
            "Gram-matrix style loss", "style loss 10x lower, content loss below the style "
            "image's", 1, 128, ("fashion-mnist",), "style_reduction", 10.0),
    Example("char_transformer", "PyTorch", "character-level transformer language model on "
            "tinyshakespeare", "validation loss <= 1.80 nats/char (1.71 measured; unigram "
            "3.35)", 2, 32, ("tinyshakespeare",)),
    Example("char_lstm", "Keras", "character-level LSTM text generation on tinyshakespeare",
            "validation loss <= 1.80 nats/char (1.68 measured; unigram 3.35)", 5, 32,
            ("tinyshakespeare",)),
]}


class ExampleError(LookupError):
    """An unknown example, or its script cannot be found; the message says what to do."""


def get(name):
    """The ``Example`` called ``name``; ``ExampleError`` listing the known ones otherwise."""
    try:
        return EXAMPLES[name]
    except KeyError:
        raise ExampleError(f"unknown example {name!r}; expected one of "
                           f"{', '.join(EXAMPLES)} (see `shenjing examples`)") from None


def examples_dirs():
    """The folders searched for example scripts, in order."""
    dirs = []
    if os.environ.get(ENV_EXAMPLES):
        dirs.append(Path(os.environ[ENV_EXAMPLES]).expanduser())
    dirs.append(Path(__file__).resolve().parents[3] / "examples")  # a source checkout
    dirs.append(Path(sys.prefix) / "share" / "shenjing" / "examples")
    return dirs


def script_path(name):
    """The path of ``examples/<name>.py``; ``ExampleError`` naming the folders searched."""
    get(name)
    for folder in examples_dirs():
        path = folder / f"{name}.py"
        if path.is_file():
            return path
    raise ExampleError(f"example script {name}.py not found in "
                       f"{', '.join(map(str, examples_dirs()))}; set {ENV_EXAMPLES} to the "
                       f"examples/ folder of a shenjing checkout")


def load_train(name):
    """Import ``examples/<name>.py`` and return its ``train(session)`` function."""
    path = script_path(name)
    spec = importlib.util.spec_from_file_location(f"shenjing_example_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.train
