"""Plain-text corpora: Tiny Shakespeare (real file) and WikiText-2 (zip format)."""

import zipfile

import pytest

from shenjing.datasets import ChecksumError, DataFileError, tinyshakespeare, wikitext2
from shenjing.text import Tokenizer
from tests.conftest import shared_data_dir
from tests.datasets.conftest import shared_file


def test_tiny_shakespeare():
    path = shared_file("tinyshakespeare", "input.txt")
    text = tinyshakespeare.load_data(path=path.parents[1])
    assert len(text) == 1115394 and text.count("\n") == 40000
    assert text.startswith("First Citizen:\nBefore we proceed any further, hear me speak.")
    assert len(set(text)) == 65


def write_zip(path, splits=("train", "valid", "test")):
    with zipfile.ZipFile(path, "w") as z:
        for s in splits:
            z.writestr(f"wikitext-2-raw/wiki.{s}.raw", f" = {s.title()} = \n The {s} text . \n")
    return path


def test_wikitext2_zip_layout(tmp_path):
    train, valid, test = wikitext2.read_archive(write_zip(tmp_path / "w.zip"))
    assert train == " = Train = \n The train text . \n" and valid.startswith(" = Valid")
    t = Tokenizer()
    t.fit_on_texts([train, valid, test])
    assert t.word_index["the"] == 1


def test_wikitext2_errors(tmp_path):
    with pytest.raises(DataFileError, match="wiki.test.raw missing"):
        wikitext2.read_archive(write_zip(tmp_path / "w.zip", splits=("train", "valid")))
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataFileError, match="bad.zip: cannot read the WikiText-2 zip"):
        wikitext2.read_archive(tmp_path / "bad.zip")
    folder = tmp_path / "wikitext2"
    folder.mkdir()
    write_zip(folder / "wikitext-2-raw-v1.zip")
    with pytest.raises(ChecksumError, match=wikitext2.ARCHIVE.sha256):
        wikitext2.load_data(path=tmp_path)


def test_wikitext2_real():
    path = shared_data_dir() / "wikitext2" / "wikitext-2-raw-v1.zip"
    if not path.is_file():
        pytest.skip(f"{path} not found (not in the shared data); set SHENJING_DATA")
    train, valid, test = wikitext2.load_data(path=path)
    assert len(train.split()) > 2_000_000 and " = Valkyria Chronicles III = " in train
