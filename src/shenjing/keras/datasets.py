"""``keras.datasets``: the loaders of ``shenjing.datasets`` under Keras's names.

    from shenjing.keras.datasets import imdb
    (x_train, y_train), (x_test, y_test) = imdb.load_data(num_words=10000)

Each is the module of ``shenjing.datasets`` itself (same ``load_data`` signature and return
values as Keras's; ``imdb`` and ``reuters`` also have ``get_word_index``).
"""

from ..datasets import cifar10, fashion_mnist, imdb, mnist, reuters

__all__ = ["mnist", "fashion_mnist", "cifar10", "imdb", "reuters"]
