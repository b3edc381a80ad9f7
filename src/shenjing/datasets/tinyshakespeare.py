"""Tiny Shakespeare: 1,115,394 characters (40,000 lines) of Shakespeare's plays, the
character-level language-model corpus of Karpathy's char-rnn.

>>> text = load_data()
>>> chars = sorted(set(text))        # 65 distinct characters, ASCII

Karpathy, char-rnn (2015), MIT-licensed repository; the text itself is public domain.
"""

from .fetch import DataFile, fetch

FILE = DataFile(
    "tinyshakespeare", "input.txt",
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1115394,
    ("https://raw.githubusercontent.com/karpathy/char-rnn/"
     "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",))


def load_data(path=None):
    """The whole text as one ``str``.

    ``path``: a folder with ``input.txt`` (or ``tinyshakespeare/`` with it), or the file.
    """
    with open(fetch(FILE, path=path), encoding="utf-8") as f:
        return f.read()
