"""WikiText-2 (raw): about 2 million words of verified Good and Featured Wikipedia articles,
a plain-text corpus for word vectors and language models.

The zip (4.7 MB) holds ``wikitext-2-raw/wiki.{train,valid,test}.raw``: UTF-8 text, one
paragraph per line, headings as `` = Title = ``, punctuation kept ("raw": no ``<unk>``).
It is read with ``zipfile``; nothing in it is executed or unpickled.

>>> train, valid, test = load_data()
>>> words = train.split()        # ~2.1 million tokens: ready for skipgrams/Tokenizer

Merity, Xiong, Bradbury and Socher, *Pointer Sentinel Mixture Models*, arXiv:1609.07843
(2016).  Licence: Creative Commons Attribution-ShareAlike (CC BY-SA 3.0), as Wikipedia.
"""

import zipfile

from .fetch import DataFile, DataFileError, fetch

ARCHIVE = DataFile(
    "wikitext2", "wikitext-2-raw-v1.zip",
    "ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11", 4721645,
    ("https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-raw-v1.zip",
     "https://huggingface.co/datasets/ggml-org/ci/resolve/main/wikitext-2-raw-v1.zip"))

SPLITS = ("train", "valid", "test")


def load_data(path=None):
    """The three splits as strings: ``(train, valid, test)``.

    ``path``: a folder with ``wikitext-2-raw-v1.zip`` (or ``wikitext2/`` with it), or the zip.
    """
    return read_archive(fetch(ARCHIVE, path=path))


def read_archive(archive):
    """``(train, valid, test)`` text from a ``wikitext-2-raw-v1.zip``."""
    try:
        with zipfile.ZipFile(archive) as z:
            names = {n.rsplit("/", 1)[-1]: n for n in z.namelist()}
            missing = [f"wiki.{s}.raw" for s in SPLITS if f"wiki.{s}.raw" not in names]
            if missing:
                raise DataFileError(f"{archive}: not WikiText-2 raw: {', '.join(missing)} "
                                    f"missing")
            return tuple(z.read(names[f"wiki.{s}.raw"]).decode("utf-8") for s in SPLITS)
    except (zipfile.BadZipFile, EOFError, OSError) as e:
        if isinstance(e, DataFileError):
            raise
        raise DataFileError(f"{archive}: cannot read the WikiText-2 zip, truncated or corrupt "
                            f"({type(e).__name__}: {e})") from None
